"""Demo cases of Workflow A (school establishment, ``SE``), so a fresh ``make run`` shows a school
application at every kind of stop: a draft with half its files, one at the city, one with the
expert panel half signed, one under public notice with an open objection, one filed (so the public
school registry has an entry) and one refused.

Every case is moved by the engine (no shortcuts): each step is the engine call the pages and the
API make, with ``now`` set along a timeline of past working days, so the history reads like weeks
of real work and the filed case's public notice has really run out — its end is applied by the
timer, through ``fire_due_timers``. The figures meet the setting standards of their tier, except
the refused case's, which misses them on purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from fpdf import FPDF
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from caseflow import attachments
from caseflow.extensions import db
from caseflow.models import Case, User
from caseflow.timeutil import SHANGHAI, utcnow
from caseflow.workdays import current_calendar, to_local_date
from caseflow.workflows import engine, notices, registry
from caseflow.workflows.clock import fire_due_timers

SE = "school_establishment"
EXPERTS, INSPECTORS = ("expert1", "expert2", "expert3"), ("inspector1", "inspector2")
CITY = {"510100": "chengdu_reviewer", "510700": "mianyang_reviewer",
        "511300": "nanchong_reviewer"}  # fmt: skip
COLLEGE_LEADERS = {"passed_evaluation": True, "technician_classes": 4,
                   "president_degree": "master", "vice_president_degree": "bachelor",
                   "president_qualification": "senior_professional_title",
                   "vice_president_qualification": "senior_technician",
                   "president_experience_years": 12}  # fmt: skip


@dataclass(frozen=True)
class Demo:
    kind: str
    filer: str
    to: str  # the state the demo leaves it in
    back: int  # working days before today that the case was opened
    data: dict
    totals: tuple[int, ...] = (86, 82, 88)  # the experts' total scores
    attach: tuple[str, ...] | None = None  # attachment types uploaded (None: all)
    extra: dict = field(default_factory=dict)


CASES = (
    # (5) a technical school that went all the way: the registry's demo entry.
    Demo("new_technical_school", "sponsor_clerk", "filed", 16, {
        "school_name": "成都智能制造技工学校", "ownership": "private",
        "sponsor": "四川示范产业集团有限公司", "address": "成都市新都区工业大道东段1666号",
        "land_area_m2": "48000", "building_area_m2": "24500", "training_area_m2": "7200",
        "planned_enrolment": 1100, "yearly_training_attendances": 1500,
        "full_time_teachers": 92, "integrated_teachers": 48, "senior_title_teachers": 26,
        "majors": ["数控加工：数控车工", "工业机器人应用与维护：工业机器人系统运维员",
                   "电气自动化设备安装与维修：电工", "智能制造技术应用：智能制造工程技术人员"],
        "equipment_value_wan": "460", "practical_share_percent": 58,
        "partner_enterprises": ["成都示范装备制造股份有限公司", "四川示范产业集团有限公司"],
        "funding_source": "举办者自有资金投入", "funding_amount_wan": "9800",
        "articles": "学校为非营利性民办技工学校，实行理事会领导下的校长负责制。"}),
    # (6) a senior school that misses the standards: low scores, refused at the decision.
    Demo("new_senior_school", "enterprise_clerk", "rejected", 12, {
        "school_name": "绵阳精密制造高级技工学校", "ownership": "enterprise",
        "sponsor": "绵阳示范精密制造有限公司", "address": "绵阳市涪城区科创园区创业路18号",
        "land_area_m2": "42000", "building_area_m2": "16500", "training_area_m2": "3800",
        "planned_enrolment": 900, "yearly_training_attendances": 600,
        "full_time_teachers": 48, "integrated_teachers": 15, "senior_title_teachers": 9,
        "majors": ["精密机械加工：车工", "模具制造：模具工"],
        "equipment_value_wan": "260", "practical_share_percent": 45,
        "funding_source": "企业自筹", "funding_amount_wan": "3200",
        "current_tier": "technical_school", "passed_evaluation": True,
        "senior_class_majors": 2}, totals=(62, 58, 55)),
    # (4) an upgrade under public notice, with an objection from the public.
    Demo("upgrade_college", "senior_school_clerk", "public_notice", 7, {
        "school_name": "绵阳技师学院", "ownership": "public",
        "sponsor": "绵阳市人民政府", "address": "绵阳市游仙区职教园区南山路6号",
        "land_area_m2": "156000", "building_area_m2": "98000", "training_area_m2": "31000",
        "planned_enrolment": 3600, "yearly_training_attendances": 2600,
        "full_time_teachers": 238, "integrated_teachers": 130, "senior_title_teachers": 82,
        "majors": ["数控加工：数控车工", "电子技术应用：电子设备装接工",
                   "汽车维修：汽车维修工", "工业机器人应用与维护：工业机器人系统运维员",
                   "计算机网络应用：网络与信息安全管理员"],
        "equipment_value_wan": "3100", "practical_share_percent": 60,
        "senior_level_share_percent": 64,
        "partner_enterprises": ["绵阳示范精密制造有限公司"],
        "funding_source": "财政拨款", "funding_amount_wan": "12000",
        **COLLEGE_LEADERS}, totals=(90, 85, 87),
        extra={"objection": ("李建国", "13890001234",
                             "该校游仙区南山路实训楼目前仍为租用，租期不足三年，"
                             "公示的实训场地面积是否包含租用部分，请予核实。")}),
    # (3) an upgrade in expert review: two of the three experts have signed.
    Demo("upgrade_senior", "school_clerk", "expert_review", 4, {
        "school_name": "成都市示范高级技工学校", "ownership": "public",
        "sponsor": "成都市人力资源和社会保障局", "address": "成都市龙泉驿区经开区南四路88号",
        "land_area_m2": "70500", "building_area_m2": "39000", "training_area_m2": "11500",
        "planned_enrolment": 1900, "yearly_training_attendances": 1600,
        "full_time_teachers": 126, "integrated_teachers": 64, "senior_title_teachers": 37,
        "majors": ["数控加工：数控车工", "焊接加工：焊工", "汽车维修：汽车维修工",
                   "电气自动化设备安装与维修：电工", "模具制造：模具工"],
        "equipment_value_wan": "980", "practical_share_percent": 55,
        "funding_source": "财政拨款", "funding_amount_wan": "4500",
        "passed_evaluation": True, "senior_class_majors": 3}, totals=(84, 79)),
    # (2) a branch of a technician college, waiting at the city.
    Demo("branch", "college_clerk", "city_review", 1, {
        "school_name": "南充技师学院阆中分校", "ownership": "public",
        "sponsor": "南充市人民政府", "address": "南充市阆中市七里大道299号",
        "land_area_m2": "35000", "building_area_m2": "19000", "training_area_m2": "5600",
        "planned_enrolment": 850, "yearly_training_attendances": 900,
        "full_time_teachers": 64, "integrated_teachers": 33, "senior_title_teachers": 18,
        "majors": ["旅游服务与管理：导游", "烹饪（中式烹调）：中式烹调师",
                   "农业机械使用与维护：农业机械维修工"],
        "equipment_value_wan": "340", "practical_share_percent": 56,
        "funding_source": "学院自筹及阆中市财政补助", "funding_amount_wan": "2600"}),
    # (2b) an upgrade of a school under a provincial industry department: its first review is
    # the department's (四川省交通运输厅), not the Chengdu bureau's.
    Demo("upgrade_college", "transport_clerk", "city_review", 1, {
        "school_name": "四川交通运输技师学院", "ownership": "public",
        "sponsor": "四川省交通运输厅", "address": "成都市金牛区交通示范路66号",
        "land_area_m2": "152000", "building_area_m2": "96000", "training_area_m2": "30500",
        "planned_enrolment": 3300, "yearly_training_attendances": 2400,
        "full_time_teachers": 221, "integrated_teachers": 118, "senior_title_teachers": 76,
        "majors": ["汽车维修：汽车维修工", "道路桥梁工程施工：筑路工",
                   "工程机械运用与维修：工程机械维修工",
                   "城市轨道交通运输与管理：城市轨道交通站务员",
                   "物流服务与管理：物流服务师"],
        "equipment_value_wan": "2900", "practical_share_percent": 58,
        "senior_level_share_percent": 61,
        "funding_source": "财政拨款", "funding_amount_wan": "9000", **COLLEGE_LEADERS}),
    # (1) a technician college being drafted: three of the seven files uploaded so far.
    Demo("new_technician_college", "sponsor_clerk", "draft", 1, {
        "school_name": "成都天府技师学院", "ownership": "private",
        "sponsor": "四川示范产业集团有限公司", "address": "成都市天府新区兴隆街道科学城路100号",
        "land_area_m2": "180000", "building_area_m2": "120000", "training_area_m2": "36000",
        "planned_enrolment": 3800, "yearly_training_attendances": 2500,
        "full_time_teachers": 265, "integrated_teachers": 140, "senior_title_teachers": 88,
        "majors": ["智能制造技术应用：智能制造工程技术人员", "无人机应用技术：无人机驾驶员",
                   "新能源汽车检测与维修：汽车维修工",
                   "工业机器人应用与维护：工业机器人系统运维员"],
        "equipment_value_wan": "3600", "practical_share_percent": 60,
        "senior_level_share_percent": 62,
        "funding_source": "举办者自有资金投入", "funding_amount_wan": "36000",
        "current_tier": "senior_technical_school", **COLLEGE_LEADERS},
        attach=("feasibility_study", "land_certificate", "articles")),
)  # fmt: skip


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


class Timeline:
    """Office-hour times on past working days: a case opened ``back`` working days ago moves on
    one working day per step, a few minutes apart within a day, and never reaches today."""

    def __init__(self, back: int):
        self.cal = current_calendar()
        self.today = to_local_date(utcnow())
        self.day, self.minute = self.today, 0
        for _ in range(back):
            self.day = self._next(self.day, -1)

    def _next(self, day: date, step: int) -> date:
        day += timedelta(days=step)
        while not self.cal.is_workday(day)[0]:
            day += timedelta(days=step)
        return day

    def now(self) -> datetime:
        if self.day >= self.today:
            raise RuntimeError("the demo timeline ran into today: give the case more days")
        local = datetime.combine(self.day, time(9, 10), tzinfo=SHANGHAI)
        self.minute += 17
        return (local + timedelta(minutes=self.minute)).astimezone(UTC)

    def next_day(self, after: date | None = None) -> datetime:
        """The first working day after ``after`` (default: the current day)."""
        self.day, self.minute = self._next(after or self.day, 1), 0
        return self.now()


@cache
def demo_pdf(type_key: str) -> bytes:
    """A one-page PDF standing for an attachment (its bytes pass the content check)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=16)
    label = registry.get(SE).attachment_type(type_key).label_en
    pdf.multi_cell(0, 10, f"{label}\n\ncaseflow demo file - not a real document.")
    return bytes(pdf.output())


def upload(case: Case, type_key: str, clerk: User, now: datetime) -> None:
    stream = FileStorage(io.BytesIO(demo_pdf(type_key)), filename=f"{type_key}.pdf")
    attachments.save(case, type_key, stream, clerk, now=now)


def score_lines(total: int) -> list[str]:
    """A scoring sheet (lines ``criterion=points``) adding up to ``total``, spread over the
    criteria of the sheet in effect in proportion to their weights."""
    from caseflow.workflows.school_panel import score_criteria

    weights = {key: entry.value for key, entry in score_criteria(None).items()}
    points = {key: weight * total // 100 for key, weight in weights.items()}
    for key in sorted(weights, key=weights.get, reverse=True):  # hand out what rounding left
        if sum(points.values()) < total and points[key] < weights[key]:
            points[key] += 1
    return [f"{key}={value}" for key, value in points.items()]


def checklist_lines(case: Case) -> list[str]:
    from caseflow.workflows.school_panel import checklist_criteria

    return [f"{key}=met" for key in checklist_criteria(case, None)]


def _act(case, action, username, tl, data=None, comment=None, new_day=False):
    now = tl.next_day() if new_day else tl.now()
    engine.apply(case, action, _user(username), data or {}, comment=comment, now=now)


def advance(case: Case, demo: Demo, tl: Timeline) -> None:
    """Move ``case`` one state along the main path, as the people of that state would."""
    state, province = case.state, _user("province_reviewer")
    if state == "draft":
        _act(case, "submit", demo.filer, tl, comment="申报材料已按要求准备齐全，请审核。")
    elif state == "city_review":
        _act(case, "recommend", CITY[case.region_code], tl, new_day=True,
             comment="经初审，申报材料齐全，办学条件基本符合设置标准，同意推荐。")  # fmt: skip
    elif state == "acceptance":
        now = tl.next_day()
        engine.assign_panel(case, "expert_review", [_user(u) for u in EXPERTS], province,
                            "expert", now=now)  # fmt: skip
        engine.assign_panel(case, "site_inspection", [_user(u) for u in INSPECTORS], province,
                            "inspector", now=tl.now())  # fmt: skip
        _act(case, "accept", "province_reviewer", tl, comment="材料齐全，予以受理。")
    elif state == "expert_review":
        tl.next_day()
        for username, total in zip(EXPERTS, demo.totals, strict=False):
            comment = "办学条件较好，同意。" if total >= 70 else "办学条件未达到设置标准。"
            _act(case, "score", username, tl, {"scores": score_lines(total)}, comment)
    elif state == "site_inspection":
        tl.next_day()
        for username in INSPECTORS:
            _act(case, "inspect", username, tl, {"checklist": checklist_lines(case)},
                 "现场核查校园、校舍及实训设备，与申报材料一致。")  # fmt: skip
    elif state == "decision" and demo.to == "rejected":
        _act(case, "refuse", "leader", tl, new_day=True, comment=(
            "经专家评审，平均分低于合格分数线；校园占地面积42000平方米，低于高级技工学校"
            "设置标准66000平方米；实践教学课时占比45%，低于50%。"
            "依据《中华人民共和国行政许可法》第三十八条第二款，决定不予许可。"))  # fmt: skip
    elif state == "decision":
        _act(case, "approve", "leader", tl, new_day=True, comment="经厅务会研究，同意，予以公示。")
    elif state == "public_notice":  # the notice runs out; its timer applies the end
        fire_due_timers(now=tl.next_day(notices.current_notice(case).ends_on))
        db.session.refresh(case)
        if case.state == "public_notice":
            raise RuntimeError(f"the notice of {case.reference} did not end")
    elif state == "approved":
        _act(case, "issue_reply", "province_reviewer2", tl, new_day=True,
             comment="印发批复。")  # fmt: skip
        tl.next_day()
        _act(case, "record_filing", "province_reviewer2", tl, {
            "filing_date": tl.day.isoformat(),
            "filing_reference": f"人社部备〔{tl.day.year}〕37号"},
            comment="已报人力资源社会保障部备案。")  # fmt: skip
    else:
        raise RuntimeError(f"the demo does not drive {state}")


def file_case(demo: Demo) -> Case:
    tl = Timeline(demo.back)
    clerk = _user(demo.filer)
    case = engine.create_case(SE, demo.kind, clerk, demo.data, now=tl.now())
    for t in registry.get(SE).attachments:
        if t.required and (demo.attach is None or t.key in demo.attach):
            upload(case, t.key, clerk, tl.now())
    while case.state != demo.to:
        advance(case, demo, tl)
    if demo.to == "expert_review":  # part of the panel has signed; the rest is still to come
        tl.next_day()
        for username, total in zip(EXPERTS, demo.totals, strict=False):
            _act(case, "score", username, tl, {"scores": score_lines(total)},
                 "专业设置与区域产业匹配度较高。")  # fmt: skip
    if "objection" in demo.extra:
        name, contact, text = demo.extra["objection"]
        notice = notices.current_notice(case)
        notices.file_objection(notice, name, contact, text, now=tl.next_day())
    return case


def seed_demo_schools() -> int:
    """Create the demo school cases that do not exist yet (by school name); returns how many."""
    if SE not in registry.WORKFLOWS:
        return 0
    existing = {
        (data or {}).get("school_name")
        for data in db.session.scalars(select(Case.data).where(Case.workflow == SE))
    }
    made = 0
    for demo in CASES:
        if demo.data["school_name"] not in existing:
            file_case(demo)
            made += 1
    return made
