"""The ``flask caseflow`` commands."""

import pytest
from sqlalchemy import select

from caseflow.demo_schools import CASES as SCHOOL_CASES
from caseflow.extensions import db
from caseflow.models import Organisation, User

SCHOOL_CODE = "91512081MA62K0260E"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["caseflow", *args], input=input)


def test_every_command_has_help(app):
    for command in ("seed-demo", "create-org", "create-user", "check"):
        result = run(app, command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_seed_demo_creates_every_role_in_several_cities(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")  # the school cases' demo files
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        roles = {r.role for u in users for r in u.roles}
        regions = {o.region_code for o in db.session.scalars(select(Organisation))}
    assert roles == {
        "applicant", "city_reviewer", "province_reviewer", "leader", "expert",
        "finance_reviewer", "government", "inspector", "auditor", "admin",
    }  # fmt: skip
    assert "510000" in regions and len(regions - {"510000"}) >= 3
    assert "Demo-caseflow-2026" in result.output
    again = run(app, "seed-demo")
    assert again.exit_code != 0 and "already" in again.output
    assert run(app, "seed-demo", "--if-empty").exit_code == 0


def test_seed_demo_refuses_in_production(app):
    app.config["CASEFLOW_PROFILE"] = "production"
    result = run(app, "seed-demo")
    assert result.exit_code != 0 and "production" in result.output


def test_create_org_validates_the_credit_code(app):
    bad = run(app, "create-org", "--name", "某学校", "--kind", "school", "--region", "510100",
              "--credit-code", "91350100M000100Y4Z")  # fmt: skip
    assert bad.exit_code != 0 and "credit code" in bad.output
    unknown_region = run(app, "create-org", "--name", "某学校", "--kind", "school", "--region",
                         "990000", "--credit-code", SCHOOL_CODE)  # fmt: skip
    assert unknown_region.exit_code != 0 and "region" in unknown_region.output
    ok = run(app, "create-org", "--name", "某技师学院", "--kind", "school", "--region", "510100",
             "--credit-code", SCHOOL_CODE, "--tier", "technician_college", "--ownership",
             "public")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    duplicate = run(app, "create-org", "--name", "又一个", "--kind", "enterprise", "--region",
                    "510100", "--credit-code", SCHOOL_CODE)  # fmt: skip
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.credit_code == SCHOOL_CODE))
        assert org.tier == "technician_college"


def test_create_user_with_scopes_and_random_password(app):
    run(app, "create-org", "--name", "成都市人社局", "--kind", "department", "--region", "510100",
        "--credit-code", SCHOOL_CODE)  # fmt: skip
    result = run(app, "create-user", "--username", "cd1", "--role", "city_reviewer", "--role",
                 "leader", "--role", "finance_reviewer:510000", "--org", SCHOOL_CODE)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Initial password" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "cd1"))
        scopes = {(r.role, r.scope_kind, r.region_code) for r in user.roles}
        assert user.must_change_password
    assert scopes == {
        ("city_reviewer", "region", "510100"),
        ("leader", "region", "510100"),
        ("finance_reviewer", "province", "510000"),
    }


def test_create_user_password_from_stdin_and_errors(app):
    run(app, "create-org", "--name", "某学校", "--kind", "school", "--region", "510700",
        "--credit-code", SCHOOL_CODE)  # fmt: skip
    ok = run(app, "create-user", "--username", "clerk", "--role", "applicant", "--org",
             SCHOOL_CODE, "--password-stdin", input="Strong-pass-2026\n")  # fmt: skip
    assert ok.exit_code == 0 and "Strong-pass-2026" not in ok.output
    weak = run(app, "create-user", "--username", "clerk2", "--role", "applicant", "--org",
               SCHOOL_CODE, "--password-stdin", input="abc\n")  # fmt: skip
    assert weak.exit_code != 0
    for role, message in [
        ("nonsense", "unknown role"),
        ("province_reviewer:510100", "province-wide"),
        ("applicant:510100", "fixed scope"),
        ("city_reviewer:999999", "unknown region"),
    ]:
        result = run(app, "create-user", "--username", "x1", "--role", role, "--org", SCHOOL_CODE)
        assert result.exit_code != 0 and message in result.output, (role, result.output)
    missing_org = run(app, "create-user", "--username", "x2", "--role", "applicant", "--org",
                      "91110000600037341L")  # fmt: skip
    assert missing_org.exit_code != 0 and "no organisation" in missing_org.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "x1")) is None


def test_check_passes_at_head(app):
    result = run(app, "check")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_check_fails_on_an_unmigrated_database(tmp_path, backend):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    result = app.test_cli_runner().invoke(args=["caseflow", "check"])
    assert result.exit_code == 1
    assert "not at the migration head" in result.output


def test_workflow_diagram_and_list(app):
    from tests.workflows import flow  # noqa: F401  (registers the test workflow)

    listed = run(app, "workflow", "list")
    assert listed.exit_code == 0 and "test_permit" in listed.output
    diagram = run(app, "workflow", "diagram", "test_permit", "--lang", "en")
    assert diagram.exit_code == 0 and diagram.output.startswith("stateDiagram-v2")
    assert "intake --> review : Recommend" in diagram.output
    unknown = run(app, "workflow", "diagram", "nope")
    assert unknown.exit_code != 0 and "unknown workflow" in unknown.output


def test_check_reports_broken_workflow_definitions(app):
    import dataclasses

    from caseflow.workflows import registry
    from tests.workflows.flow import TEST_FLOW

    broken = dataclasses.replace(TEST_FLOW, key="broken_flow", initial="nowhere")
    registry.WORKFLOWS["broken_flow"] = broken
    try:
        result = run(app, "check")
    finally:
        del registry.WORKFLOWS["broken_flow"]
    assert result.exit_code == 1 and "broken_flow" in result.output


def test_timers_fire_command(app):
    result = run(app, "timers", "fire")
    assert result.exit_code == 0 and "fired 0" in result.output


def test_seed_demo_creates_sample_cases_moved_by_the_engine(app, tmp_path):
    from caseflow.audit.verify import verify_all
    from caseflow.models import Case

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")  # the school cases' demo files
    result = app.test_cli_runner().invoke(args=["caseflow", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"8 sample cases, {len(SCHOOL_CASES)} school cases" in result.output
    with app.app_context():
        test_permit = select(Case.state).where(Case.workflow == "test_permit")
        states = sorted(db.session.scalars(test_permit))
        assert states == ["draft", "intake", "intake", "intake", "notice", "panel", "review",
                          "supplement"]  # fmt: skip
        assert verify_all().ok


def test_timers_fire_as_of_a_later_day_ends_a_notice_outside_production(demo, tmp_path):
    from datetime import timedelta

    from caseflow.models import Case
    from caseflow.workflows import notices
    from tests.workflows.conftest import drive, new_case

    with demo.app_context():
        case = drive(new_case(), "notice")
        reference, ends_on = case.reference, notices.current_notice(case).ends_on
    assert "applied 0" in run(demo, "timers", "fire").output
    bad = run(demo, "timers", "fire", "--as-of", "tomorrow")
    assert bad.exit_code != 0
    after = (ends_on + timedelta(days=1)).isoformat()
    result = run(demo, "timers", "fire", "--as-of", after)
    assert result.exit_code == 0 and "applied 1" in result.output, result.output
    with demo.app_context():
        assert db.session.scalar(select(Case).where(Case.reference == reference)).state != "notice"
    profile, demo.config["NAME"] = demo.config["NAME"], "production"
    try:
        refused = run(demo, "timers", "fire", "--as-of", after)
    finally:
        demo.config["NAME"] = profile
    assert refused.exit_code != 0 and "production" in refused.output
