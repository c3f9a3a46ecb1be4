"""Notifications: who is told what, in which language, by which channel; the bell and the list;
reminders (催办) at most once per working day."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import CaseEvent, Notification, Task
from caseflow.notify.messages import render
from caseflow.notify.reminders import can_remind, send_reminder
from caseflow.workflows.clock import fire_due_timers
from caseflow.workflows.errors import ActionRefused
from tests.helpers import get_csrf, login
from tests.workflows.conftest import act, drive, new_case, user


def at(day: date, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


@pytest.fixture
def ctx(demo):
    with demo.app_context():
        yield demo


def kinds_for(username):
    return [n.kind for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user(username).id)
        .order_by(Notification.id))]  # fmt: skip


def open_task(case):
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.status == "open"))


def test_the_applicant_is_told_of_returns_with_the_comment(ctx):
    case = drive(new_case(), "intake")
    act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["缺营业执照"]},
        comment="请补正营业执照")  # fmt: skip
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == user("school_clerk").id))  # fmt: skip
    subject, body = render(note, "zh_CN")
    assert subject == f"案件 {case.reference}：退回补正"
    assert "补正" in body and "请补正营业执照" in body
    subject, body = render(note, "en")
    assert subject == f"Case {case.reference}: Return"
    assert "Comment: 请补正营业执照" in body


def test_deadline_reminder_and_overdue_reach_holder_and_supervisor(ctx):
    with time_machine.travel(at(date(2025, 3, 3)), tick=False):
        case = drive(new_case(), "intake")
        engine_task = open_task(case)
        from caseflow.workflows import engine

        engine.claim(engine_task, user("chengdu_reviewer"))
    assert engine_task.due_on == date(2025, 3, 10)
    fire_due_timers(at(date(2025, 3, 7)))  # two working days before the due day
    assert kinds_for("chengdu_reviewer") == ["task_opened", "deadline_soon"]
    assert kinds_for("chengdu_reviewer2") == ["task_opened"]  # not the holder any more
    fire_due_timers(at(date(2025, 3, 11)))
    assert kinds_for("chengdu_reviewer")[-1] == "overdue"
    assert kinds_for("province_reviewer") == ["supervise"]  # 督办 to the stage's supervisor
    note = db.session.scalars(select(Notification).where(Notification.kind == "supervise")).first()
    assert render(note, "zh_CN")[0] == f"督办：案件 {case.reference} 已超期"


def test_reminders_once_per_working_day_by_applicant_or_supervisor(ctx):
    monday = date(2025, 3, 3)
    with time_machine.travel(at(monday), tick=False):
        case = drive(new_case(), "intake")
        task = open_task(case)
        clerk = user("school_clerk")
        assert can_remind(task, clerk)
        assert not can_remind(task, user("chengdu_reviewer"))  # the holder's own colleague
        assert not can_remind(task, user("mianyang_reviewer"))
        send_reminder(task, clerk)
        assert not can_remind(task, clerk)
        with pytest.raises(ActionRefused) as refused:
            send_reminder(task, user("province_reviewer"))  # the supervisor, same day
        assert refused.value.reason.code == "already_reminded"
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == "remind"))
    assert event.actor_role == "applicant" and event.details["task_id"] == task.id
    assert kinds_for("chengdu_reviewer") == ["task_opened", "reminder"]
    note = db.session.scalars(select(Notification).where(Notification.kind == "reminder")).first()
    assert "成都示范技工学校经办" in render(note, "zh_CN")[1]
    saturday = monday + timedelta(days=5)
    with time_machine.travel(at(saturday), tick=False):  # counts for Monday 10 March
        assert can_remind(task, user("province_reviewer"))
        send_reminder(task, user("province_reviewer"))
    with time_machine.travel(at(monday + timedelta(days=7)), tick=False):
        assert not can_remind(task, clerk)  # the weekend's reminder counted for today
    with time_machine.travel(at(monday + timedelta(days=8)), tick=False):
        assert can_remind(task, clerk)


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port (aiosmtpd), keeping what it receives."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            from email import message_from_bytes, policy

            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox.messages
    controller.stop()


def test_email_is_sent_in_the_recipients_language_when_smtp_is_configured(ctx, smtp_server):
    port, received = smtp_server
    ctx.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_STARTTLS=False)
    reviewer = user("chengdu_reviewer")
    reviewer.email, reviewer.locale = "reviewer@example.gov.cn", "en"
    colleague = user("chengdu_reviewer2")
    colleague.email = "colleague@example.gov.cn"
    user("mianyang_reviewer").email = "elsewhere@example.gov.cn"  # another city: not told
    db.session.commit()
    case = new_case()
    act(case, "submit", "school_clerk")
    by_address = {m["To"]: m for m in received}
    assert set(by_address) == {"reviewer@example.gov.cn", "colleague@example.gov.cn"}
    assert by_address["reviewer@example.gov.cn"]["Subject"] == (
        f"New task: Intake, case {case.reference}")  # fmt: skip
    assert (
        by_address["colleague@example.gov.cn"]["Subject"] == f"新待办：初审，案件 {case.reference}"
    )
    assert "测试许可" in by_address["colleague@example.gov.cn"].get_content()
    statuses = {n.user.username: n.email_status for n in db.session.scalars(select(Notification))}
    assert statuses == {"chengdu_reviewer": "sent", "chengdu_reviewer2": "sent"}


def test_an_unreachable_mail_server_is_recorded_not_fatal(ctx):
    ctx.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=1, MAIL_STARTTLS=False)
    reviewer = user("chengdu_reviewer")
    reviewer.email = "reviewer@example.gov.cn"
    db.session.commit()
    case = new_case()
    act(case, "submit", "school_clerk")
    assert case.state == "intake"
    statuses = {n.user.username: n.email_status for n in db.session.scalars(select(Notification))}
    assert statuses == {"chengdu_reviewer": "failed: ConnectionRefusedError",
                        "chengdu_reviewer2": "not sent: no address"}  # fmt: skip


def test_bell_list_and_mark_as_read(demo):
    with demo.app_context():
        case = new_case()
        act(case, "submit", "school_clerk")
        reference = case.reference
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">1<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert f"新待办：初审，案件 {reference}" in page
    with demo.app_context():
        note_id = db.session.scalar(select(Notification.id).where(
            Notification.user_id == user("chengdu_reviewer").id))  # fmt: skip
    token = get_csrf(client, "/notifications")
    response = client.post(f"/notifications/{note_id}/open", data={"csrf_token": token})
    assert response.status_code == 303 and response.location.endswith(f"/cases/{reference}")
    assert 'data-testid="unread-count"' not in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    assert f"New task: Intake, case {reference}" in client.get("/notifications").get_data(
        as_text=True)  # fmt: skip


def test_someone_elses_notification_is_a_404(demo):
    with demo.app_context():
        act(new_case(), "submit", "school_clerk")
        note_id = db.session.scalar(select(Notification.id).where(
            Notification.user_id == user("chengdu_reviewer").id))  # fmt: skip
    client = demo.test_client()
    login(client, "chengdu_reviewer2")
    token = get_csrf(client, "/notifications")
    response = client.post(f"/notifications/{note_id}/read", data={"csrf_token": token})
    assert response.status_code == 404
    assert client.post("/notifications/read-all", data={}).status_code == 400  # CSRF
