"""The vocabulary of workflow definitions: Workflow → State → Transition → Guard / Effect.

A workflow family is one literal built from these dataclasses (see ``caseflow/workflows/``).
The engine knows no family: every rule is a row here, a named guard, router or effect, or a
value in the policy data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

STATE_KINDS = ("applicant", "stage", "system", "public", "terminal")
SIGN_OFF_MODES = ("single", "all", "any")
# How the people who act in a stage are found (see engine.assignees / authz):
#   applicant_region — holders of the role whose region scope is the case's region
#   province         — holders of the role with province scope
#   panel            — the people assigned to the case for this stage (CaseParticipant rows)
#   applicant        — the applicant organisation's users
#   supervisor_or_region — the officials of the provincial industry department supervising the
#                      applicant (role held with ``organisation`` scope there) when it has one,
#                      else as applicant_region (DOMAIN §3: 市州人社局 or 省级行业主管部门)
SCOPE_RULES = ("applicant_region", "province", "panel", "applicant", "supervisor_or_region")
CLOCK_IN_STATE = ("runs", "paused")
COMMENT_RULES = ("optional", "required", "none")
TRANSITION_KINDS = (
    "transition",  # an ordinary move from one state to another
    "sign",  # a signature in an `all`/`any` stage: the stage moves on when complete
    "return_supplement",  # back to the applicant with an itemised supplement notice (补正)
    "resubmit",  # the applicant's answer: back to the stage that returned the case
    "return_stage",  # back to a named earlier stage
    "withdraw",  # the applicant withdraws before a decision
    "reject",  # terminal refusal with reasons and the notice of remedies
    "system",  # taken by the system actor (timers): deemed acceptance, lapse, notice end
)
CLOCK_OPS = ("start", "stop", "extend")
# ``sheet``: a row per criterion (points or met / not met), rows from a registered sheet provider
# (``Field.sheet``, see caseflow/workflows/sheets.py); stored as lines ``criterion=value``.
FIELD_TYPES = ("text", "int", "decimal", "date", "choice", "items", "user", "bool", "sheet")
UPLOADERS = ("applicant", "stage")
TIME_UNITS = ("workdays", "months", "years")


@dataclass(frozen=True)
class PolicyRef:
    """A number of a definition that is policy data (house rule 6): the value ``key`` of the
    policy ``policy`` (``caseflow/policy/data/<policy>.toml``) in effect on a given day."""

    policy: str
    key: str

    def on(self, day: date | None = None) -> int:
        """The value in effect on ``day`` (default: today in Asia/Shanghai)."""
        from caseflow import policy

        return policy.current(self.policy, on=day).value(self.key)


class PolicyNumber:
    """A definition field holding a number, or a :class:`PolicyRef` to one.

    Reading the attribute gives a plain ``int`` — for a PolicyRef, the value in effect *today*
    (what pages, the API and documents describe). The engine asks :func:`number_on` for the
    value on the day of the action, and validation reads the declaration with :func:`spec`.
    (``dataclasses.replace`` copies the figure read today: give PolicyRefs again when copying.)
    """

    REQUIRED = object()

    def __init__(self, default=REQUIRED):
        self.default = default

    def __set_name__(self, owner, name):
        self.slot = f"_{name}_spec"

    def __get__(self, obj, owner=None):
        if obj is None:
            if self.default is PolicyNumber.REQUIRED:  # the dataclass field has no default
                raise AttributeError(self.slot)
            return self.default
        value = obj.__dict__[self.slot]
        return value.on() if isinstance(value, PolicyRef) else value

    def __set__(self, obj, value):
        obj.__dict__[self.slot] = value


def spec(obj, name: str):
    """The declared value of a :class:`PolicyNumber` field: an int, a PolicyRef or None."""
    return obj.__dict__[vars(type(obj))[name].slot]


def number_on(obj, name: str, day: date | None):
    """The number a :class:`PolicyNumber` field stands for on ``day``."""
    value = spec(obj, name)
    return value.on(day) if isinstance(value, PolicyRef) else value


@dataclass(frozen=True)
class Field:
    """An input a transition asks for (shown as a form field; validated by the engine)."""

    name: str
    type: str = "text"
    required: bool = True
    label_zh: str = ""
    label_en: str = ""
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    # An application-form field asked only of these kinds (None: of every kind).
    kinds: tuple[str, ...] | None = None
    # How each choice reads, key → (zh, en); a choice without a label shows its key.
    choice_labels: dict[str, tuple[str, str]] | None = field(default=None, hash=False)
    show_mu: bool = False  # land in m²: show 亩 beside it (1 亩 = 666.67 m²)
    sheet: str | None = None  # a ``sheet`` field: the registered sheet provider of its rows

    def for_kind(self, kind: str | None) -> bool:
        return self.kinds is None or kind in self.kinds

    def choice_label(self, key, english: bool) -> str:
        labels = (self.choice_labels or {}).get(key)
        return str(key) if labels is None else labels[1 if english else 0]


@dataclass(frozen=True)
class Assign:
    role: str
    scope: str  # one of SCOPE_RULES


NOTICE_MASKS = ("name", "id_number")


@dataclass(frozen=True)
class NoticeField:
    """A field of the case data shown on a public notice, masked when it is personal data."""

    key: str
    label_zh: str
    label_en: str
    mask: str | None = None  # one of NOTICE_MASKS

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


@dataclass(frozen=True)
class AttachmentType:
    """A kind of file a case of this workflow carries (e.g. a feasibility report)."""

    key: str
    label_zh: str
    label_en: str
    required: bool = False
    # Who uploads it (UPLOADERS): the applicant while the case is with them, and/or the
    # holders of an open task of the current stage; ``states`` limits it to those states.
    uploaded_by: tuple[str, ...] = ("applicant", "stage")
    states: tuple[str, ...] = ()
    multiple: bool = False  # every upload adds a file (photos); none supersedes another
    formats: tuple[str, ...] = ()  # allowed file extensions (empty: every accepted format)

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


@dataclass(frozen=True)
class State:
    key: str
    label_zh: str
    label_en: str
    kind: str  # one of STATE_KINDS
    mode: str | None = None  # sign-off mode for stages
    assign: Assign | None = None
    # In working days, or months / years (time_unit); an int or a PolicyRef (see PolicyNumber).
    time_limit: int | PolicyRef | None = PolicyNumber(None)
    time_unit: str = "workdays"  # one of TIME_UNITS
    clock: str | None = None  # licensing clock while in this state: runs | paused
    supervisor: str | None = None  # role told when a task is overdue (督办)
    on_timeout: str | None = None  # system action applied when the time limit passes
    reminder_days: int = 2  # working days before the deadline when the holder is reminded
    allow_handover: bool = True  # 转交
    allow_cosign: bool = False  # 加签
    min_panel: int | None = None  # at least this many assigned people (panel stages)
    odd_panel: bool = False  # the panel must have an odd number of members
    panel_assigned_by: str = "province_reviewer"  # the role that picks the panel members
    # Public states (公示): what the notice shows, who resolves objections (异议), and the action
    # applied when an objection is upheld. The notice's outcome waits for every objection.
    notice_fields: tuple[NoticeField, ...] = ()
    objections: Assign | None = None
    objection_time_limit: int | PolicyRef | None = PolicyNumber(None)  # working days per objection
    objection_upheld: str | None = None

    @property
    def is_stage(self) -> bool:
        return self.kind == "stage"

    @property
    def is_terminal(self) -> bool:
        return self.kind == "terminal"

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


@dataclass(frozen=True)
class Transition:
    action: str
    source: tuple[str, ...]
    label_zh: str
    label_en: str
    target: str | None = None
    router: str | None = None  # named router that picks the target from data
    roles: frozenset[str] = frozenset()
    kind: str = "transition"
    guards: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    comment: str = "optional"
    effects: tuple[str, ...] = ()
    clock: str | None = None  # start | stop | extend
    documents: tuple[str, ...] = ()  # numbered documents issued by this action (文书)

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh

    @property
    def targets_returning_stage(self) -> bool:
        return self.kind == "resubmit"


@dataclass(frozen=True)
class Clock:
    """The licensing clock: starts at a transition, counts working days in ``runs`` states.
    Each number is an int or a PolicyRef (see PolicyNumber)."""

    limit_days: int | PolicyRef = PolicyNumber()
    extension_days: int | PolicyRef = PolicyNumber()
    extensions_allowed: int | PolicyRef = PolicyNumber(1)


@dataclass(frozen=True)
class Remedies:
    """The notice of remedies printed with every refusal (行政复议 / 行政诉讼)."""

    reconsideration_days: int = 60
    litigation_months: int = 6


@dataclass(frozen=True)
class Workflow:
    key: str
    prefix: str
    label_zh: str
    label_en: str
    kinds: dict[str, tuple[str, str]]  # kind → (zh, en)
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    clock: Clock | None = None
    remedies: Remedies = field(default_factory=Remedies)
    attachments: tuple[AttachmentType, ...] = ()
    # The application form: the case data an applicant fills in (typed; ``required`` is checked
    # when the definition's submit action carries the ``application_complete`` guard).
    fields: tuple[Field, ...] = ()
    # The policies (caseflow/policy/data/<name>.toml) a case of this workflow is decided under:
    # create_case stamps their versions in effect that day on the case and its events.
    policies: tuple[str, ...] = ()
    # The form field naming what the application is about (a school's name, a project): the
    # documents name it ("你单位提交的关于“…”的…申请").
    subject_field: str | None = None

    def attachment_type(self, key: str) -> AttachmentType | None:
        return next((a for a in self.attachments if a.key == key), None)

    def __post_init__(self):
        object.__setattr__(self, "_states", {s.key: s for s in self.states})
        by_source: dict[str, list[Transition]] = {}
        for t in self.transitions:
            for source in t.source:
                by_source.setdefault(source, []).append(t)
        object.__setattr__(self, "_by_source", {k: tuple(v) for k, v in by_source.items()})

    def state(self, key: str) -> State:
        return self._states[key]

    def has_state(self, key: str) -> bool:
        return key in self._states

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        return self._by_source.get(state, ())

    def transition(self, state: str, action: str) -> Transition | None:
        for t in self.transitions_from(state):
            if t.action == action:
                return t
        return None

    @property
    def panel_roles(self) -> frozenset[str]:
        """Roles of the people assigned to a case by name (``panel`` stages: experts,
        inspectors): anonymous to the applicant (``caseflow.cases.access.hides_panel_people``)."""
        return frozenset(s.assign.role for s in self.states
                         if s.assign is not None and s.assign.scope == "panel")  # fmt: skip

    @property
    def stage_keys(self) -> frozenset[str]:
        return frozenset(s.key for s in self.states if s.is_stage)

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh
