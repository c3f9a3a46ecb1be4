"""Chinese working-day arithmetic (caseflow.workdays) and the ``calendar`` commands."""

import re
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow import workdays
from caseflow.calendar_cli import calendar as calendar_group
from caseflow.extensions import db
from caseflow.models import CalendarOverride, CalendarYear, Timer
from caseflow.workdays import (
    Deadline,
    WorkCalendar,
    current_calendar,
    local_end_of_day_utc,
    to_local_date,
)

D = date.fromisoformat
PLAIN = WorkCalendar.from_data({}, set())
# 2027 as the State Council might announce it (not covered by chinesecalendar 1.11.0).
ENTERED_2027 = WorkCalendar.from_data({D("2027-01-01"): False}, {2027})


# -- which days are working days --------------------------------------------------------------

IS_WORKDAY = [
    # 春节 2025: off 28 Jan – 4 Feb; Sun 26 Jan and Sat 8 Feb are adjusted working days
    ("2025-01-24", True), ("2025-01-25", False), ("2025-01-26", True), ("2025-01-27", True),
    ("2025-01-28", False), ("2025-01-31", False), ("2025-02-01", False), ("2025-02-03", False),
    ("2025-02-04", False), ("2025-02-05", True), ("2025-02-08", True), ("2025-02-09", False),
    # 国庆 + 中秋 2025: off 1–8 Oct; Sun 28 Sep and Sat 11 Oct are adjusted working days
    ("2025-09-27", False), ("2025-09-28", True), ("2025-09-30", True), ("2025-10-01", False),
    ("2025-10-06", False), ("2025-10-08", False), ("2025-10-09", True), ("2025-10-11", True),
    ("2025-10-12", False),
    # 元旦 2026: off 1–3 Jan; Sun 4 Jan is an adjusted working day
    ("2025-12-31", True), ("2026-01-01", False), ("2026-01-02", False), ("2026-01-04", True),
    # an ordinary week
    ("2025-03-14", True), ("2025-03-15", False), ("2025-03-16", False), ("2025-03-17", True),
]  # fmt: skip


@pytest.mark.parametrize(("day", "expected"), IS_WORKDAY)
def test_is_workday_follows_the_statutory_schedule(day, expected):
    assert PLAIN.is_workday(D(day)) == (expected, False)


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2027-01-01", True), ("2027-01-02", False), ("2027-01-04", True), ("2028-02-29", True)],
)
def test_uncovered_years_count_monday_to_friday_provisionally(day, expected):
    assert PLAIN.is_workday(D(day)) == (expected, True)


def test_an_entered_year_is_not_provisional_and_its_entries_win():
    assert ENTERED_2027.is_workday(D("2027-01-01")) == (False, False)
    assert ENTERED_2027.is_workday(D("2027-01-04")) == (True, False)
    assert ENTERED_2027.is_workday(D("2027-01-09")) == (False, False)
    # an entry in a year that is not entered is certain; its neighbours stay provisional
    only_entry = WorkCalendar.from_data({D("2028-01-01"): False}, {2027})
    assert only_entry.is_workday(D("2028-01-01")) == (False, False)
    assert only_entry.is_workday(D("2028-01-03")) == (True, True)


# -- adding working days ----------------------------------------------------------------------

ADD_WORKDAYS = [
    # the spec's example: the start day is not counted (民法典 第二百零一条)
    ("2025-09-26", 20, "2025-10-30"),
    ("2025-09-26", 0, "2025-09-26"),
    ("2025-09-26", 1, "2025-09-28"),  # the adjusted Sunday counts
    ("2025-09-28", 1, "2025-09-29"),
    ("2025-09-30", 1, "2025-10-09"),  # across 国庆
    ("2025-09-30", 3, "2025-10-11"),  # … to the adjusted Saturday
    ("2025-10-01", 1, "2025-10-09"),  # starting on a holiday
    ("2025-10-04", 0, "2025-10-04"),  # n = 0 returns the start, even a holiday
    ("2025-01-24", 1, "2025-01-26"),  # 春节: the adjusted Sunday before
    ("2025-01-27", 1, "2025-02-05"),  # the holiday is skipped
    ("2025-01-27", 4, "2025-02-08"),  # the adjusted Saturday after
    ("2025-01-27", 5, "2025-02-10"),
    ("2025-01-20", 10, "2025-02-08"),  # 21 22 23 24 26 27 | 5 6 7 8
    ("2025-12-31", 1, "2026-01-04"),  # across the year and 元旦 2026
    ("2025-12-30", 2, "2026-01-04"),
    ("2024-12-31", 248, "2025-12-31"),  # 2025 has 248 working days
]


@pytest.mark.parametrize(("start", "n", "expected"), ADD_WORKDAYS)
def test_add_workdays(start, n, expected):
    deadline = PLAIN.add_workdays(D(start), n)
    assert deadline == Deadline(D(expected), False, PLAIN.version)
    assert PLAIN.workdays_between(D(start), D(expected)) == (n, False)


def test_2025_has_248_working_days():
    # 261 weekdays − 18 weekday holidays + 5 adjusted weekend working days
    assert PLAIN.workdays_between(D("2024-12-31"), D("2025-12-31")) == (248, False)
    assert PLAIN.workdays_between(D("2025-01-01"), D("2025-12-31")) == (248, False)  # 元旦 is off
    assert PLAIN.workdays_between(D("2025-01-02"), D("2025-12-31")) == (247, False)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-09-26", "2025-09-26", 0),
        ("2025-09-26", "2025-09-25", 0),  # end before start
        ("2025-09-30", "2025-10-08", 0),  # only holidays
        ("2025-09-27", "2025-09-28", 1),  # the end day counts, the start day does not
        ("2025-09-28", "2025-09-29", 1),
        ("2023-12-31", "2026-12-31", 251 + 248 + 248),  # several years
    ],
)
def test_workdays_between(start, end, expected):
    assert PLAIN.workdays_between(D(start), D(end)) == (expected, False)


def test_negative_n_and_datetimes_are_refused():
    with pytest.raises(ValueError):
        PLAIN.add_workdays(D("2025-01-01"), -1)
    with pytest.raises(TypeError):
        PLAIN.add_workdays(datetime(2025, 1, 1, tzinfo=UTC), 1)
    with pytest.raises(TypeError):
        PLAIN.is_workday(datetime(2025, 1, 1, tzinfo=UTC))


# -- 2027 and later: provisional until entered ------------------------------------------------


def test_a_deadline_in_an_uncovered_year_is_provisional_until_the_year_is_entered():
    start = D("2026-12-20")  # a Sunday
    # Monday to Friday: 21–25, 28–31 Dec (9), Fri 1 Jan (10), 4–8 Jan (15), 11–15 Jan (20)
    assert PLAIN.add_workdays(start, 20) == Deadline(D("2027-01-15"), True, PLAIN.version)
    assert PLAIN.workdays_between(start, D("2027-01-15")) == (20, True)
    # an entry alone keeps the year provisional
    entry_only = WorkCalendar.from_data({D("2027-01-01"): False}, set())
    assert entry_only.add_workdays(start, 20) == Deadline(D("2027-01-18"), True, entry_only.version)
    # entered with 元旦 2027 as a holiday: certain, and one day later
    deadline = ENTERED_2027.add_workdays(start, 20)
    assert deadline == Deadline(D("2027-01-18"), False, ENTERED_2027.version)
    assert ENTERED_2027.workdays_between(start, D("2027-01-18")) == (20, False)
    assert len({PLAIN.version, entry_only.version, ENTERED_2027.version}) == 3


def test_provisional_only_when_a_guessed_day_is_involved():
    # within 2026 (covered) nothing is provisional, up to the last day of the year
    assert PLAIN.add_workdays(D("2026-12-20"), 9) == Deadline(D("2026-12-31"), False, PLAIN.version)
    assert PLAIN.workdays_between(D("2026-12-20"), D("2026-12-31")) == (9, False)
    # a start day in 2027 with n = 0 is provisional; a start on 31 Dec 2026 is not
    assert PLAIN.add_workdays(D("2027-03-01"), 0).provisional
    assert not PLAIN.add_workdays(D("2026-12-31"), 0).provisional
    assert not ENTERED_2027.add_workdays(D("2027-03-01"), 0).provisional
    # the only day consulted in 2027 is an entered working day: certain
    certain = WorkCalendar.from_data({D("2027-01-01"): True}, set())
    assert certain.add_workdays(D("2026-12-31"), 1) == Deadline(
        D("2027-01-01"), False, certain.version
    )
    assert certain.add_workdays(D("2026-12-31"), 2).provisional


def test_an_override_corrects_the_package():
    later = WorkCalendar.from_data({D("2025-10-09"): False}, set())
    assert later.is_workday(D("2025-10-09")) == (False, False)
    assert later.add_workdays(D("2025-09-26"), 20) == Deadline(
        D("2025-10-31"), False, later.version
    )
    earlier = WorkCalendar.from_data({D("2025-10-08"): True, D("2025-10-11"): True}, set())
    assert earlier.add_workdays(D("2025-09-26"), 20).day == D("2025-10-29")
    assert earlier.workdays_between(D("2025-09-30"), D("2025-10-08")) == (1, False)
    assert len({PLAIN.version, later.version, earlier.version}) == 3


def test_the_version_names_the_package_and_digests_the_entries():
    pattern = r"chinesecalendar-1\.11\.0\+ovr-(\d+)-[0-9a-f]{8}"
    assert re.fullmatch(pattern, PLAIN.version).group(1) == "0"
    assert re.fullmatch(pattern, ENTERED_2027.version).group(1) == "1"
    same = WorkCalendar.from_data({D("2027-01-01"): False}, {2027})
    assert same.version == ENTERED_2027.version
    flipped = WorkCalendar.from_data({D("2027-01-01"): True}, {2027})
    not_entered = WorkCalendar.from_data({D("2027-01-01"): False}, set())
    other_year = WorkCalendar.from_data({D("2027-01-01"): False}, {2027, 2028})
    versions = {ENTERED_2027.version, flipped.version, not_entered.version, other_year.version}
    assert len(versions) == 4
    many = WorkCalendar.from_data(
        {D("2030-01-01") + timedelta(i): False for i in range(999)}, set()
    )
    assert len(many.version) <= Timer.calendar_version.type.length


# -- properties -------------------------------------------------------------------------------

COVERED = st.dates(min_value=D("2024-01-01"), max_value=D("2026-12-31"))


@settings(max_examples=300, deadline=None)
@given(start=COVERED, n=st.integers(min_value=0, max_value=60))
def test_add_workdays_and_workdays_between_agree(start, n):
    deadline = PLAIN.add_workdays(start, n)
    assert PLAIN.workdays_between(start, deadline.day) == (n, deadline.provisional)
    if n > 0:
        assert deadline.day > start
        assert PLAIN.is_workday(deadline.day)[0]
        # the day before the deadline is still short of n working days
        assert PLAIN.workdays_between(start, deadline.day - timedelta(days=1))[0] == n - 1
    else:
        assert deadline.day == start


def reference_is_workday(day, overrides, entered):
    """The rules of the spec, day by day, straight from the package."""
    if day in overrides:
        return overrides[day], False
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, day.year not in entered


def reference_add(start, n, overrides, entered):
    if n == 0:
        return start, reference_is_workday(start, overrides, entered)[1]
    day, provisional = start, False
    while n:
        day += timedelta(days=1)
        is_workday, guessed = reference_is_workday(day, overrides, entered)
        provisional |= guessed
        n -= is_workday
    return day, provisional


@settings(max_examples=150, deadline=None)
@given(
    overrides=st.dictionaries(
        st.dates(min_value=D("2025-12-01"), max_value=D("2027-03-31")), st.booleans(), max_size=25
    ),
    entered=st.sets(st.sampled_from([2027, 2028]), max_size=2),
    start=st.dates(min_value=D("2025-11-01"), max_value=D("2027-03-31")),
    n=st.integers(min_value=0, max_value=80),
)
def test_matches_a_day_by_day_reference(overrides, entered, start, n):
    cal = WorkCalendar.from_data(overrides, entered)
    day, provisional = reference_add(start, n, overrides, entered)
    assert cal.add_workdays(start, n) == Deadline(day, provisional, cal.version)
    if n:
        assert cal.workdays_between(start, day) == (n, provisional)
    probe = start + timedelta(days=n)
    assert cal.is_workday(probe) == reference_is_workday(probe, overrides, entered)


def test_the_package_is_asked_once_per_day_of_a_year(monkeypatch):
    calls = []
    original = chinese_calendar.is_workday

    def counting(day):
        calls.append(day)
        return original(day)

    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", counting)
    workdays._package_year.cache_clear()
    workdays._build_year.cache_clear()
    try:
        for _ in range(3):
            cal = WorkCalendar.from_data({D("2025-05-06"): False}, set())
            for offset in range(0, 300, 7):
                cal.add_workdays(D("2025-01-01") + timedelta(days=offset), 20)
            cal.add_workdays(D("2025-12-20"), 20)  # into 2026
            cal.workdays_between(D("2025-01-01"), D("2026-12-31"))
            cal.is_workday(D("2025-07-01"))
        # per year: one probe of whether the package covers it, then each day once
        assert len(calls) == (1 + 365) * 2
    finally:
        workdays._package_year.cache_clear()
        workdays._build_year.cache_clear()


# -- calendar months and local dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-05-15", 3, "2025-08-15"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-08-31", 1, "2025-09-30"),
        ("2025-11-30", 3, "2026-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2025-10-30", 24, "2027-10-30"),  # 2 years
        ("2025-03-31", -1, "2025-02-28"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2025-01-15", 0, "2025-01-15"),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert PLAIN.add_months(D(start), months) == D(expected)
    assert WorkCalendar.add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        (datetime(2025, 9, 30, 15, 59, 59, 999999, tzinfo=UTC), "2025-09-30"),
        (datetime(2025, 9, 30, 16, 0, tzinfo=UTC), "2025-10-01"),
        (datetime(2025, 12, 31, 23, 0, tzinfo=UTC), "2026-01-01"),
    ],
)
def test_to_local_date_uses_shanghai(utc, local):
    assert to_local_date(utc) == D(local)


def test_local_end_of_day_is_the_last_instant_of_the_shanghai_day():
    end = local_end_of_day_utc(D("2025-10-30"))
    assert end == datetime(2025, 10, 30, 15, 59, 59, 999999, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)
    assert to_local_date(end) == D("2025-10-30")
    assert to_local_date(end + timedelta(microseconds=1)) == D("2025-10-31")


# -- from the database ------------------------------------------------------------------------


def test_current_calendar_loads_from_the_database_once_per_app_context(app):
    with app.app_context():
        empty = current_calendar()
        assert empty.version == PLAIN.version
        assert current_calendar() is empty
        db.session.add(CalendarOverride(day=D("2027-01-01"), is_workday=False, note="元旦"))
        db.session.add(CalendarYear(year=2027, source="国办发明电"))
        db.session.commit()
        assert current_calendar() is empty  # loaded once per request or job
    with app.app_context():
        cal = current_calendar()
        assert cal.version == ENTERED_2027.version != empty.version
        assert cal.add_workdays(D("2026-12-20"), 20) == Deadline(
            D("2027-01-18"), False, cal.version
        )
        assert cal.is_workday(D("2027-01-01")) == (False, False)
        db.session.add(CalendarOverride(day=D("2025-10-09"), is_workday=False))
        db.session.commit()
        workdays.reset_current_calendar()
        corrected = current_calendar()
        assert corrected is not cal and corrected.version != cal.version
        assert corrected.add_workdays(D("2025-09-26"), 20).day == D("2025-10-31")


# -- the calendar commands --------------------------------------------------------------------


def run(app, *args):
    return app.test_cli_runner().invoke(calendar_group, list(args))


def test_every_calendar_command_has_help(app):
    for command in ("set", "unset", "year", "show"):
        result = run(app, command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, result.output


def test_set_unset_year_and_show(app):
    shown = run(app, "show", "2027")
    assert shown.exit_code == 0, shown.output
    assert "PROVISIONAL" in shown.output and PLAIN.version in shown.output

    result = run(app, "set", "2027-01-01", "--holiday", "--note", "元旦")
    assert result.exit_code == 0, result.output
    result = run(app, "set", "2027-02-06", "--holiday")
    assert result.exit_code == 0, result.output
    result = run(app, "set", "2027-02-06", "--workday", "--note", "春节调休")  # upsert
    assert result.exit_code == 0 and "was: holiday" in result.output, result.output
    with app.app_context():
        rows = db.session.query(CalendarOverride).order_by(CalendarOverride.day).all()
        assert [(r.day, r.is_workday, r.note) for r in rows] == [
            (D("2027-01-01"), False, "元旦"),
            (D("2027-02-06"), True, "春节调休"),
        ]
    assert "PROVISIONAL" in run(app, "show", "2027").output

    result = run(app, "year", "2027", "--source", "国办发明电〔2026〕1号")
    assert result.exit_code == 0 and "2 entries" in result.output, result.output
    shown = run(app, "show", "2027")
    assert shown.exit_code == 0, shown.output
    assert "PROVISIONAL" not in shown.output and "国办发明电〔2026〕1号" in shown.output
    assert re.search(r"2027-01-01 Fri\s+holiday\s+元旦", shown.output)
    assert re.search(r"2027-02-06 Sat\s+adjusted working day\s+春节调休", shown.output)
    assert "2027-03  no holidays" in shown.output
    with app.app_context():
        cal = WorkCalendar.load()
        assert cal.version in shown.output
        assert cal.add_workdays(D("2026-12-20"), 20) == Deadline(
            D("2027-01-18"), False, cal.version
        )

    result = run(app, "unset", "2027-01-01")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(CalendarOverride, D("2027-01-01")) is None
        assert WorkCalendar.load().add_workdays(D("2026-12-20"), 20).day == D("2027-01-15")
    again = run(app, "unset", "2027-01-01")
    assert again.exit_code != 0 and "no entry" in again.output


def test_show_a_covered_year(app):
    shown = run(app, "show", "2025")
    assert shown.exit_code == 0, shown.output
    assert "covered by chinesecalendar 1.11.0" in shown.output
    assert "Working days in 2025: 248" in shown.output
    assert re.search(r"2025-10-01 Wed\s+holiday\s+National Day", shown.output)
    assert re.search(r"2025-09-28 Sun\s+adjusted working day", shown.output)
    assert re.search(r"2025-01-26 Sun\s+adjusted working day\s+Spring Festival", shown.output)
    assert "2025-07-01" not in shown.output


@pytest.mark.parametrize("bad", ["2025-02-30", "2025/10/01", "20251001", "tomorrow", "2025-13-01"])
def test_bad_dates_are_refused_with_a_message(app, bad):
    for args in (["set", bad, "--holiday"], ["unset", bad]):
        result = run(app, *args)
        assert result.exit_code != 0
        assert "invalid date" in result.output and "YYYY-MM-DD" in result.output, result.output
    with app.app_context():
        assert db.session.query(CalendarOverride).count() == 0


def test_set_needs_workday_or_holiday_and_year_needs_a_source(app):
    result = run(app, "set", "2027-01-01")
    assert result.exit_code != 0 and "--workday or --holiday" in result.output
    result = run(app, "year", "2027")
    assert result.exit_code != 0 and "--source" in result.output
    result = run(app, "year", "2027", "--source", "  ")
    assert result.exit_code != 0 and "empty" in result.output
    result = run(app, "set", "2027-01-01", "--holiday", "--note", "x" * 121)
    assert result.exit_code != 0 and "120" in result.output
    with app.app_context():
        assert db.session.query(CalendarOverride).count() == 0
        assert db.session.query(CalendarYear).count() == 0
