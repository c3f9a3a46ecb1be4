"""Chinese working-day arithmetic for deadlines (工作日计算).

Which days are working days, in order of precedence:

1. a day listed in ``CalendarOverride``: its ``is_workday`` wins (any year, also to correct the
   package);
2. a year covered by the ``chinesecalendar`` package: the package's statutory holidays and adjusted
   working days (调休);
3. a year entered by an administrator (``CalendarYear``, the State Council notice): Monday to
   Friday, the overrides carrying the holidays and adjusted working days;
4. any other year: Monday to Friday, and the result is **provisional**.

The start day is never counted (民法典 第二百零一条): "20 working days after 2025-09-26" is
2025-10-30. A result is provisional when any day it depends on was only guessed by rule 4.

Every year is turned, once, into a table (prefix counts and the sorted list of its working days),
so ``add_workdays`` and ``workdays_between`` cost a few index look-ups per year crossed. The
package is asked at most once per day of a year per process; tables of identical inputs are shared
between calendars.
"""

from __future__ import annotations

import calendar as _calendar
import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate

import chinese_calendar
from flask import g

from caseflow.timeutil import SHANGHAI, to_local

PACKAGE_VERSION: str = chinese_calendar.__version__
_G_KEY = "_caseflow_work_calendar"


@dataclass(frozen=True)
class Deadline:
    day: date
    provisional: bool
    calendar_version: str


def package_covers(year: int) -> bool:
    """Whether the ``chinesecalendar`` package has the official schedule of ``year``."""
    return _package_year(year) is not None


@lru_cache(maxsize=64)
def _package_year(year: int) -> bytes | None:
    """The package's working-day flags for each day of ``year``, or None when not covered."""
    first = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        return None
    days = 366 if _calendar.isleap(year) else 365
    return bytes(chinese_calendar.is_workday(first + timedelta(days=i)) for i in range(days))


@dataclass(frozen=True)
class _YearTable:
    year: int
    first: int  # ordinal of 1 January
    days: int
    cum: tuple[int, ...]  # cum[i]: working days among the first i days of the year
    workdays: tuple[int, ...]  # ordinals of the working days, ascending
    status: str  # "package" | "entered" | "provisional"
    fixed: tuple[int, ...]  # ordinals of the overridden days, ascending

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"

    def count(self, after: int, upto: int) -> int:
        """Working days with index in (after, upto]; indexes run from -1 to days - 1."""
        return self.cum[upto + 1] - self.cum[after + 1]

    def provisional_between(self, after: int, upto: int) -> bool:
        """Whether any day with index in (after, upto] was only guessed (rule 4)."""
        if not self.provisional or upto <= after:
            return False
        lo, hi = self.first + after, self.first + upto
        overridden = bisect_right(self.fixed, hi) - bisect_right(self.fixed, lo)
        return upto - after > overridden


@lru_cache(maxsize=256)
def _build_year(year: int, overrides: tuple[tuple[date, bool], ...], entered: bool) -> _YearTable:
    first = date(year, 1, 1)
    days = 366 if _calendar.isleap(year) else 365
    package = _package_year(year)
    if package is not None:
        flags = bytearray(package)
        status = "package"
    else:
        weekday = first.weekday()
        flags = bytearray((weekday + i) % 7 < 5 for i in range(days))
        status = "entered" if entered else "provisional"
    base = first.toordinal()
    for day, is_workday in overrides:
        flags[day.toordinal() - base] = bool(is_workday)
    return _YearTable(
        year=year,
        first=base,
        days=days,
        cum=tuple(accumulate(flags, initial=0)),
        workdays=tuple(base + i for i, flag in enumerate(flags) if flag),
        status=status,
        fixed=tuple(sorted(day.toordinal() for day, _ in overrides)),
    )


def _check_date(value: date, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date (convert datetimes with to_local_date)")


class WorkCalendar:
    """Working days from the package, the administrators' overrides and the entered years.

    Immutable once built; build one with :meth:`load` (database) or :meth:`from_data`.
    """

    def __init__(self, overrides: dict[date, bool], entered_years: set[int] | frozenset[int]):
        self._overrides: dict[date, bool] = {day: bool(v) for day, v in overrides.items()}
        self._entered: frozenset[int] = frozenset(int(y) for y in entered_years)
        by_year: dict[int, list[tuple[date, bool]]] = {}
        for day, value in sorted(self._overrides.items()):
            by_year.setdefault(day.year, []).append((day, value))
        self._by_year = {year: tuple(items) for year, items in by_year.items()}
        self._tables: dict[int, _YearTable] = {}
        self.version: str = self._make_version()

    @classmethod
    def load(cls) -> WorkCalendar:
        """Read the overrides and the entered years from the database (needs an app context)."""
        from sqlalchemy import select

        from caseflow.extensions import db
        from caseflow.models import CalendarOverride, CalendarYear

        rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_workday))
        overrides = {day: bool(is_workday) for day, is_workday in rows}
        years = set(db.session.scalars(select(CalendarYear.year)))
        return cls(overrides, years)

    @classmethod
    def from_data(cls, overrides: dict[date, bool], entered_years: set[int]) -> WorkCalendar:
        """A calendar from plain data (tests, benchmarks); no database."""
        return cls(overrides, entered_years)

    def _make_version(self) -> str:
        digest = hashlib.sha256()
        for day, value in sorted(self._overrides.items()):
            digest.update(f"o {day.isoformat()} {int(value)}\n".encode())
        for year in sorted(self._entered):
            digest.update(f"y {year}\n".encode())
        return (
            f"chinesecalendar-{PACKAGE_VERSION}+ovr-{len(self._overrides)}-{digest.hexdigest()[:8]}"
        )

    def __repr__(self) -> str:
        return f"<WorkCalendar {self.version}>"

    # -- per year ---------------------------------------------------------------------------

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            if not 1 <= year <= 9999:
                raise OverflowError(f"year {year} is outside the supported range")
            table = _build_year(year, self._by_year.get(year, ()), year in self._entered)
            self._tables[year] = table
        return table

    def year_status(self, year: int) -> str:
        """``"package"`` (covered by chinesecalendar), ``"entered"`` or ``"provisional"``."""
        return self._table(year).status

    # -- queries ----------------------------------------------------------------------------

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, provisional). An overridden day is never provisional."""
        _check_date(day, "day")
        if day in self._overrides:
            return self._overrides[day], False
        table = self._table(day.year)
        i = day.toordinal() - table.first
        return bool(table.cum[i + 1] - table.cum[i]), table.provisional

    def add_workdays(self, start: date, n: int) -> Deadline:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` returns ``start``, provisional only when ``start`` itself is guessed.
        """
        _check_date(start, "start")
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return Deadline(start, self.is_workday(start)[1], self.version)
        table = self._table(start.year)
        after = start.toordinal() - table.first
        remaining = n
        provisional = False
        while True:
            done = table.cum[after + 1]  # working days of this year up to and including `after`
            available = len(table.workdays) - done
            if remaining <= available:
                result = table.workdays[done + remaining - 1]
                provisional |= table.provisional_between(after, result - table.first)
                return Deadline(date.fromordinal(result), provisional, self.version)
            remaining -= available
            provisional |= table.provisional_between(after, table.days - 1)
            table = self._table(table.year + 1)
            after = -1

    def workdays_between(self, start: date, end: date) -> tuple[int, bool]:
        """(working days in (start, end], provisional); ``start`` is not counted.

        ``(0, False)`` when ``end <= start``.
        """
        _check_date(start, "start")
        _check_date(end, "end")
        if end <= start:
            return 0, False
        start_ord, end_ord = start.toordinal(), end.toordinal()
        total = 0
        provisional = False
        for year in range(start.year, end.year + 1):
            table = self._table(year)
            after = start_ord - table.first if year == start.year else -1
            upto = end_ord - table.first if year == end.year else table.days - 1
            total += table.count(after, upto)
            provisional |= table.provisional_between(after, upto)
        return total, provisional

    @staticmethod
    def add_months(start: date, months: int) -> date:
        """``start`` plus calendar months, clamped to the end of the month (31 Jan + 1 → 28/29
        Feb). For periods such as "3 months" or "2 years" (24 months)."""
        _check_date(start, "start")
        index = start.year * 12 + start.month - 1 + months
        year, month = divmod(index, 12)
        month += 1
        if not 1 <= year <= 9999:
            raise OverflowError(f"year {year} is outside the supported range")
        return date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def current_calendar() -> WorkCalendar:
    """The calendar for this request or job: loaded from the database once per app context."""
    calendar = g.get(_G_KEY)
    if calendar is None:
        calendar = WorkCalendar.load()
        setattr(g, _G_KEY, calendar)
    return calendar


def reset_current_calendar() -> None:
    """Forget this app context's calendar (after changing overrides within the same context)."""
    g.pop(_G_KEY, None)


def to_local_date(dt: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware (UTC) datetime; naive values are taken as UTC."""
    return to_local(dt).date()


def local_end_of_day_utc(day: date) -> datetime:
    """23:59:59.999999 Asia/Shanghai on ``day``, as an aware UTC datetime.

    A timer for a deadline day fires once this instant has passed.
    """
    _check_date(day, "day")
    return datetime.combine(day, time.max, tzinfo=SHANGHAI).astimezone(UTC)
