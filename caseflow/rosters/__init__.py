"""Trainee rosters (花名册) of subsidy claims: reading XLSX/CSV files and writing the template.

Pure functions: nothing here touches the database. See DOMAIN.md §5.2.
"""

from caseflow.rosters.reader import (
    RosterRead,
    RosterRow,
    RosterUnreadable,
    RowProblem,
    read_roster,
)
from caseflow.rosters.template import roster_template, safe_cell

__all__ = [
    "RosterRead",
    "RosterRow",
    "RosterUnreadable",
    "RowProblem",
    "read_roster",
    "roster_template",
    "safe_cell",
]
