"""Workflow A (school establishment) from filing to ``filed`` for every kind, through the web
pages as a browser would use them: each person logs in, reads the case page and posts its forms
(the CSRF token, the case version and every input taken from the page). The kinds, the people
and the figures are the API test's (``tests/api/test_school_flow_api.py``). Only the end of the
public notice is not a page: it is the notice timer, fired as the scheduler would once the
period has passed. Then the public registry shows the school and the chain verifies."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from caseflow.audit.verify import verify_case
from caseflow.demo_schools import checklist_lines, score_lines
from caseflow.extensions import db
from caseflow.models import Organisation, User
from caseflow.workflows.school_establishment import SCHOOL_ESTABLISHMENT as SE
from caseflow.workflows.school_establishment import TIER_LABELS
from caseflow.workflows.school_rules import GOVERNMENT_KINDS, KIND_TIER
from tests.api.conftest import case_row, in_app
from tests.api.test_school_flow_api import (
    EXPERTS,
    FORM,
    INSPECTORS,
    KINDS,
    PDF,
    assert_registry,
    end_the_notice,
)
from tests.helpers import login

FILING = "/apply/new/school_establishment/{kind}"
DAY = timedelta(days=1)
STATE_RE = re.compile(r'data-testid="case-state">([^<]+)<')


# ---------------------------------------------------------------------------------------------
# Reading forms as a browser does


@dataclass
class Form:
    attrs: dict
    inputs: list[dict] = field(default_factory=list)  # input and textarea: name, type, value
    selects: dict[str, list[dict]] = field(default_factory=dict)  # name → its options

    def names(self) -> set[str]:
        return {i["name"] for i in self.inputs} | set(self.selects)

    def values(self, **fill) -> dict:
        """What the browser posts: hidden and typed values, checked boxes, selected (or first)
        options — then ``fill`` as the user types or picks (every name must be on the form)."""
        unknown = set(fill) - self.names()
        assert not unknown, f"not on the form: {sorted(unknown)}"
        data: dict = {}
        for i in self.inputs:
            if i["type"] in ("radio", "checkbox"):
                if "checked" in i:
                    data[i["name"]] = i.get("value", "on")
            elif i["type"] not in ("submit", "button", "file"):
                data[i["name"]] = i.get("value", "")
        for name, options in self.selects.items():
            chosen = [o["value"] for o in options if o["selected"]] or [options[0]["value"]]
            data[name] = chosen[0]
        for name, value in fill.items():
            radios = {i.get("value") for i in self.inputs if i["name"] == name
                      and i["type"] == "radio"}  # fmt: skip
            assert not radios or value in radios, (name, value, radios)
            data[name] = value
        return data


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.text: dict | None = None  # the option or textarea being read

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
        elif self.form is None or tag not in ("input", "select", "option", "textarea"):
            return
        elif tag == "input" and "name" in a:
            self.form.inputs.append({**a, "type": a.get("type", "text")})
        elif tag == "select":
            self.select = a["name"]
            self.form.selects[self.select] = []
        elif tag == "option" and self.select:
            self.text = {"value": a.get("value"), "selected": "selected" in a,
                         "disabled": "disabled" in a, "label": ""}  # fmt: skip
            self.form.selects[self.select].append(self.text)
        elif tag == "textarea":
            self.text = {"name": a["name"], "type": "textarea", "value": ""}
            self.form.inputs.append(self.text)

    def handle_data(self, data):
        if self.text is not None:
            self.text["label" if "label" in self.text else "value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        if tag in ("option", "textarea"):
            self.text = None


def form_on(html: str, *, action: str | None = None, form_id: str | None = None) -> Form:
    parser = FormParser()
    parser.feed(html)
    found = [f for f in parser.forms
             if (action is None or f.attrs.get("action") == action)
             and (form_id is None or f.attrs.get("id") == form_id)]  # fmt: skip
    assert len(found) == 1, f"no single form {action or form_id} on the page"
    for options in found[0].selects.values():
        for o in options:
            o["value"] = o["value"] if o["value"] is not None else o["label"]
    return found[0]


# ---------------------------------------------------------------------------------------------
# People and pages


class Browsers:
    """One logged-in browser (test client, English pages) per person."""

    def __init__(self, app):
        self.app, self.open = app, {}

    def __call__(self, username: str):
        if username not in self.open:
            client = self.app.test_client()
            assert login(client, username).status_code == 302
            client.get("/lang/en")
            self.open[username] = client
        return self.open[username]

    def log_in_again(self) -> None:
        """After days have passed the sessions have expired: everyone logs in anew."""
        self.open = {}


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def redirected(client, response) -> str:
    """Follow the 302/303 of a successful post; the page must show no error message."""
    assert response.status_code in (302, 303), (response.status_code, flash_or_body(response))
    html = get(client, response.headers["Location"])
    assert 'class="alert alert-danger"' not in html, flash_or_body(html)
    return html


def flash_or_body(response_or_html) -> str:
    html = (response_or_html if isinstance(response_or_html, str)
            else response_or_html.get_data(as_text=True))  # fmt: skip
    messages = re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', html, re.S)
    messages += re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return " | ".join(unescape(m.strip()) for m in messages) or html[:2000]


def state_on(html: str) -> str:
    match = STATE_RE.search(html)
    assert match, "no state on the case page"
    return unescape(match.group(1)).strip()


def label(state: str) -> str:
    return SE.state(state).label(True)


def take(client, ref: str, action: str, *, page: str | None = None, comment: str = "同意",
         **fill) -> str:  # fmt: skip
    """Open the action's form on the case page (``page``: the one the browser shows now), fill
    it in, post it; the page after."""
    html = page or get(client, f"/cases/{ref}")
    form = form_on(html, action=f"/cases/{ref}/actions/{action}")
    assert {"csrf_token", "version"} <= form.names()
    if "comment" in form.names():
        fill["comment"] = comment
    response = client.post(form.attrs["action"], data=form.values(**fill))
    return redirected(client, response)


# ---------------------------------------------------------------------------------------------
# The steps


def posted(kind: str, data: dict, form: Form) -> dict:
    """The application as the filer types it in: one line per item, keys of choices, a ticked
    box for yes; only the fields the form of the kind asks."""
    out = {}
    for f in SE.fields:
        if not f.for_kind(kind) or data.get(f.name) is None:
            continue
        value = data[f.name]
        if f.type == "items":
            value = "\n".join(value)
        elif f.type == "bool":
            box = next(i for i in form.inputs if i["name"] == f"f_{f.name}")
            if not value:
                continue
            value = box.get("value", "y")
        out[f"f_{f.name}"] = str(value)
    return out


def file_and_submit(browsers, kind: str, clerk: str, changes: dict) -> str:
    client = browsers(clerk)
    path = FILING.format(kind=kind)
    form = form_on(get(client, path), form_id="application-form")
    response = client.post(path, data=form.values(**posted(kind, {**FORM, **changes}, form)))
    html = redirected(client, response)
    ref = response.headers["Location"].rsplit("/", 1)[-1]
    assert state_on(html) == label("draft")
    assert 'data-testid="standards-check"' in html  # the applicant sees the check
    for t in SE.attachments:
        if not t.required:
            continue
        upload = form_on(html, action=f"/cases/{ref}/attachments")
        assert t.key in {o["value"] for o in upload.selects["type"]}
        data = {**upload.values(type=t.key), "file": (io.BytesIO(PDF), f"{t.key}.pdf")}
        html = redirected(client, client.post(upload.attrs["action"], data=data,
                                              content_type="multipart/form-data"))  # fmt: skip
        assert f"{t.key}.pdf" in html
    html = take(client, ref, "submit", page=html, comment="请审核")
    assert state_on(html) == label("city_review")
    return ref


def assign_panel(browsers, app, ref: str, stage: str, usernames, page: str | None = None) -> str:
    """The province reviewer picks the panel of ``stage`` on the case page; the page after."""
    client = browsers("province_reviewer")
    html = page or get(client, f"/cases/{ref}")
    form = form_on(html, action=f"/cases/{ref}/panels/{stage}")
    names = in_app(app, lambda: [db.session.scalar(select(User.display_name)
                                                   .where(User.username == u))
                                 for u in usernames])  # fmt: skip
    options = {o["label"].split(" · ")[0]: o["value"] for o in form.selects["user_ids"]
               if not o["disabled"]}  # fmt: skip
    data = {**form.values(), "user_ids": [options[n] for n in names]}
    html = redirected(client, client.post(form.attrs["action"], data=data))
    assert ", ".join(names) in html
    return html


def sheets(browsers, app, ref: str) -> None:
    """The experts score, then the inspectors sign their checklists, each on the case page."""
    scores = dict(line.split("=") for line in in_app(app, lambda: score_lines(85)))
    for expert in EXPERTS:
        fill = {f"f_scores__{key}": points for key, points in scores.items()}
        html = take(browsers(expert), ref, "score", comment="符合设置标准", **fill)
    assert state_on(html) == label("site_inspection")
    checklist = in_app(app, lambda: checklist_lines(case_row(ref)))
    for inspector in INSPECTORS:
        fill = {f"f_checklist__{line.split('=')[0]}": "met" for line in checklist}
        html = take(browsers(inspector), ref, "inspect", comment="现场情况与申报材料一致", **fill)
    assert state_on(html) == label("decision")


def assert_blind_to_applicant(app, html: str, scores: list[str]) -> None:
    """The applicant's case page names no expert and shows no score."""
    names = in_app(app, lambda: list(db.session.scalars(
        select(User.display_name).where(User.username.in_(EXPERTS)))))  # fmt: skip
    for name in names:
        assert name not in html, name
    assert 'data-testid="panel-summary"' not in html and 'id="panels"' not in html
    assert "f_scores__" not in html and "Scores of the panel" not in html
    for line in scores:
        assert line not in html


def registry_rows(client) -> list[list[str]]:
    html = get(client, "/public/schools")
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [[unescape(re.sub(r"<[^>]+>", "", td)).strip()
             for td in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]  # fmt: skip


def public_registry(app) -> dict[str, list[str]]:
    """The rows of the public school registry (no login, English), by school name."""
    client = app.test_client()
    client.get("/lang/en")
    return {row[0]: row for row in registry_rows(client)}


def assert_public_registry(app, kind: str, clerk: str, name: str, before: dict) -> None:
    """A new school or branch is one more row; an upgrade is the same school, at its new tier
    and under its new name. A branch is run by the school that filed it, at its tier."""
    rows = public_registry(app)
    assert name in rows and name not in before, sorted(rows)
    _name, tier, _ownership, _city, reply, _on, run_by = rows[name]
    org = in_app(app, lambda: db.session.scalar(
        select(Organisation).join(User).where(User.username == clerk)))  # fmt: skip
    tier_key = KIND_TIER[kind] or org.tier  # a branch: its parent's tier
    assert tier == TIER_LABELS[tier_key][1] and reply != "—"
    if kind.startswith("upgrade_"):
        assert len(rows) == len(before) and set(before) - set(rows)  # renamed, not added
    else:
        assert len(rows) == len(before) + 1
    assert run_by == (org.name if kind == "branch" else "—")


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "clerk", "city", "changes"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_goes_to_filed_through_the_pages(demo, kind, clerk, city, changes):
    browsers, before = Browsers(demo), public_registry(demo)
    ref = file_and_submit(browsers, kind, clerk, changes)
    html = take(browsers(city), ref, "recommend", comment="材料齐全，同意推荐")
    assert state_on(html) == label("acceptance")
    html = assign_panel(browsers, demo, ref, "expert_review", EXPERTS)
    html = assign_panel(browsers, demo, ref, "site_inspection", INSPECTORS, page=html)
    html = take(browsers("province_reviewer"), ref, "accept", page=html, comment="予以受理")
    assert state_on(html) == label("expert_review")
    sheets(browsers, demo, ref)

    leader = get(browsers("leader"), f"/cases/{ref}")
    assert state_on(leader) == label("decision")
    summary = leader[leader.index('data-testid="panel-summary"') :]
    assert ">Mean<" in summary and 'data-testid="panel-result"' in summary
    applicant = get(browsers(clerk), f"/cases/{ref}")
    assert 'data-testid="standards-check"' in applicant
    assert_blind_to_applicant(demo, applicant, in_app(demo, lambda: score_lines(85)))
    html = take(browsers("leader"), ref, "approve", page=leader, comment="同意，予以公示")
    assert state_on(html) == label("public_notice")

    traveller, ends_on = end_the_notice(demo, ref)
    try:
        browsers.log_in_again()
        reviewer = browsers("province_reviewer2")
        if kind in GOVERNMENT_KINDS:
            assert state_on(get(reviewer, f"/cases/{ref}")) == label("government_approval")
            html = take(browsers("government"), ref, "government_approve", comment="同意设立",
                        government_reply_number=f"川府函〔{ends_on.year}〕12号",
                        government_reply_date=(ends_on + DAY).isoformat())  # fmt: skip
        html = get(reviewer, f"/cases/{ref}")
        assert state_on(html) == label("approved")
        html = take(reviewer, ref, "issue_reply", page=html, comment="印发批复")
        assert state_on(html) == label("approved")
        html = take(reviewer, ref, "record_filing", page=html, comment="已备案",
                    filing_date=(ends_on + DAY).isoformat(),
                    filing_reference="人社部备〔2026〕8号")  # fmt: skip
        assert state_on(html) == label("filed")
        assert 'data-testid="no-actions"' in html
        applicant = get(browsers(clerk), f"/cases/{ref}")
    finally:
        traveller.stop()

    assert 'data-chain="verified"' in html and 'data-chain="verified"' in applicant
    assert_blind_to_applicant(demo, applicant, in_app(demo, lambda: score_lines(85)))
    with demo.app_context():
        case = case_row(ref)
        assert case.state == "filed" and verify_case(case.id).ok
        name = case.data["school_name"]
    assert_registry(demo, ref, kind, clerk)
    assert_public_registry(demo, kind, clerk, name, before)
