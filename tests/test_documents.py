"""Numbered documents (文书): numbering per series and year without gaps or repeats, the content
snapshot, the HTML print view, the PDF (whose Chinese text must be extractable) and access."""

import io
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from caseflow import documents
from caseflow.cases.document_routes import safe_filename
from caseflow.documents.kinds import KINDS, SERIES, check
from caseflow.documents.layout import sheet
from caseflow.documents.numbering import next_seq
from caseflow.documents.pdf import render_pdf
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, Document, DocumentCounter, User
from caseflow.workflows import engine, registry
from caseflow.workflows.definition import Remedies
from tests.helpers import login
from tests.workflows.conftest import act, ctx, drive, new_case, user  # noqa: F401  (ctx: fixture)

ITEMS = ["营业执照副本（加盖公章）", "实训场地租赁合同"]
MIDDAY_2026 = datetime(2026, 6, 1, 4, tzinfo=UTC)


def numbers(case) -> list[str]:
    return [d.number for d in documents.documents_of(case)]


def supplement(case, items=ITEMS, comment="申请材料不齐全"):
    return act(case, "return_for_supplement", "chengdu_reviewer", {"items": items}, comment)


def test_each_decision_issues_its_kind_numbered_per_series(ctx):  # noqa: F811
    with time_machine.travel(MIDDAY_2026, tick=False):
        first, second, third, fourth = (drive(new_case(), "intake") for _ in range(4))
        act(first, "recommend", "chengdu_reviewer")
        act(second, "recommend", "chengdu_reviewer2")
        supplement(third)
        act(fourth, "reject", "chengdu_reviewer", comment="办学场地不符合设置标准")
    assert numbers(first) == ["川人社受〔2026〕1号"]
    assert numbers(second) == ["川人社受〔2026〕2号"]
    assert numbers(third) == ["川人社补〔2026〕1号"]
    assert numbers(fourth) == ["川人社不许〔2026〕1号"]
    counters = {(c.series, c.year): c.last for c in db.session.scalars(select(DocumentCounter))}
    assert counters == {("hrss_acceptance", 2026): 2, ("hrss_supplement", 2026): 1,
                        ("hrss_refusal", 2026): 1}  # fmt: skip


def test_the_document_keeps_a_snapshot_of_what_it_says(ctx):  # noqa: F811
    with time_machine.travel(MIDDAY_2026, tick=False):
        case = drive(new_case(), "intake")
        supplement(case)
        rejected = drive(new_case(), "intake")
        act(rejected, "reject", "chengdu_reviewer", comment="办学场地不符合设置标准")
    (doc,) = documents.documents_of(case)
    event_seq = case.last_event_seq
    assert (doc.kind, doc.series, doc.year, doc.seq, doc.event_seq) == (
        "supplement_notice", "hrss_supplement", 2026, 1, event_seq)  # fmt: skip
    c = doc.content
    assert c["addressee"] == "成都市示范技工学校" and c["reference"] == case.reference
    assert c["workflow"] == {"zh": "测试许可", "en": "Test permit"}
    assert c["items"] == ITEMS and c["comment"] == "申请材料不齐全" and c["date"] == "2026-06-01"
    assert c["reply_by"]["date"] > "2026-06-01"  # the supplement period of the workflow
    zh = sheet(doc)
    assert zh.items == ITEMS and zh.title == "补正通知书" and zh.number == "川人社补〔2026〕1号"
    assert zh.addressee == "成都市示范技工学校：" and zh.date == "2026年6月1日"
    (refusal,) = documents.documents_of(rejected)
    remedies = registry.get("test_permit").remedies
    assert refusal.content["remedies"] == {
        "reconsideration_days": remedies.reconsideration_days,
        "litigation_months": remedies.litigation_months,
    }
    text = "".join(sheet(refusal).closing)
    assert f"{remedies.reconsideration_days}日内" in text
    assert f"{remedies.litigation_months}个月内" in text
    assert "理由：办学场地不符合设置标准" in "".join(sheet(refusal).paragraphs)
    # Later changes to the case do not change what was issued.
    case.data = {**case.data, "amount": 5}
    db.session.commit()
    assert sheet(db.session.get(Document, doc.id)) == zh


def test_the_approval_reply_is_issued_on_payment(ctx):  # noqa: F811
    case = drive(new_case(amount=600_000), "notice")
    act(case, "notice_ends", "system")
    act(case, "pay", "chengdu_finance")
    assert [d.kind for d in documents.documents_of(case)] == ["acceptance_notice", "approval_reply"]
    year = documents.documents_of(case)[1].year
    assert numbers(case)[1] == f"川人社函〔{year}〕1号"


def test_numbers_restart_in_a_new_shanghai_year(ctx):  # noqa: F811
    late_2026 = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    early_2027 = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Shanghai
    with time_machine.travel(late_2026, tick=False):
        cases = [drive(new_case(), "intake") for _ in range(3)]
        act(cases[0], "recommend", "chengdu_reviewer")
        act(cases[1], "recommend", "chengdu_reviewer")
    with time_machine.travel(early_2027, tick=False):
        act(cases[2], "recommend", "chengdu_reviewer")
    assert [numbers(c)[0] for c in cases] == ["川人社受〔2026〕1号", "川人社受〔2026〕2号",
                                               "川人社受〔2027〕1号"]  # fmt: skip


def test_a_rolled_back_action_gives_its_number_back(ctx, monkeypatch):  # noqa: F811
    first, second = drive(new_case(), "intake"), drive(new_case(), "intake")
    effect = registry.EFFECTS["notify_applicant"]

    def failing(ctx):
        raise RuntimeError("effect failed")  # raised after issue(): the action rolls back

    monkeypatch.setitem(registry.EFFECTS, "notify_applicant", failing)
    with pytest.raises(RuntimeError):
        act(first, "recommend", "chengdu_reviewer")
    assert numbers(first) == [] and db.session.get(Case, first.id).state == "intake"
    monkeypatch.setitem(registry.EFFECTS, "notify_applicant", effect)
    act(second, "recommend", "chengdu_reviewer")
    act(first, "recommend", "chengdu_reviewer")
    year = documents.documents_of(second)[0].year
    assert numbers(second) == [f"川人社受〔{year}〕1号"]
    assert numbers(first) == [f"川人社受〔{year}〕2号"]


def test_the_system_may_issue_a_document(ctx):  # noqa: F811
    case = drive(new_case(), "intake")
    wf = registry.get("test_permit")
    t = wf.transition("intake", "recommend")
    now = datetime(2026, 6, 1, 4, tzinfo=UTC)
    system = engine.ActionContext(case, engine.SYSTEM, wf, wf.state("intake"), t, {}, None, now)
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.seq.desc()))  # fmt: skip
    doc = documents.issue(case, "acceptance_notice", event, system)
    db.session.commit()
    assert (doc.issued_by_id, doc.event_seq, doc.number) == (None, event.seq, "川人社受〔2026〕1号")
    assert "20个工作日内" in "".join(sheet(doc).paragraphs)  # the workflow's licensing clock


def test_a_number_taken_in_a_transaction_that_rolls_back_is_reused(app):
    with app.app_context():
        assert next_seq("hrss_letter", 2030) == 1
        db.session.commit()
        assert next_seq("hrss_letter", 2030) == 2
        db.session.rollback()
        assert next_seq("hrss_letter", 2030) == 2
        assert next_seq("hrss_letter", 2031) == 1  # a year without a counter yet
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(DocumentCounter)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 0})
def test_concurrent_issuers_get_every_number_once(app):
    """Threads, each with its own session, number at the same moment: 1..N, nothing twice,
    nothing skipped — also while the first number of the year creates the counter."""
    threads, rounds = 16, 5
    got, failures = [], []
    for year in range(2040, 2040 + rounds):
        barrier = threading.Barrier(threads)

        def take(year=year, barrier=barrier):
            with app.app_context():
                try:
                    barrier.wait()
                    n = next_seq("hrss_acceptance", year)
                    db.session.commit()
                    got.append((year, n))
                except Exception as exc:  # reported by the assertion below
                    failures.append(repr(exc))
                finally:
                    db.session.remove()

        workers = [threading.Thread(target=take) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert failures == []
    for year in range(2040, 2040 + rounds):
        assert sorted(n for y, n in got if y == year) == list(range(1, threads + 1))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 0})
def test_simultaneous_decisions_on_different_cases_number_their_notices_1_to_n(demo):
    threads = 12
    with demo.app_context():
        reviewer = user("chengdu_reviewer").id
        case_ids = [drive(new_case(), "intake").id for _ in range(threads)]
    barrier = threading.Barrier(threads)
    failures = []

    def recommend(case_id):
        with demo.app_context():
            try:
                case, actor = db.session.get(Case, case_id), db.session.get(User, reviewer)
                barrier.wait()
                engine.apply(case, "recommend", actor, {})
            except Exception as exc:  # reported by the assertion below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=recommend, args=(i,)) for i in case_ids]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    with demo.app_context():
        seqs = db.session.scalars(select(Document.seq).where(Document.kind == "acceptance_notice"))
        assert sorted(seqs) == list(range(1, threads + 1))


def test_the_tables_are_consistent():
    assert check() == []
    assert {k.series for k in KINDS.values()} <= set(SERIES)
    assert set(registry.DOCUMENT_KINDS) == set(KINDS)
    broken = {"x": KINDS["approval_reply"].__class__("x", "甲", "A", "nope", ("a",), ())}
    assert any("unknown series" in p for p in check(broken))
    assert any("bodies differ" in p for p in check(broken))


# ---------------------------------------------------------------------------------------------
# Pages


def issue_supplement(app):
    with app.app_context():
        with time_machine.travel(MIDDAY_2026, tick=False):
            case = drive(new_case(), "intake")
            supplement(case)
        return case.reference, documents.documents_of(case)[0].id


def test_the_print_view_shows_the_document_in_chinese_and_in_english(demo):
    reference, doc_id = issue_supplement(demo)
    client = demo.test_client()
    login(client, "school_clerk")
    url = f"/cases/{reference}/documents/{doc_id}"
    page = client.get(url).get_data(as_text=True)
    for text in ("四川省人力资源和社会保障厅", "川人社补〔2026〕1号", "补正通知书",
                 "成都市示范技工学校：", *ITEMS, "2026年6月1日", "documents.css"):  # fmt: skip
        assert text in page
    assert f"{url}.pdf" in page and 'style="' not in page and "<script>" not in page
    db_user_locale(demo, "school_clerk", "en")
    english = client.get(url).get_data(as_text=True)
    for text in ("Supplement notice", "To: 成都市示范技工学校", "June 1, 2026", ITEMS[0],
                 "Sichuan Department of Human Resources and Social Security"):  # fmt: skip
        assert text in english


def db_user_locale(app, username, locale):
    with app.app_context():
        user(username).locale = locale
        db.session.commit()


def test_the_rejection_shows_reasons_and_the_workflow_remedies(demo, monkeypatch):
    # Remedies come from the workflow definition, never from the document code.
    flow = replace(registry.get("test_permit"), remedies=Remedies(45, 3))
    monkeypatch.setitem(registry.WORKFLOWS, "test_permit", flow)
    with demo.app_context():
        case = drive(new_case(), "intake")
        act(case, "reject", "chengdu_reviewer", comment="办学场地不符合设置标准")
        reference, doc_id = case.reference, documents.documents_of(case)[0].id
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    page = client.get(f"/cases/{reference}/documents/{doc_id}").get_data(as_text=True)
    assert "不予许可决定书" in page and "办学场地不符合设置标准" in page
    assert "45日内" in page and "3个月内" in page
    db_user_locale(demo, "chengdu_reviewer", "en")
    english = client.get(f"/cases/{reference}/documents/{doc_id}").get_data(as_text=True)
    assert "within 45 days" in english and "within 3 months" in english


def test_the_pdf_is_a_download_whose_chinese_text_can_be_extracted(demo):
    reference, doc_id = issue_supplement(demo)
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    response = client.get(f"/cases/{reference}/documents/{doc_id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition and ".pdf" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in (
        "补正通知书",
        "川人社补〔2026〕1号",
        ITEMS[0],
        ITEMS[1],
        "四川省人力资源和社会保障厅",
    ):
        assert expected in text
    fonts = {str(f["/BaseFont"]) for f in _fonts(reader)}
    assert any("NotoSerifSC" in name for name in fonts), fonts


def _fonts(reader):
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            yield font.get_object()


def test_the_pdf_follows_the_official_text_whatever_the_reader_language(demo):
    reference, doc_id = issue_supplement(demo)
    db_user_locale(demo, "chengdu_reviewer", "en")
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    data = client.get(f"/cases/{reference}/documents/{doc_id}.pdf").data
    assert "补正通知书" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_a_long_document_breaks_onto_more_pages(ctx):  # noqa: F811
    case = drive(new_case(), "intake")
    items = [f"第{n}项需要补正的材料，请按要求提交并加盖单位公章" for n in range(1, 41)]
    supplement(case, items=items)
    text = sheet(documents.documents_of(case)[0])
    reader = PdfReader(io.BytesIO(render_pdf(text)))
    pages = [page.extract_text().replace("\n", "") for page in reader.pages]
    assert len(pages) > 1 and "— 1 —" in pages[0] and f"— {len(pages)} —" in pages[-1]
    running = re.sub(r"— \d+ —", "", "".join(pages))  # an item may go on over a page break
    assert all(f"{n}．{item}" in running for n, item in enumerate(items, start=1))
    assert text.date in pages[-1]


def test_only_people_who_see_the_case_see_its_documents(demo):
    reference, doc_id = issue_supplement(demo)
    with demo.app_context():
        other = drive(new_case(), "intake")
        other_ref = other.reference
    client = demo.test_client()
    login(client, "mianyang_reviewer")
    assert client.get(f"/cases/{reference}/documents/{doc_id}").status_code == 404
    assert client.get(f"/cases/{reference}/documents/{doc_id}.pdf").status_code == 404
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    assert client.get(f"/cases/{reference}/documents/{doc_id}").status_code == 200
    assert client.get(f"/cases/{other_ref}/documents/{doc_id}").status_code == 404
    assert client.get(f"/cases/{other_ref}/documents/{doc_id}.pdf").status_code == 404
    assert client.get(f"/cases/{reference}/documents/{doc_id + 99}").status_code == 404


def test_the_case_page_card_lists_the_documents(demo):
    reference, doc_id = issue_supplement(demo)
    from flask import render_template_string

    with demo.test_request_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        html = render_template_string('{% include "cases/_documents.html" %}', case=case)
    assert "补正通知书" in html and "川人社补〔2026〕1号" in html
    assert f"/cases/{reference}/documents/{doc_id}.pdf" in html
    assert "2026-06-01 12:00" in html  # issued at, Shanghai time


def college_reply(app, tmp_path):
    """(reference, approval reply id) of a technician college filed after the provincial
    government's approval (tests.workflows.school_flow.GOVERNMENT_REPLY)."""
    from tests.workflows.school_flow import to_state

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        case = to_state("new_technician_college", "filed")
        reply = next(d for d in documents.documents_of(case) if d.kind == "approval_reply")
        return case.reference, reply.id


def test_a_technician_college_reply_cites_the_government_reply_in_html_and_pdf(demo, tmp_path):
    reference, doc_id = college_reply(demo, tmp_path)
    cited = "经省人民政府同意（川府函〔2025〕12号，2025年3月3日）。"
    client = demo.test_client()
    login(client, "sponsor_clerk")
    url = f"/cases/{reference}/documents/{doc_id}"
    page = client.get(url).get_data(as_text=True)
    assert "批复" in page and cited in page
    assert page.index("收悉") < page.index(cited) < page.index("请按照有关规定")
    assert "你单位提交的关于“四川示范技师学院”的技工院校设立审批" in page  # names the school
    assert "审查意见" not in page  # the issuing clerk's note is not a reason of the reply
    reader = PdfReader(io.BytesIO(client.get(f"{url}.pdf").data))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "川府函〔2025〕12号" in text and "经省人民政府同意" in text
    db_user_locale(demo, "sponsor_clerk", "en")
    english = client.get(url).get_data(as_text=True)
    assert "approval (川府函〔2025〕12号, March 3, 2025)" in english


def test_safe_filename():
    assert safe_filename("川人社补〔2026〕1号补正通知书") == "川人社补〔2026〕1号补正通知书"
    assert safe_filename('a/b\\c:d*e?"f<g>h|i\n') == "a_b_c_d_e_f_g_h_i"
    assert safe_filename("..") == "document"
