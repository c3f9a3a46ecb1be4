"""A workflow definition as a Mermaid state diagram (``flask caseflow workflow diagram KEY``)."""

from caseflow.workflows import registry
from caseflow.workflows.definition import Workflow


def mermaid(wf: Workflow, english: bool = False) -> str:
    lines = ["stateDiagram-v2"]
    for s in wf.states:
        label = s.label(english).replace('"', "'")
        lines.append(f'    state "{label}" as {s.key}')
    lines.append(f"    [*] --> {wf.initial}")
    for t in wf.transitions:
        label = t.label(english).replace(":", " ")
        for source in t.source:
            for target in sorted(registry.targets(wf, t)):
                lines.append(f"    {source} --> {target} : {label}")
    for s in wf.states:
        if s.is_terminal:
            lines.append(f"    {s.key} --> [*]")
    return "\n".join(lines) + "\n"
