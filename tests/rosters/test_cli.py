"""``flask caseflow roster check``: exit codes, JSON shape, human summary."""

import json

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Organisation
from tests.rosters.test_reader import line, simple_xlsx


def run(app, *args):
    return app.test_cli_runner().invoke(args=["caseflow", "roster", "check", *args])


def write(tmp_path, lines, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(simple_xlsx(lines))
    return str(path)


def test_clean_roster_exits_0_with_json(app, tmp_path):
    path = write(tmp_path, [line(1), line(2)])
    result = run(app, path, "--type", "skill_upgrade", "--json", "--on", "2025-06-30")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"rows", "accepted", "errors", "warnings", "skipped", "total_amount"}
    assert (out["rows"], out["accepted"], out["errors"]) == (2, 2, [])
    assert out["total_amount"] == "3000.00"
    assert {"code", "reason"} == set(out["skipped"][0])
    assert "barred" in {s["code"] for s in out["skipped"]}


def test_errors_exit_1_and_name_row_column_code(app, tmp_path):
    lines = [line(1), line(1, 证书编号="S2"), line(3, 补贴金额=9000, 等级="初级")]
    path = write(tmp_path, lines)
    result = run(app, path, "--type", "skill_upgrade", "--json", "--on", "2025-06-30")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert [(e["row"], e["code"]) for e in out["errors"]] == [
        (3, "duplicate_in_roster"),
        (4, "amount_mismatch"),
    ]
    assert out["errors"][1]["column"] == "补贴金额" and "第4行" in out["errors"][1]["message"]
    assert out["accepted"] == 1 and out["total_amount"] == "1500.00"


def test_summary_in_english_and_warnings_only_exit_0(app, tmp_path):
    path = write(tmp_path, [line(1, 补贴金额=4000)])
    result = run(app, path, "--type", "apprenticeship", "--lang", "en", "--on", "2025-06-30")
    assert result.exit_code == 0, result.output
    assert "1 rows, 1 accepted, 0 errors, 1 warnings" in result.stdout
    assert "[amount_mismatch]" in result.stdout and "Not checked:" in result.stdout
    chinese = run(app, path, "--type", "apprenticeship", "--on", "2025-06-30")
    assert "通过 1 行" in chinese.stdout and "提示：" in chinese.stdout


def test_unreadable_file_unknown_type_or_org_exit_2(app, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = run(app, str(broken), "--type", "skill_upgrade", "--lang", "en")
    assert result.exit_code == 2 and "not a valid Excel" in result.stderr
    path = write(tmp_path, [line(1)])
    unknown = run(app, path, "--type", "no_such_type")
    assert unknown.exit_code == 2 and "no_such_type" in unknown.stderr
    assert run(app, path, "--type", "project_grant").exit_code == 2
    no_org = run(app, path, "--type", "skill_upgrade", "--org", "91510100MA00000000")
    assert no_org.exit_code == 2 and "no organisation" in no_org.stderr
    assert run(app, path, "--type", "skill_upgrade", "--on", "30/06/2025").exit_code == 2


def test_known_organisation_is_noted(demo, tmp_path):
    with demo.app_context():
        org = db.session.scalars(
            select(Organisation).where(Organisation.kind == "enterprise")
        ).first()
        code, name = org.credit_code, org.name
    path = write(tmp_path, [line(1)])
    args = (path, "--type", "skill_upgrade", "--org", code, "--on", "2025-06-30")
    result = run(demo, *args, "--json", "--lang", "en")
    assert result.exit_code == 0, result.output
    barred = next(s for s in json.loads(result.stdout)["skipped"] if s["code"] == "barred")
    assert name in barred["reason"] and "claim history" in barred["reason"]
    assert code in run(demo, *args).stdout
