"""The administrator's policy page: every value with its source, unconfirmed ones highlighted."""

import re

from tests.helpers import login
from tests.policy.files import GOOD, write


def page(app, username="admin", lang="en"):
    client = app.test_client()
    login(client, username)
    client.get(f"/lang/{lang}")
    return client.get("/admin/policy")


def rows_with(html: str, text: str, tag: str = "tr") -> list[str]:
    return [r for r in re.findall(rf"<{tag}[ >].*?</{tag}>", html, flags=re.S) if text in r]


def test_only_the_administrator_sees_it(demo):
    for username in ("auditor", "province_reviewer", "school_clerk"):
        assert page(demo, username).status_code == 403
    response = page(demo)
    assert response.status_code == 200
    assert 'href="/admin/policy"' in response.get_data(as_text=True)  # in the navigation


def test_english_page_lists_every_policy_with_values_units_and_sources(demo):
    html = page(demo, lang="en").get_data(as_text=True)
    for title in ("Setting standards for technical schools", "Licensing clock",
                  "Expert scoring sheet for school establishment", "Document number patterns",
                  "Public notice period", "Preparation period", "Name rules for technical schools",
                  "Prerequisites for establishing or upgrading a school",
                  "Stage time limits of school establishment"):  # fmt: skip
        assert title in html
    assert "school_standards@2012-1" in html and "In effect" in html
    assert "≥ 30,000 m² (≈ 45 mu)" in html and "≥ 66,000 m² (≈ 99 mu)" in html
    assert "≥ 3,000,000 yuan" in html  # 300 万元
    assert "20 working days" in html and "≥ 70 points" in html
    assert "《技工学校设置标准（试行）》第七条" in html
    assert "No standard set" in html


def test_unconfirmed_values_are_highlighted_with_a_text_marker(demo):
    html = page(demo, lang="en").get_data(as_text=True)
    scoring = rows_with(html, "Facilities (land, buildings, training equipment)")
    assert scoring and 'class="table-warning"' in scoring[0] and "Unconfirmed" in scoring[0]
    confirmed = rows_with(html, "Time limit from acceptance")
    assert confirmed and "table-warning" not in confirmed[0] and "Confirmed" in confirmed[0]
    unset = rows_with(html, "No standard set", "td")
    assert unset and all("table-warning" in c and "Unconfirmed" in c for c in unset)


def test_chinese_page_uses_the_chinese_labels_of_the_data(demo):
    html = page(demo, lang="zh_CN").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    for text in ("技工院校设置标准", "校园占地面积", "≥ 30,000平方米（约45亩）", "≥ 300万元",
                 "20个工作日", "技师学院", "合格分数线（平均分）"):  # fmt: skip
        assert text in html
    assert "Campus land" not in html and "Setting standards for technical schools" not in html


def test_past_and_future_versions_are_listed_and_the_current_one_marked(demo, tmp_path):
    limits = GOOD["limits"].replace("effective_from = 2024-08-01", "effective_from = 2099-01-01")
    demo.config["POLICY_DIR"] = str(write(tmp_path, {**GOOD, "limits": limits}))
    html = page(demo, lang="en").get_data(as_text=True)
    assert "limits@2024-1" in html and "No longer in effect" in html
    assert "limits@2024-2" in html and "Not yet in effect" in html
    assert "sheet@1" in html and "In effect" in html
    assert "2024-01-01 – 2024-06-30" in html and "until further notice" in html


def test_values_read_naturally_in_both_languages(app):
    from decimal import Decimal

    from caseflow.policy.display import describe
    from caseflow.policy.model import PolicyValue

    def value(v, unit=None, operator=None, **extra):
        return PolicyValue("k", "k", "标签", "Label", v, False, "", unit=unit, operator=operator,
                           **extra)  # fmt: skip

    with app.test_request_context():
        cases = [
            (value((Decimal("1.5"), 3), "percent", "between"), "between 1.5 – 3%", "介于 1.5 – 3%"),
            (value(Decimal("12.50"), "wan_yuan", ">="), "≥ 125,000 yuan", "≥ 12.5万元"),
            (value(250000, "fen"), "250,000 fen", "250,000分（人民币）"),
            (value(("中华", "中国"), None, "excludes"), "must not contain: 中华, 中国",
             "不得包含：中华、中国"),
            (value(66000, "m2", ">=", show_mu=True), "≥ 66,000 m² (≈ 99 mu)",
             "≥ 66,000平方米（约99亩）"),
            (value(None, "m2", ">="), None, None),
        ]  # fmt: skip
        for entry, english, chinese in cases:
            assert describe(entry, english=True) == english
            assert describe(entry, english=False) == chinese
