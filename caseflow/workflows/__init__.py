"""Workflows: Workflow → State → Transition → Guard / Router / Effect.

A workflow family is a table (``definition.Workflow``) registered in ``registry``. The engine
(``engine.apply``) is the only code that changes a case's state; it reads the table, checks role,
scope and separation of duties, runs the named guards, moves the case, opens stage tasks, sets
timers, appends the event to the case's hash chain and writes effects to the outbox — in one
transaction.

Map of this folder:

* ``definition.py`` — the dataclasses a table is made of.
* ``registry.py``   — registered workflows, guards, routers, effects; ``validate()``.
* ``engine.py``     — ``create_case``, ``available_actions``, ``apply``, and the task operations
  claim / release / handover / add_cosigner / countersign / assign_panel.
* ``clock.py``      — stage deadlines, timers (``fire_due_timers``) and the licensing clock.
* ``guards.py``, ``routers.py``, ``effects.py`` — the named pieces definitions refer to.
* ``diagram.py``    — a definition as a Mermaid state diagram.
"""

from caseflow.workflows import effects, guards, routers  # noqa: F401  (register the names)
