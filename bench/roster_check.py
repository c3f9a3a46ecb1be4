"""Benchmark of roster reading and the roster-only line rules (``caseflow.rosters``).

    .venv/bin/python bench/roster_check.py [--rows N]

Generates an N-line roster (default 10,000) of valid persons as XLSX and as UTF-8 CSV (GB18030
too), then times, best of three:

* a baseline in the same run: openpyxl alone iterating the sheet's values (``read_only=True``),
  and the ``csv`` module alone over the same CSV;
* ``read_roster`` on each file (header detection, normalisation, ID checks, per-row problems);
* ``check_roster`` (type ``skill_upgrade``) on the rows read.

It prints figures and ratios only; nothing is asserted about speed. The rules that need the claim
history (issue 7) are not part of it yet.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import caseflow.models  # noqa: E402, F401  (the models before the workflows package)
from caseflow.pii import id_check_char  # noqa: E402
from caseflow.rosters import read_roster  # noqa: E402
from caseflow.rosters.columns import COLUMNS  # noqa: E402
from caseflow.rosters.rules import check_roster  # noqa: E402

HEADERS = [c.zh for c in COLUMNS]
LEVELS = ("五级", "四级", "三级")
CAPS = {"五级": 1000, "四级": 1500, "三级": 2000}


def person(n: int) -> list:
    born = f"19{70 + n % 30:02d}{1 + n % 12:02d}{1 + n % 28:02d}"
    first17 = f"510104{born}{n % 1000:03d}"
    level = LEVELS[n % 3]
    values = {
        "姓名": f"学员{n}", "身份证号": first17 + id_check_char(first17),
        "性别": "男" if int(first17[16]) % 2 else "女", "联系电话": "13800000000",
        "人员类别": "企业职工", "职业(工种)": f"工种{n // 1000}", "等级": level,
        "培训开始日期": date(2025, 3, 1), "培训结束日期": date(2025, 3, 31),
        "证书编号": f"S{n:021d}", "发证日期": date(2025, 4, 15), "补贴金额": CAPS[level],
        "银行账号": f"6217{n:015d}",
    }  # fmt: skip
    return [values.get(h) for h in HEADERS]


def files(rows: int) -> dict[str, bytes]:
    from openpyxl import Workbook

    lines = [person(n) for n in range(rows)]
    book = Workbook()
    sheet = book.active
    sheet.append(["技能提升补贴申领花名册"])
    sheet.append(HEADERS)
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return {"xlsx": out.getvalue(), "utf-8-sig": text.getvalue().encode("utf-8-sig"),
            "gb18030": text.getvalue().encode("gb18030")}  # fmt: skip


def best(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    data = files(args.rows)

    def openpyxl_only():
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data["xlsx"]), read_only=True, data_only=True)
        return sum(1 for _ in book.active.iter_rows(values_only=True))

    base_xlsx, _ = best(openpyxl_only)
    base_csv, _ = best(lambda: sum(1 for _ in csv.reader(io.StringIO(
        data["utf-8-sig"].decode("utf-8-sig")))))  # fmt: skip
    print(f"{args.rows:,} roster lines")
    print(f"baseline  openpyxl iteration   {base_xlsx:7.3f} s")
    print(f"baseline  csv module           {base_csv:7.3f} s")
    read = None
    for name, blob in data.items():
        filename = "roster.xlsx" if name == "xlsx" else "roster.csv"
        seconds, read = best(lambda blob=blob, filename=filename: read_roster(blob, filename))
        assert not read.problems and len(read.rows) == args.rows, read.problems[:3]
        base = base_xlsx if name == "xlsx" else base_csv
        print(f"read_roster {name:<10}     {seconds:7.3f} s  {args.rows / seconds:9,.0f} lines/s"
              f"  ×{seconds / base:5.1f} the baseline")  # fmt: skip
    seconds, checked = best(lambda: check_roster(read, "skill_upgrade", on=date(2025, 6, 1)))
    print(f"check_roster skill_upgrade   {seconds:7.3f} s  {args.rows / seconds:9,.0f} lines/s"
          f"  ({len(checked.errors)} errors, {len(checked.warnings)} warnings,"
          f" total {checked.total_amount} yuan)")  # fmt: skip


if __name__ == "__main__":
    main()
