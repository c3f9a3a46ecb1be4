"""Small policy files for tests, written into a temporary directory."""

from pathlib import Path

VALUES = """
name = "limits"
kind = "values"
title_zh = "时限"
title_en = "Limits"

[[versions]]
version = "2024-1"
effective_from = 2024-01-01
effective_to = 2024-06-30
source = "测试文件一 第一条"

[[versions.values]]
key = "review"
label_zh = "审核"
label_en = "Review"
value = 10
unit = "workday"
confirmed = true

[[versions]]
version = "2024-2"
effective_from = 2024-08-01
source = "测试文件二 第一条"

[[versions.values]]
key = "review"
label_zh = "审核"
label_en = "Review"
value = 15
unit = "workday"
confirmed = false
"""

SCORING = """
name = "sheet"
kind = "scoring"
title_zh = "评分表"
title_en = "Sheet"

[[versions]]
version = "1"
effective_from = 2024-01-01
source = "示例"

[[versions.criteria]]
key = "quality"
label_zh = "质量"
label_en = "Quality"
weight = 60
confirmed = false

[[versions.criteria]]
key = "cost"
label_zh = "成本"
label_en = "Cost"
weight = 40
confirmed = false

[[versions.values]]
key = "pass_mark"
label_zh = "合格线"
label_en = "Pass mark"
value = 70
unit = "point"
confirmed = false
"""

STANDARDS = """
name = "norms"
kind = "standards"
title_zh = "标准"
title_en = "Norms"

[[versions]]
version = "1"
effective_from = 2024-01-01
source = "标准文件"

[[versions.groups]]
key = "small"
label_zh = "小"
label_en = "Small"

[[versions.groups]]
key = "large"
label_zh = "大"
label_en = "Large"

[[versions.criteria]]
key = "land"
label_zh = "占地"
label_en = "Land"
operator = ">="
unit = "m2"
show_mu = true
[versions.criteria.standard]
small = { value = 30000, confirmed = true, source = "标准文件 第八条" }
large = { confirmed = false }

[[versions.criteria]]
key = "equipment"
label_zh = "设备"
label_en = "Equipment"
operator = ">="
unit = "wan_yuan"
[versions.criteria.standard]
small = { value = "300", confirmed = true }
"""

PATTERNS = """
name = "numbers"
kind = "patterns"
title_zh = "编号"
title_en = "Numbers"

[[versions]]
version = "1"
effective_from = 2024-01-01
source = "示例"

[[versions.values]]
key = "letter"
label_zh = "函"
label_en = "Letters"
value = "川测函〔{year}〕{n}号"
confirmed = false
"""

GOOD = {"limits": VALUES, "sheet": SCORING, "norms": STANDARDS, "numbers": PATTERNS}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / f"{name}.toml").write_text(content, encoding="utf-8")
    return directory
