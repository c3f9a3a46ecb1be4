"""``flask --app wsgi caseflow calendar …``: the working-day calendar (holidays and 调休).

Administrators correct the ``chinesecalendar`` package and enter the years it does not cover yet
from the State Council notice (国务院办公厅关于部分节假日安排的通知): each holiday and adjusted
working day with ``calendar set``, then ``calendar year YEAR --source …``. Until a year is covered
or entered, deadlines in it are provisional (Monday to Friday). Every command has ``--help``.
"""

import re
from datetime import date, timedelta

import chinese_calendar
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import CalendarOverride, CalendarYear
from caseflow.workdays import PACKAGE_VERSION, WorkCalendar, package_covers

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_MAX = 120  # CalendarOverride.note and CalendarYear.source
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` → date, or a ClickException that says what is wrong."""
    if not _DAY.fullmatch(text.strip()):
        raise click.ClickException(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2027-01-01")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.ClickException(f"invalid date {text!r}: {exc} (expected YYYY-MM-DD)") from None


def _check_text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > _TEXT_MAX:
        raise click.ClickException(f"{what} is longer than {_TEXT_MAX} characters")
    return value or None


def _kind(is_workday: bool) -> str:
    return "working day" if is_workday else "holiday"


def _package_says(day: date) -> str:
    if not package_covers(day.year):
        return f"chinesecalendar {PACKAGE_VERSION} does not cover {day.year}"
    return f"chinesecalendar says: {_kind(chinese_calendar.is_workday(day))}"


@click.group("calendar")
def calendar():
    """Working-day calendar: holidays, adjusted working days (调休) and entered years."""


@calendar.command("set")
@click.argument("day", metavar="DAY")
@click.option(
    "--workday/--holiday",
    "is_workday",
    default=None,
    help="--workday: DAY is a working day (e.g. an adjusted Saturday); --holiday: a day off.",
)
@click.option("--note", help="What the day is, e.g. '2027 春节' (up to 120 characters).")
@with_appcontext
def set_command(day, is_workday, note):
    """Set DAY (YYYY-MM-DD) as a working day or a holiday, replacing an earlier entry.

    The entry wins over the chinesecalendar package, in any year.
    """
    when = parse_day(day)
    if is_workday is None:
        raise click.UsageError("give --workday or --holiday")
    note = _check_text(note, "--note")
    row = db.session.get(CalendarOverride, when)
    previous = None if row is None else row.is_workday
    if row is None:
        row = CalendarOverride(day=when, is_workday=is_workday, note=note)
        db.session.add(row)
    else:
        row.is_workday = is_workday
        row.note = note
    db.session.commit()
    change = "" if previous is None else f" (was: {_kind(previous)})"
    click.echo(
        f"{when.isoformat()} {_WEEKDAYS[when.weekday()]} is now a {_kind(is_workday)}{change}; "
        f"{_package_says(when)}."
    )
    click.echo(f"Calendar version: {WorkCalendar.load().version}")


@calendar.command("unset")
@click.argument("day", metavar="DAY")
@with_appcontext
def unset_command(day):
    """Remove the entry for DAY (YYYY-MM-DD); the package or Monday–Friday applies again."""
    when = parse_day(day)
    row = db.session.get(CalendarOverride, when)
    if row is None:
        raise click.ClickException(f"there is no entry for {when.isoformat()}")
    db.session.delete(row)
    db.session.commit()
    click.echo(f"Entry for {when.isoformat()} removed; {_package_says(when)}.")
    click.echo(f"Calendar version: {WorkCalendar.load().version}")


@calendar.command("year")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option(
    "--source",
    required=True,
    help="The State Council notice, e.g. '国办发明电〔2026〕7号' (up to 120 characters).",
)
@with_appcontext
def year_command(year, source):
    """Mark YEAR as entered: its holidays and adjusted working days are all set.

    Deadlines in an entered year are no longer provisional: Monday to Friday count, except the
    days set with `calendar set`. Enter the days first.
    """
    source = _check_text(source, "--source")
    if not source:
        raise click.ClickException("--source must not be empty")
    row = db.session.get(CalendarYear, year)
    if row is None:
        db.session.add(CalendarYear(year=year, source=source))
    else:
        row.source = source
    db.session.commit()
    entries = _overrides_in(year)
    click.echo(f"{year} marked as entered (source: {source}); {len(entries)} entries in {year}.")
    if package_covers(year):
        click.echo(
            f"Note: chinesecalendar {PACKAGE_VERSION} covers {year}; the package's schedule is "
            "used and the entries correct it."
        )
    elif not entries:
        click.echo(
            f"Warning: no holidays or adjusted working days are set for {year}; add them with "
            "`calendar set`."
        )
    click.echo(f"Calendar version: {WorkCalendar.load().version}")


def _overrides_in(year: int) -> dict[date, CalendarOverride]:
    rows = db.session.scalars(
        select(CalendarOverride).where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    )
    return {row.day: row for row in rows}


def _package_name(day: date) -> str:
    name = chinese_calendar.holidays.get(day) or chinese_calendar.workdays.get(day)
    if not name:
        return ""
    try:
        return f"{name} {chinese_calendar.Holiday(name).chinese}"
    except ValueError:
        return name


@calendar.command("show")
@click.argument("year", type=click.IntRange(2000, 2100))
@with_appcontext
def show_command(year):
    """Print YEAR's holidays and adjusted working days, month by month."""
    cal = WorkCalendar.load()
    entries = _overrides_in(year)
    status = cal.year_status(year)
    if status == "package":
        click.echo(
            f"{year}: covered by chinesecalendar {PACKAGE_VERSION} (statutory holidays and "
            "adjusted working days)."
        )
    elif status == "entered":
        source = db.session.get(CalendarYear, year).source
        click.echo(
            f"{year}: entered (source: {source}); Monday to Friday except the entries below."
        )
    else:
        click.echo(
            f"{year}: PROVISIONAL: not covered by chinesecalendar {PACKAGE_VERSION} and not "
            "entered; Monday to Friday count as working days and deadlines are provisional. "
            f"Enter the days with `calendar set`, then `calendar year {year} --source …`."
        )
    click.echo(f"Entries (overrides) in {year}: {len(entries)}")
    workdays, _ = cal.workdays_between(date(year, 1, 1) - timedelta(days=1), date(year, 12, 31))
    click.echo(f"Working days in {year}: {workdays}")
    click.echo(f"Calendar version: {cal.version}")

    lines_by_month: dict[int, list[str]] = {}
    day = date(year, 1, 1)
    while day.year == year:
        is_workday, _ = cal.is_workday(day)
        weekend = day.weekday() >= 5
        entry = entries.get(day)
        if entry is not None:
            label = " ".join(filter(None, [entry.note or _package_name(day), "[entry]"]))
        else:
            label = _package_name(day)
        if is_workday and weekend:
            kind = "adjusted working day"
        elif not is_workday and (not weekend or day in chinese_calendar.holidays):
            kind = "holiday"
        elif entry is not None:
            kind = _kind(is_workday)
        else:
            kind = None
        if kind is not None:
            lines_by_month.setdefault(day.month, []).append(
                f"  {day.isoformat()} {_WEEKDAYS[day.weekday()]}  {kind:<20}  {label}".rstrip()
            )
        day += timedelta(days=1)
    for month in range(1, 13):
        lines = lines_by_month.get(month)
        if lines:
            click.echo(f"{year}-{month:02d}")
            for line in lines:
                click.echo(line)
        else:
            click.echo(f"{year}-{month:02d}  no holidays or adjusted working days")
