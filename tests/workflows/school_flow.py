"""Taking Workflow A cases (school establishment) along their path, for tests outside the
workflow's own module. The filing and stepping helpers stay in ``test_school_establishment``;
this module holds what both need and a shortcut to a filed case.
"""

from datetime import date

# What the provincial government's approval records (技师学院): the reply's number and date.
GOVERNMENT_REPLY = {"government_reply_number": "川府函〔2025〕12号",
                    "government_reply_date": "2025-03-03"}  # fmt: skip
START = date(2025, 3, 3)  # a Monday


def to_state(kind: str, state: str, **changes):
    """A new case of ``kind`` (the default filer and form of ``test_school_establishment``, with
    ``changes``) taken to ``state`` by the engine, starting on ``START``."""
    import time_machine

    from tests.workflows.test_school_establishment import at, drive, file

    with time_machine.travel(at(START), tick=False) as traveller:
        return drive(file(kind, **changes), state, traveller)
