"""The API and the web pages are two doors to one engine: the same actions, with the same
input, by the same people, leave the same events (ids, times and hashes aside)."""

import io

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Attachment, Case, CaseEvent, SupplementItem, Task
from tests.helpers import login, post_form

PDF = b"%PDF-1.4\n% parity\n"
ITEMS = ["营业执照", "场地证明"]


def _ids(demo, ref):
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        tasks = db.session.scalars(select(Task.id).where(Task.case_id == case.id,
                                                         Task.status == "open")).all()  # fmt: skip
        items = db.session.scalars(select(SupplementItem.id).where(
            SupplementItem.case_id == case.id).order_by(SupplementItem.position)).all()  # fmt: skip
        return case.version, list(tasks), list(items)


def by_web(demo) -> str:
    clerk, reviewer = demo.test_client(), demo.test_client()
    login(clerk, "school_clerk")
    login(reviewer, "chengdu_reviewer")
    form = {"f_project": "实训楼", "f_amount": "1000", "f_contact_name": ""}
    filed = post_form(clerk, "/apply/new/test_permit/standard", form)
    ref = filed.headers["Location"].rsplit("/", 1)[-1]
    page = f"/cases/{ref}"
    upload = {"type": "application_form", "file": (io.BytesIO(PDF), "申请表.pdf")}
    assert post_form(clerk, f"{page}/attachments", upload, page=page).status_code == 303
    post_form(
        clerk,
        f"{page}/actions/submit",
        {"version": _ids(demo, ref)[0], "comment": "请审核"},
        page=page,
    )
    _v, (task,), _i = _ids(demo, ref)
    post_form(reviewer, f"/review/tasks/{task}/claim", {"next": page}, page=page)
    version = _ids(demo, ref)[0]
    body = {"version": version, "comment": "请补正", "items": ITEMS}
    post_form(reviewer, f"{page}/actions/return_for_supplement", body, page=page)
    for item in _ids(demo, ref)[2]:
        post_form(clerk, f"{page}/items/{item}", {"answer": "已补充"}, page=page)
    post_form(clerk, f"{page}/actions/resubmit", {"version": _ids(demo, ref)[0]}, page=page)
    post_form(reviewer, f"{page}/actions/recommend", {"version": _ids(demo, ref)[0],
                                                      "comment": "同意"}, page=page)  # fmt: skip
    return ref


def by_api(demo, api_client) -> str:
    clerk, reviewer = api_client("school_clerk"), api_client("chengdu_reviewer")
    data = {"project": "实训楼", "amount": 1000, "contact_name": None}
    ref = clerk.post("/cases", json={"workflow": "test_permit", "kind": "standard",
                                     "data": data}).get_json()["reference"]  # fmt: skip
    upload = {"type": "application_form", "file": (io.BytesIO(PDF), "申请表.pdf")}
    assert clerk.post(f"/cases/{ref}/attachments", data=upload).status_code == 201
    clerk.post(
        f"/cases/{ref}/actions/submit", json={"version": _ids(demo, ref)[0], "comment": "请审核"}
    )
    _v, (task,), _i = _ids(demo, ref)
    reviewer.post(f"/tasks/{task}/claim")
    body = {"version": _ids(demo, ref)[0], "comment": "请补正", "data": {"items": ITEMS}}
    reviewer.post(f"/cases/{ref}/actions/return_for_supplement", json=body)
    for item in _ids(demo, ref)[2]:
        clerk.post(f"/cases/{ref}/supplement-items/{item}", json={"answer": "已补充"})
    clerk.post(f"/cases/{ref}/actions/resubmit", json={"version": _ids(demo, ref)[0]})
    reviewer.post(f"/cases/{ref}/actions/recommend", json={"version": _ids(demo, ref)[0],
                                                           "comment": "同意"})  # fmt: skip
    return ref


def events(demo, ref) -> list[dict]:
    """The events without what differs between two cases: ids, times, hashes; the ids in
    details (tasks, items, files) become their order of appearance in the case."""
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        rows = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.seq)).all()  # fmt: skip
        seen: dict[tuple, int] = {}
        out = []
        for e in rows:
            details = dict(e.details or {})
            for key in ("task_id", "item_id", "attachment_id"):
                if key in details:
                    details[key] = seen.setdefault((key, details[key]), len(seen))
            out.append({"seq": e.seq, "action": e.action, "from": e.from_state,
                        "to": e.to_state, "actor": e.actor_name, "role": e.actor_role,
                        "org": e.actor_org_id, "comment": e.comment, "changes": e.changes,
                        "details": details, "policy": e.policy_version})  # fmt: skip
        assert db.session.scalar(select(Attachment.id).where(Attachment.case_id == case.id))
        return out


def test_web_and_api_leave_the_same_events(demo, api_client):
    web, api = by_web(demo), by_api(demo, api_client)
    web_events, api_events = events(demo, web), events(demo, api)
    assert [e["action"] for e in api_events] == [
        "create", "attach", "submit", "claim", "return_for_supplement", "answer_item",
        "answer_item", "resubmit", "recommend"]  # fmt: skip
    assert api_events == web_events
