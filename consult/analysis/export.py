"""Exports of the "public views" section: charts (PNG), a Word document, CSV and JSON.

All of them render a :class:`~consult.analysis.report.PublicViews`; none reads the
database itself, so none can reach a held-back response or an unapproved quote.
"""

from __future__ import annotations

import csv
import io
import json

from consult.analysis.report import (
    AUDIENCE_NOUNS,
    CSV_FIELDS,
    PublicViews,
    csv_rows,
    to_public_dict,
)
from consult.analysis.stats import GROWING, NEW, SHRINKING, STEADY, bar_chart_png

MAX_CHART_ROWS = 12
CHANGE_WORDS = {
    NEW: "New this year",
    GROWING: "Raised by more people than last year",
    SHRINKING: "Raised by fewer people than last year",
    STEADY: "About the same as last year",
}


# --- charts -------------------------------
def chart_names(report: PublicViews) -> list[str]:
    names = []
    for key in report.priorities:
        names += [f"priorities-{key}", f"themes-{key}"]
    names += [f"closed-{t.code}" for t in report.closed]
    return names


def chart_title(report: PublicViews, name: str) -> str:
    kind, _, key = name.partition("-")
    if kind == "priorities":
        return f"Priorities raised by {AUDIENCE_NOUNS.get(key, key)}"
    if kind == "themes":
        return f"Themes raised by {AUDIENCE_NOUNS.get(key, key)}"
    for t in report.closed:
        if t.code == key:
            return t.label
    return name


def chart_png(report: PublicViews, name: str) -> bytes | None:
    kind, _, key = name.partition("-")
    if kind == "priorities" and key in report.priorities:
        rows = [(r.name, r.share) for r in report.priorities[key]][:MAX_CHART_ROWS]
        xlabel = f"Percentage of {AUDIENCE_NOUNS[key]} who wrote an answer"
    elif kind == "themes" and key in report.audience_bases:
        ranked = sorted(
            (f for f in report.themes if key in f.audiences),
            key=lambda f: -f.audiences[key].share,
        )
        rows = [(f.label, f.audiences[key]) for f in ranked][:MAX_CHART_ROWS]
        xlabel = f"Percentage of {AUDIENCE_NOUNS[key]} who wrote an answer"
    elif kind == "closed":
        table = next((t for t in report.closed if t.code == key), None)
        if table is None:
            return None
        rows = [(label, p) for _c, label, p in table.rows]
        xlabel = "Percentage of those who answered"
    else:
        return None
    if not rows:
        return None
    return bar_chart_png(rows, chart_title(report, name), xlabel=xlabel)


# --- CSV and JSON -------------------------------
def to_csv(report: PublicViews) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(report):
        # A spreadsheet must not run a cell as a formula.
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return out.getvalue()


def _csv_safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_json(report: PublicViews) -> str:
    return json.dumps(to_public_dict(report), ensure_ascii=False, indent=2)


# --- Word -------------------------------
def to_docx(report: PublicViews) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)

    doc.add_heading("Public views: what residents and young people told us", level=1)
    doc.add_paragraph(
        f"{report.partnership}. Strategic assessment {report.period}: consultation findings."
    )

    doc.add_heading("How we asked and who answered", level=2)
    for para in report.method_paragraphs():
        doc.add_paragraph(para)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _header(table, ["Who responded", "Responses"])
    from consult.analysis.report import TYPE_LABELS

    for key, n in sorted(report.responses_by_type.items()):
        _row(table, [TYPE_LABELS.get(key, key), _n(n, report.threshold)])
    for key, n in report.audience_bases.items():
        _row(table, [f"{AUDIENCE_NOUNS[key].capitalize()} who wrote an answer",
                     _n(n, report.threshold)])

    for key, rows in report.priorities.items():
        noun = AUDIENCE_NOUNS[key]
        doc.add_heading(f"What {noun} want the partnership to prioritise", level=2)
        doc.add_paragraph(
            f"Priorities ranked by the share of {noun} whose answers raised them. Themes that "
            "no current priority covers are shown as emerging."
        )
        t = doc.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        _header(t, ["Rank", "Priority", f"Share of {noun}", "95% confidence interval"])
        for rank, r in enumerate(rows, start=1):
            name = f"{r.name} (emerging)" if r.emerging else r.name
            _row(t, [str(rank), name, _share(r.share), r.share.display_interval or "–"])
        _picture(doc, report, f"priorities-{key}", Cm(16))

    doc.add_heading("Themes", level=2)
    for f in report.themes:
        doc.add_heading(f.label, level=3)
        tag = []
        if f.priority_name:
            tag.append(f"Priority: {f.priority_name}")
        if f.emerging:
            tag.append("Emerging: not covered by a current priority")
        status = f.change_status
        if status in CHANGE_WORDS:
            tag.append(CHANGE_WORDS[status])
        if tag:
            doc.add_paragraph(". ".join(tag) + ".").runs[0].italic = True
        for sentence in f.sentences:
            doc.add_paragraph(sentence)
        bt = doc.add_table(rows=1, cols=3)
        bt.style = "Table Grid"
        _header(bt, ["Group", "Share", "95% confidence interval"])
        for title, pairs in (("District", f.by_district), ("Age group", f.by_age),
                             ("Respondent type", f.by_type)):
            if not pairs:
                continue
            cells = bt.add_row().cells
            cells[0].merge(cells[2])
            cells[0].text = title
            cells[0].paragraphs[0].runs[0].bold = True
            for group, p in pairs:
                _row(bt, [group, _share(p), p.display_interval or "–"])
        if f.quotes:
            doc.add_paragraph("In their own words:")
            for q in f.quotes:
                para = doc.add_paragraph(f"“{q}”", style="Quote")
                para.paragraph_format.left_indent = Cm(1)
    if report.gone:
        doc.add_heading(f"Themes from {report.baseline_period} not seen this year", level=3)
        for label in report.gone:
            doc.add_paragraph(label, style="List Bullet")
    for key in report.audience_bases:
        _picture(doc, report, f"themes-{key}", Cm(16))

    if report.closed:
        doc.add_heading("Feeling safe, problems and worries", level=2)
        for t in report.closed:
            doc.add_heading(t.label, level=3)
            doc.add_paragraph(f"Base: {_n(t.base, report.threshold)} people who answered.")
            ct = doc.add_table(rows=1, cols=4)
            ct.style = "Table Grid"
            _header(ct, ["Answer", "Number", "Share", "95% confidence interval"])
            for _code, label, p in t.rows:
                _row(ct, [label, p.display_count, _share(p), p.display_interval or "–"])
            _picture(doc, report, f"closed-{t.code}", Cm(15))

    doc.add_paragraph(
        f"Figures generated on {report.generated_at:%d %B %Y} from analysis run "
        f"{report.run_id}. Underlying figures are available as CSV and JSON."
    ).runs[0].italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _n(n: int, threshold: int) -> str:
    return f"fewer than {threshold}" if n < threshold else f"{n:,}"


def _share(p) -> str:
    return p.display_count if p.suppressed else p.display_share


def _header(table, labels) -> None:
    cells = table.rows[0].cells
    for cell, label in zip(cells, labels, strict=True):
        cell.text = label
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _row(table, values) -> None:
    cells = table.add_row().cells
    for cell, value in zip(cells, values, strict=True):
        cell.text = str(value)


def _picture(doc, report, name, width) -> None:
    png = chart_png(report, name)
    if png:
        doc.add_picture(io.BytesIO(png), width=width)
        doc.add_paragraph(chart_title(report, name)).runs[0].italic = True
