"""Demo cases of the sample workflow, so a fresh ``make run`` has work in every inbox: drafts,
cases waiting at the city and the province, a supplement notice, a panel, a public notice.

Every case is moved by the engine (no shortcuts), so the demo history is real history.
"""

from __future__ import annotations

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import User
from caseflow.workflows import engine, registry

SAMPLE = "test_permit"

# (applicant, project, amount, contact, how far along the main path)
CASES = (
    ("school_clerk", "数控技术实训中心建设", 120_000, "张小三", "draft"),
    ("school_clerk", "智能制造实训基地", 380_000, "李四", "intake"),
    ("school_clerk", "焊接技能提升培训", 60_000, "王五", "supplement"),
    ("provider_clerk", "电工职业技能培训", 45_000, "赵六", "intake"),
    ("sponsor_clerk", "工业机器人实训室", 520_000, "钱七", "review"),
    ("senior_school_clerk", "汽车维修实训车间", 260_000, "孙八", "intake"),
    ("school_clerk", "新能源汽车检测实训", 300_000, "周九", "panel"),
    ("provider_clerk", "养老护理员培训", 80_000, "吴十", "notice"),
)
PATH = ("draft", "intake", "review", "panel", "board", "notice")


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _city_reviewer(case) -> str:
    return {"510100": "chengdu_reviewer", "510700": "mianyang_reviewer",
            "511300": "nanchong_reviewer"}[case.region_code]  # fmt: skip


def _advance(case, to: str) -> None:
    if to == "supplement":
        engine.apply(case, "submit", _user(case.created_by.username))
        engine.apply(case, "return_for_supplement", _user(_city_reviewer(case)),
                     {"items": ["请补充场地租赁合同", "请补充近三年培训人数统计表"]},
                     comment="材料不全，请一次性补正以下事项。")  # fmt: skip
        return
    province, leader = _user("province_reviewer"), _user("leader")
    for state in PATH[: PATH.index(to)]:
        if state == "draft":
            engine.apply(case, "submit", _user(case.created_by.username))
        elif state == "intake":
            engine.apply(
                case, "recommend", _user(_city_reviewer(case)), comment="材料齐全，同意推荐。"
            )
        elif state == "review":
            experts = [_user(u) for u in ("expert1", "expert2", "expert3")]
            engine.assign_panel(case, "panel", experts, province, "expert")
            engine.assign_panel(case, "board", [leader], province, "leader")
            engine.apply(case, "send_to_panel", province, comment="提交专家评审。")
        elif state == "panel":
            for username in ("expert1", "expert2", "expert3"):
                engine.apply(case, "score", _user(username), {"score": 85}, comment="符合条件。")
        elif state == "board":
            engine.apply(case, "approve", leader, comment="同意，予以公示。")


def seed_demo_cases() -> int:
    """Create the demo cases when the sample workflow is registered; returns how many."""
    if SAMPLE not in registry.WORKFLOWS:
        return 0
    for applicant, project, amount, contact, to in CASES:
        data = {"project": project, "amount": amount, "contact_name": contact}
        case = engine.create_case(SAMPLE, "standard", _user(applicant), data)
        if to != "draft":
            _advance(case, to)
    return len(CASES)
