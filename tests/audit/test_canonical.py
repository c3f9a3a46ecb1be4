"""The canonical form of events, and the fast verification path agreeing with it byte for byte."""

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from caseflow.audit import chain
from caseflow.audit.chain import (
    STORED_ROW,
    NotCanonical,
    append_event,
    canonical_content,
    canonical_stored_rows,
    compute_hash,
    event_fields,
    hash_stored_rows,
)
from caseflow.audit.verify import verify_all, verify_case
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent
from tests.audit.conftest import build_case, organisation, user
from tests.conftest import empty_tables, make_app

STABLE_FIELDS = {
    "case_id": 1,
    "seq": 1,
    "action": "submit",
    "from_state": None,
    "to_state": "intake",
    "actor_id": None,
    "actor_name": "system",
    "actor_role": None,
    "actor_org_id": None,
    "occurred_at": datetime(2026, 3, 2, 1, 30, 0, 250000, tzinfo=UTC),
    "comment": "材料齐全，同意受理。",
    "changes": {"单位名称": [None, "成都市示范技工学校"]},
    "details": {"kind": "standard", "items": ["营业执照", "办学许可证"]},
    "policy_version": "permit-2026.1",
    "format_version": 1,
}
STABLE_CONTENT = (
    '{"action":"submit","actor_id":null,"actor_name":"system","actor_org_id":null,'
    '"actor_role":null,"case_id":1,"changes":{"单位名称":[null,"成都市示范技工学校"]},'
    '"comment":"材料齐全，同意受理。","details":{"items":["营业执照","办学许可证"],'
    '"kind":"standard"},"format_version":1,"from_state":null,'
    '"occurred_at":"2026-03-02T01:30:00.250000Z","policy_version":"permit-2026.1","seq":1,'
    '"to_state":"intake"}'
).encode()
WHEN = STABLE_FIELDS["occurred_at"]
STABLE_HASH = "f92fb07e6a96b517d7532097caea4e7d7807145a1e83aff00af74a3b08ea6141"


def varied_events() -> list[dict]:
    """Events covering Chinese text, escapes, None fields, nested JSON and awkward times."""
    base = dict(STABLE_FIELDS)
    cases = [
        {},
        {"comment": None, "changes": None, "details": None, "policy_version": None},
        {"actor_id": 12, "actor_name": "省厅经办人", "actor_role": "province_reviewer"},
        {"actor_org_id": 3, "from_state": "review", "to_state": "panel", "seq": 17},
        {"comment": 'quote " backslash \\ newline \n tab \t ctrl \x01\x1f del \x7f'},
        {"comment": "emoji 😀, line sep \u2028, para \u2029, nbsp \xa0, bom \ufeff"},
        {"comment": "</script><!-- & ' <b>", "actor_name": "O'Brien"},
        {"comment": ""},
        {"changes": {"z": [1, 2], "a": [None, "x"], "中": ["甲", "乙"], "A": [True, False]}},
        {"changes": {}, "details": {"list": []}},
        {"details": {"nested": {"deeper": {"deepest": [1, [2, [3, {"k": "v"}]]]}}}},
        {"details": {"big": 2**70, "negative": -5, "zero": 0, "bool": True, "none": None}},
        {"details": {"key with spaces": 1, "key\nwith\nnewlines": 2, "": 3, "é": 4, "e": 5}},
        {"details": {"items": ["补正事项一：请补充材料", "二", "\\u0041 is not an escape"]}},
        {"details": ["top", "level", "list"]},
        {"details": "a string"},
        {"details": 42},
        {"occurred_at": datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=UTC)},
        {"occurred_at": datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)},
        {"occurred_at": datetime(2026, 6, 1, 9, 0, 1, 5, tzinfo=timezone(timedelta(hours=8)))},
        {"occurred_at": datetime(1000, 1, 1, 0, 0, 0, 1, tzinfo=UTC)},
        {"occurred_at": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)},
        {"format_version": 1, "case_id": 2**31 - 1, "seq": 2**31 - 1},
    ]
    return [{**base, **extra} for extra in cases]


def sqlite_time(value: datetime) -> str:
    """occurred_at as SQLAlchemy stores it in SQLite (naive UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def time_forms(value: datetime) -> list:
    """occurred_at in every form the fast path accepts."""
    utc = value.astimezone(UTC)
    return [
        sqlite_time(value),  # SQLite
        utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # PostgreSQL to_char
        utc.replace(tzinfo=None),  # naive datetime
        utc,  # aware datetime
    ]


def stored_row(fields: dict, prev_hash, occurred_at, json_dumps=json.dumps) -> tuple:
    """A row as the database returns it (JSON columns as SQLAlchemy's serializer wrote them)."""
    stored = {
        **fields,
        "id": 1,
        "hash": "",
        "prev_hash": prev_hash,
        "occurred_at": occurred_at,
        "changes": json_dumps(fields["changes"]),
        "details": json_dumps(fields["details"]),
    }
    return tuple(stored[name] for name in STORED_ROW)


def test_chinese_text_hashes_stably():
    assert canonical_content(STABLE_FIELDS) == STABLE_CONTENT
    assert compute_hash(None, STABLE_FIELDS) == STABLE_HASH
    assert compute_hash(chain.GENESIS, STABLE_FIELDS) == STABLE_HASH
    # The same content with its keys in another order, as the engine might build it.
    shuffled = {name: STABLE_FIELDS[name] for name in reversed(chain.HASHED_FIELDS)}
    shuffled["details"] = {"items": ["营业执照", "办学许可证"], "kind": "standard"}
    assert compute_hash(None, shuffled) == STABLE_HASH


@pytest.mark.parametrize(
    "details",
    [
        {"score": 85.5},
        {"scores": [80, 90.0]},
        {"nested": {"deeper": {"ratio": 0.1}}},
        {"nan": float("nan")},
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        {1: "integer key"},
    ],
)
def test_values_without_canonical_form_are_refused(details):
    with pytest.raises(NotCanonical):
        canonical_content({**STABLE_FIELDS, "details": details})


def test_fast_path_agrees_with_reference():
    prev_hashes = [None, chain.GENESIS, "ab" * 32]
    checked = 0
    for fields in varied_events():
        expected_content = canonical_content(fields)
        for prev in prev_hashes:
            expected_hash = compute_hash(prev, fields)
            for occurred_at in time_forms(fields["occurred_at"]):
                for dumps in (json.dumps, lambda v: json.dumps(v, ensure_ascii=False, indent=1)):
                    row = stored_row(fields, prev, occurred_at, dumps)
                    assert canonical_stored_rows([row]) == [expected_content], fields
                    assert hash_stored_rows([row]) == [expected_hash], fields
                    checked += 1
    assert checked == len(varied_events()) * 3 * 4 * 2
    # SQL NULL in a JSON column reads as None, like JSON null.
    row = stored_row({**STABLE_FIELDS, "changes": None}, None, sqlite_time(WHEN))
    row = tuple(
        None if name == "changes" else value for name, value in zip(STORED_ROW, row, strict=True)
    )
    assert hash_stored_rows([row]) == [compute_hash(None, {**STABLE_FIELDS, "changes": None})]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"score": 85.5}'),
        ("details", '{"x": [1, 2.0]}'),
        ("details", '{"x": NaN}'),
        ("changes", '{"x": Infinity}'),
        ("details", "{not json"),
        ("details", '{"a": 1} trailing'),
        ("occurred_at", "yesterday"),
        ("occurred_at", "2026-02-30 10:00:00.000000"),
        ("comment", 1.5),
        ("actor_id", 2.0),
        ("comment", b"bytes"),
    ],
)
def test_fast_path_refuses_what_the_reference_refuses(column, value):
    row = dict(zip(STORED_ROW, stored_row(STABLE_FIELDS, None, sqlite_time(WHEN)), strict=True))
    row[column] = value
    (result,) = hash_stored_rows([tuple(row.values())])
    assert isinstance(result, NotCanonical)


def test_fast_path_keeps_rows_apart():
    """One bad row in a batch does not disturb the others."""
    good = stored_row(STABLE_FIELDS, None, sqlite_time(WHEN))
    bad = list(good)
    bad[STORED_ROW.index("details")] = '{"x": 0.5}'
    hashes = hash_stored_rows([good, tuple(bad), good])
    assert hashes[0] == hashes[2] == STABLE_HASH
    assert isinstance(hashes[1], NotCanonical)


def test_float_in_details_is_refused_when_appending(demo):
    with demo.app_context():
        org = organisation()
        case = Case(
            reference="SE-2026-510100-0009",
            workflow="test",
            kind="k",
            state="draft",
            applicant_org_id=org.id,
            region_code=org.region_code,
        )
        db.session.add(case)
        db.session.flush()
        with pytest.raises(NotCanonical, match="floats"):
            append_event(case, action="score", occurred_at=WHEN, details={"score": 85.5})
        assert case.last_event_seq == 0 and case.chain_head is None
        db.session.rollback()


def test_varied_events_verify_through_the_database(demo):
    """Events written by append_event read back through Core columns hash as the ORM does."""
    with demo.app_context():
        org = organisation()
        case = Case(
            reference="SE-2026-510100-0010",
            workflow="test",
            kind="k",
            state="draft",
            applicant_org_id=org.id,
            region_code=org.region_code,
        )
        db.session.add(case)
        db.session.flush()
        clerk = user("school_clerk")
        for index, fields in enumerate(varied_events()):
            if fields["case_id"] != 1 or fields["seq"] != 1:
                continue  # case_id and seq are the chain's own
            append_event(
                case,
                action=fields["action"],
                occurred_at=fields["occurred_at"],
                actor=clerk if index % 2 else None,
                actor_role=fields["actor_role"],
                from_state=fields["from_state"],
                to_state=fields["to_state"],
                comment=fields["comment"],
                changes=fields["changes"],
                details=fields["details"],
                policy_version=fields["policy_version"],
            )
        db.session.commit()
        case_id = case.id
        events = db.session.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        ).all()
        assert len(events) >= 15
        for event in events:  # the reference path, through ORM objects
            assert compute_hash(event.prev_hash, event_fields(event)) == event.hash
        db.session.remove()
        result = verify_case(case_id)
        assert result.ok, result.first_bad
        assert result.events == len(events)
        assert verify_all().ok


@pytest.fixture
def both_backends(migrated_url, tmp_path):
    """An app on SQLite and one on PostgreSQL, at the same time, emptied afterwards."""
    copy = tmp_path / "caseflow.db"
    shutil.copyfile(migrated_url("sqlite").removeprefix("sqlite:///"), copy)
    apps = {
        "sqlite": make_app(f"sqlite:///{copy}"),
        "postgresql": make_app(migrated_url("postgresql")),
    }
    yield apps
    for app in apps.values():
        empty_tables(app)


def test_same_event_hashes_the_same_on_sqlite_and_postgresql(both_backends):
    from caseflow.demo import seed_demo

    fields, hashes = {}, {}
    for backend, app in both_backends.items():
        with app.app_context():
            seed_demo()
            db.session.commit()
            case_id = build_case("SE-2026-510100-0100", 6, case_id=1)
            case = db.session.get(Case, case_id)
            append_event(
                case,
                action=STABLE_FIELDS["action"],
                occurred_at=STABLE_FIELDS["occurred_at"],
                to_state=STABLE_FIELDS["to_state"],
                comment=STABLE_FIELDS["comment"],
                changes=STABLE_FIELDS["changes"],
                details=STABLE_FIELDS["details"],
                policy_version=STABLE_FIELDS["policy_version"],
            )
            db.session.commit()
            events = db.session.scalars(
                sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            ).all()
            fields[backend] = [event_fields(event) for event in events]
            hashes[backend] = [event.hash for event in events]
            db.session.remove()
            assert verify_all().ok
            db.engine.dispose()
    assert len(hashes["sqlite"]) == 7
    assert fields["sqlite"] == fields["postgresql"]  # the same events (ids included) …
    assert hashes["sqlite"] == hashes["postgresql"]  # … hash the same


def test_json_columns_are_stored_canonical_on_both_backends(both_backends):
    from caseflow.demo import seed_demo

    changes = {"金额": ["100", "200"], "b": [None, 'x "y"\n'], "a": {"z": 1, "c": [True]}}
    details = {"kind": "standard", "items": ["营业执照"]}
    for app in both_backends.values():
        with app.app_context():
            seed_demo()
            db.session.commit()
            case_id = build_case("SE-2026-510100-0101", 2, case_id=1)
            case = db.session.get(Case, case_id)
            append_event(
                case,
                action="edit",
                occurred_at=WHEN,
                changes=changes,
                details=details,
            )
            db.session.commit()
            stored = db.session.execute(
                sa.select(
                    sa.cast(CaseEvent.changes, sa.Text), sa.cast(CaseEvent.details, sa.Text)
                ).where(CaseEvent.case_id == case_id, CaseEvent.seq == 3)
            ).one()
            assert tuple(stored) == (chain.canonical_json(changes), chain.canonical_json(details))
            db.session.remove()
            assert verify_all().ok
            db.engine.dispose()


def _with(row: tuple, **values) -> tuple:
    data = dict(zip(STORED_ROW, row, strict=True))
    data.update(values)
    return tuple(data.values())


def test_rows_stored_non_canonically_verify_through_the_rebuild():
    canonical = stored_row(STABLE_FIELDS, None, sqlite_time(WHEN), chain.canonical_json)
    canonical = _with(canonical, hash=STABLE_HASH)
    assert hash_stored_rows([canonical]) == [STABLE_HASH]
    # Stored by an older serializer, or reformatted without changing the content.
    for dumps in (json.dumps, lambda v: json.dumps(v, ensure_ascii=False, indent=2)):
        row = _with(
            canonical,
            changes=dumps(STABLE_FIELDS["changes"]),
            details=dumps(STABLE_FIELDS["details"]),
        )
        assert hash_stored_rows([row]) == [STABLE_HASH]
    # Keys reordered: equal content, still the same hash.
    row = _with(canonical, details='{"kind":"standard","items":["营业执照","办学许可证"]}')
    assert hash_stored_rows([row]) == [STABLE_HASH]
    # A change of content fails as stored and rebuilt.
    row = _with(canonical, details='{"items":["营业执照"],"kind":"standard"}')
    assert hash_stored_rows([row]) == [
        compute_hash(
            None, {**STABLE_FIELDS, "details": {"items": ["营业执照"], "kind": "standard"}}
        )
    ]
    assert hash_stored_rows([row]) != [STABLE_HASH]
    # Text marked as not valid JSON is never hashed as stored.
    row = _with(canonical, details=chain.INVALID_JSON_MARK + canonical[STORED_ROW.index("details")])
    assert hash_stored_rows([row]) == [STABLE_HASH]
    (result,) = hash_stored_rows([_with(canonical, details=chain.INVALID_JSON_MARK + "{x")])
    assert isinstance(result, NotCanonical)


def test_text_moved_between_json_columns_is_not_accepted():
    """Invalid JSON text that would rebuild the hashed bytes when concatenated is caught."""
    fields = {
        **STABLE_FIELDS,
        "comment": "c",
        "changes": {"q": 1},
        "details": {"a": 0, "comment": "c2", "details": 5},
    }
    digest = compute_hash(None, fields)
    row = _with(
        stored_row(fields, None, sqlite_time(WHEN), chain.canonical_json),
        hash=digest,
        changes='{"q":1},"comment":"c","details":{"a":0',
        comment="c2",
        details="5}",
    )
    # Hashed as stored, the text would match: verify marks it on SQLite (PostgreSQL's json type
    # refuses it), so it is decided by the rebuild.
    assert hash_stored_rows([row]) == [digest]
    (result,) = hash_stored_rows(
        [
            _with(
                row,
                changes=chain.INVALID_JSON_MARK + row[STORED_ROW.index("changes")],
                details=chain.INVALID_JSON_MARK + row[STORED_ROW.index("details")],
            )
        ]
    )
    assert isinstance(result, NotCanonical)
