"""Document numbers: one gap-free sequence per series and year.

The counter is incremented with ``UPDATE … SET last = last + 1 … RETURNING last`` inside the
issuing transaction. On PostgreSQL the update holds the counter row's lock until that
transaction ends, so concurrent issuers queue and each gets the next number; on SQLite the
write lock serialises them. A transaction that rolls back gives its number back with it: numbers
never repeat and never skip.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from caseflow.extensions import db
from caseflow.models import DocumentCounter

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def next_seq(series: str, year: int) -> int:
    """The next number of ``series`` in ``year``, allocated in the running transaction."""
    table = DocumentCounter.__table__
    for _ in range(2):
        row = db.session.execute(
            update(table)
            .where(table.c.series == series, table.c.year == year)
            .values(last=table.c.last + 1)
            .returning(table.c.last)
        ).first()
        if row is not None:
            return row[0]
        # The first number of the year: create the counter. When another transaction creates it
        # at the same moment, ON CONFLICT DO NOTHING waits for it and leaves its row alone (no
        # error, so the running transaction stays usable); the update above then takes it.
        insert = _INSERT[db.session.get_bind().dialect.name]
        db.session.execute(
            insert(table).values(series=series, year=year, last=0).on_conflict_do_nothing()
        )
    raise RuntimeError(f"could not allocate a number in series {series!r} for {year}")
