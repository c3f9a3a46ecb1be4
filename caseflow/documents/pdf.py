"""The PDF of an issued document (fpdf2), in the layout of a Chinese official document.

The font is a subset of Noto Serif SC committed with the code (``caseflow/static/fonts``; see
its README), so a fresh machine needs no system fonts. fpdf2 embeds the glyphs used, with a
ToUnicode map, so the Chinese text can be searched, copied and extracted from the PDF.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from caseflow.documents.layout import Sheet

FONT = (
    Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSerifSC-Regular-GB2312.ttf"
)
RED = (192, 0, 0)
BLACK = (0, 0, 0)
# Sizes after GB/T 9704 (党政机关公文格式): 二号 ≈ 22 pt for the heads, 三号 ≈ 16 pt for the text.
HEAD_PT, TEXT_PT, SMALL_PT = 22, 16, 10.5
LINE_MM = 8.6  # about 22 lines a page, as the standard asks
INDENT = "\u3000\u3000"  # paragraphs start two characters in


class _Page(FPDF):
    def footer(self):
        self.set_y(-20)
        self.set_font("serif", size=SMALL_PT)
        self.cell(0, 6, f"— {self.page_no()} —", align="C")


def render_pdf(sheet: Sheet, *, issued_at=None) -> bytes:
    """The PDF bytes of ``sheet`` (A4, margins of an official document)."""
    pdf = _Page(format="A4", unit="mm")
    pdf.set_margins(left=28, top=30, right=26)
    pdf.set_auto_page_break(True, margin=30)
    pdf.add_font("serif", "", str(FONT))
    pdf.set_lang("zh-CN" if sheet.lang == "zh" else "en")
    pdf.set_title(f"{sheet.number} {sheet.title}")
    pdf.set_author(sheet.authority)
    pdf.set_creator("caseflow")
    if issued_at is not None:
        pdf.set_creation_date(issued_at)
    pdf.add_page()

    _line(pdf, sheet.authority, HEAD_PT, align="C", color=RED, bold=True, height=14)
    pdf.ln(4)
    _line(pdf, sheet.number, TEXT_PT, align="C")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    y = pdf.get_y() + 3
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_y(y + 8)
    _line(pdf, sheet.title, HEAD_PT, align="C", bold=True, height=14)
    pdf.ln(6)
    _text(pdf, sheet.addressee)
    for paragraph in sheet.paragraphs:
        _text(pdf, INDENT + paragraph)
    for n, item in enumerate(sheet.items, start=1):
        _text(pdf, f"{INDENT}{n}．{item}")
    for paragraph in sheet.closing:
        _text(pdf, INDENT + paragraph)
    pdf.ln(LINE_MM * 2)
    _line(pdf, sheet.authority, TEXT_PT, align="R")
    _line(pdf, sheet.date, TEXT_PT, align="R")
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float, *, align: str, color=BLACK, bold=False, height=None):
    pdf.set_font("serif", size=size)
    pdf.set_text_color(*color)
    if bold:  # one weight is embedded: draw the outline too for a heavier stroke
        pdf.set_draw_color(*color)
        pdf.set_line_width(size / 60)
        pdf.text_mode = "FILL_STROKE"
    pdf.multi_cell(0, height or LINE_MM, text, align=align, wrapmode="CHAR",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.text_mode = "FILL"
    pdf.set_text_color(*BLACK)


def _text(pdf: FPDF, text: str) -> None:
    pdf.set_font("serif", size=TEXT_PT)
    pdf.multi_cell(0, LINE_MM, text, align="L", wrapmode="CHAR", new_x="LMARGIN", new_y="NEXT")
