"""The public views section as a Word document (.docx), built with python-docx.

It renders a :class:`~consult.analysis.public_views.report.PublicViews` and reads no
database, so it cannot reach a held-back response, an unapproved quote or a theme no analyst
has reviewed.

The document is built to be published as it is by a public body (accessibility
regulations): heading styles in order (1, 2, 3), alternative text on every chart, table
header rows marked and repeated on each page, headings kept with what follows, page numbers,
the document's title and language set, charts no wider than the text, and colours that pass
WCAG contrast (:data:`CONTRAST_COLOURS`). The OOXML details python-docx has no API for are
in :mod:`~consult.analysis.public_views.word_xml`.
"""

from __future__ import annotations

import io

from consult.analysis.public_views.charts import (
    BAR_COLOUR,
    SECOND_COLOUR,
    TEXT_COLOUR,
    chart_alt,
    chart_png,
    chart_title,
)
from consult.analysis.public_views.figures import share_text, suppressed_text
from consult.analysis.public_views.parts import (
    AUDIENCE_NOUNS,
    DEFINITIONS,
    TYPE_LABELS,
    ThemeFigures,
)
from consult.analysis.public_views.report import PublicViews, cached_artifact, change_words
from consult.analysis.public_views.word_xml import (
    cant_split,
    mark_header,
    page_field,
    plain_font,
    set_language,
    table_caption,
)
from consult.templating import plural

NOTHING_REVIEWED = "No theme has been reviewed yet, so there is nothing to report."
TEXT_WIDTH_CM = 16.0  # A4 (21 cm) less two 2.5 cm margins
# Every colour the document or a chart uses for text or bars, against white.
CONTRAST_COLOURS = (TEXT_COLOUR, BAR_COLOUR, SECOND_COLOUR)


def to_docx(report: PublicViews) -> bytes:
    return cached_artifact(report, "docx", lambda: _Word(report).build())


class _Word:
    def __init__(self, report: PublicViews):
        from docx import Document

        self.r = report
        self.doc = Document()

    # --- set-up -------------------------------
    def _styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import Pt

        styles = self.doc.styles
        for name, size in (
            ("Normal", 11),
            ("Heading 1", 20),
            ("Heading 2", 15),
            ("Heading 3", 12.5),
            ("Quote", 11),
            ("Caption", 9.5),
            ("List Bullet", 11),
        ):
            try:
                style = styles[name]
            except KeyError:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                style.base_style = styles["Normal"]
            plain_font(style, size)
            if name.startswith("Heading"):
                style.paragraph_format.keep_with_next = True
                style.paragraph_format.keep_together = True
                style.paragraph_format.space_before = Pt(14 if name != "Heading 3" else 10)
                style.paragraph_format.space_after = Pt(4)
        styles["Normal"].paragraph_format.space_after = Pt(6)
        styles["Quote"].paragraph_format.left_indent = Pt(18)
        styles["Quote"].paragraph_format.space_after = Pt(4)

    def _page(self) -> None:
        from docx.shared import Cm

        for section in self.doc.sections:
            section.page_width, section.page_height = Cm(21.0), Cm(29.7)
            section.left_margin = section.right_margin = Cm(2.5)
            section.top_margin = section.bottom_margin = Cm(2.0)
            footer = section.footer.paragraphs[0]
            footer.text = f"{self.r.partnership}: public views {self.r.period}. Page "
            page_field(footer, "PAGE")
            footer.add_run(" of ")
            page_field(footer, "NUMPAGES")

    def _properties(self) -> None:
        props = self.doc.core_properties
        props.title = self.title
        props.subject = f"{self.r.partnership}: strategic assessment {self.r.period}"
        props.language = "en-GB"
        props.author = self.r.partnership
        set_language(self.doc, "en-GB")

    @property
    def title(self) -> str:
        return f"Public views: what residents and young people told us ({self.r.period})"

    # --- helpers -------------------------------
    def h(self, text: str, level: int, page_break: bool = False):
        p = self.doc.add_heading(text, level=level)
        if page_break:
            p.paragraph_format.page_break_before = True
        return p

    def para(self, text: str, keep: bool = False, style: str | None = None, italic=False):
        p = self.doc.add_paragraph(text, style=style)
        if keep:
            p.paragraph_format.keep_with_next = True
        if italic:
            for run in p.runs:
                run.italic = True
        return p

    def table(self, caption: str, headers: list[str], rows: list[list[str]], widths=None,
              numeric_from: int = 1, size: float = 9.5):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        t = self.doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        table_caption(t, caption)
        mark_header(t.rows[0])
        for cell, label in zip(t.rows[0].cells, headers, strict=True):
            cell.text = label
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for values in rows:
            row = t.add_row()
            cant_split(row)
            for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.text = str(value)
                if i >= numeric_from:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if widths:  # fixed widths that fit the text width (Word and LibreOffice alike)
            t.autofit = False
            for column, w in zip(t.columns, widths, strict=True):
                column.width = Cm(w)
            for row in t.rows:
                for cell, w in zip(row.cells, widths, strict=True):
                    cell.width = Cm(w)
        for row in t.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.space_after = Pt(1)
                    for run in p.runs:
                        run.font.size = Pt(size)
        # Keep a short table together with the sentence before it.
        if len(rows) <= 12:
            for row in t.rows[:-1]:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        p.paragraph_format.keep_with_next = True
        self.doc.add_paragraph().paragraph_format.space_after = 0
        return t

    def chart(self, name: str, caption: str | None = None) -> None:
        from docx.shared import Cm

        png = chart_png(self.r, name)
        if not png:
            return
        if caption:
            self.para(caption, keep=True, style="Caption")
        p = self.doc.add_paragraph()
        p.paragraph_format.keep_together = True
        run = p.add_run()
        width = Cm(TEXT_WIDTH_CM)
        shape = run.add_picture(io.BytesIO(png), width=width)
        # Never taller than a third of the page: a half-page theme keeps its chart.
        limit = Cm(8.5)
        if shape.height > limit:
            ratio = limit / shape.height
            shape.height = limit
            shape.width = int(shape.width * ratio)
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", chart_alt(self.r, name))
        doc_pr.set("title", chart_title(self.r, name))

    # --- the document -------------------------------
    def build(self) -> bytes:
        self._styles()
        self._page()
        self._properties()
        r = self.r
        self.h(self.title, 1)
        self.para(f"{r.partnership}. Consultation findings for the strategic assessment "
                  f"{r.period}.")
        self.summary()
        self.priorities()
        self.theme_section("What people raised, theme by theme", r.themes)
        if r.emerging:
            self.theme_section("Emerging concerns", r.emerging, emerging=True)
        self.feeling_safe()
        self.method()
        self.annex()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def summary(self) -> None:
        r = self.r
        self.h("Summary", 2)
        self.para(r.who_answered())
        self.para(r.caveat())
        for key, a in r.audiences.items():
            if not a.responses:
                continue
            noun = a.noun
            self.h(f"Top priorities of {noun}", 3)
            if not a.reported:
                self.para(a.too_few_line)
                continue
            rk = r.rankings.get(key)
            if not r.all_themes:
                self.para(NOTHING_REVIEWED)
                continue
            if rk is None or not rk.rows:
                self.para(f"No reviewed theme linked to a priority was raised by {r.threshold} "
                          f"or more {noun}.")
                continue
            self.para(
                f"The share of the {a.people:,} {noun} who wrote an answer whose answers raised "
                "each priority, with its 95% confidence interval.",
                keep=True,
            )
            headers = ["Rank", "Priority", f"Share of {noun}", "95% CI"]
            rows = [[str(i), row.name, share_text(row.share), row.share.display_interval]
                    for i, row in enumerate(rk.top, start=1)]
            widths = [1.5, 7.9, 3.3, 3.3]
            if r.baseline_period:
                headers.append(f"Change since {r.baseline_period}")
                for row, p in zip(rows, rk.top, strict=True):
                    row.append(change_words(p.change, r.last_year))
                widths = [1.5, 5.0, 2.8, 2.6, 4.1]
            self.table(f"Top priorities of {noun}", headers, rows, widths=widths, numeric_from=2)
        if r.emerging:
            self.h("Emerging concerns, not in the ranking", 3)
            self.para("Concerns no current priority covers. They are not ranked with the "
                      "priorities above.", keep=True)
            for f in r.emerging:
                self.para(f.sentence, style="List Bullet")

    def priorities(self) -> None:
        r = self.r
        shown = [(k, rk) for k, rk in r.rankings.items() if rk.rows]
        if not shown:
            return
        self.h("Priorities, ranked", 2, page_break=True)  # the summary is a page of its own
        for key, rk in shown:
            noun = AUDIENCE_NOUNS[key]
            self.chart(f"priorities-{key}",
                       f"Figure: priorities raised by {noun}, with 95% confidence intervals "
                       "(the full table is in the annex)")
            if rk.few:
                self.para(f"Also raised, by fewer than {r.threshold} {noun} each: "
                          f"{', '.join(rk.few)}.")

    def theme_section(self, title: str, themes: list[ThemeFigures], page_break=False,
                      emerging=False) -> None:
        if not themes:
            return
        self.h(title, 2, page_break=page_break)
        if emerging:  # kept with the first theme: never a heading alone at a page's end
            self.para("Reviewed themes that no current priority covers.", keep=True)
        for f in themes:
            self.h(f.label, 3)
            tag = [f"Priority: {f.priority_name}"] if f.priority_name else []
            if emerging:
                tag.append("Emerging: not covered by a current priority")
            if tag:
                self.para(". ".join(tag) + ".", keep=True, italic=True)
            self.para(f.sentence, keep=True)
            self.chart(f"theme-{f.id}")
            for d in f.differences:
                self.para(d.sentence(AUDIENCE_NOUNS[d.audience]))
            for q in f.quotes:
                self.para(f"“{q}”", style="Quote")

    def feeling_safe(self) -> None:
        r = self.r
        if not r.closed:
            return
        self.h("How safe people feel", 2)
        for line in r.closed_lines():
            self.para(line, style="List Bullet")
        self.para("The full answers to each question are in the annex.")

    def method(self) -> None:
        r = self.r
        self.h("How we asked and who answered", 2)
        for para in r.method_paragraphs():
            self.para(para)
        self.h("The words used", 3)
        for word, text in DEFINITIONS.items():
            self.para(f"{word.capitalize()}: {text}", style="List Bullet")
        rows = [[TYPE_LABELS.get(k, k), f"{n:,}"] for k, n in sorted(r.responses_by_type.items())]
        for a in r.audiences.values():
            if a.responses:
                rows.append([f"{a.noun.capitalize()} who wrote an answer", f"{a.people:,}"])
                rows.append([f"Answers those {a.noun} wrote", f"{a.answers:,}"])
        self.para("How many people answered, and how:", keep=True)
        self.table("Who answered", ["Who answered", "Number"], rows, widths=[11, 5])

    def annex(self) -> None:
        r = self.r
        # No page break of its own: after a method that runs a few lines onto a page, a
        # forced break left that page mostly empty. Its heading keeps with what follows.
        self.h("Annex: all the figures", 2)
        self.para("Underlying figures are also published as CSV and JSON. "
                  f"‘{suppressed_text(r.threshold)}’: too few people to show the number.",
                  keep=True)
        for key, rk in r.rankings.items():
            if not rk.rows:
                continue
            noun = AUDIENCE_NOUNS[key]
            self.h(f"All priorities of {noun}", 3)
            headers = ["Rank", "Priority", "People", f"Share of {noun}", "95% CI"]
            rows = [[str(i), row.name, f"{row.share.count:,}", share_text(row.share),
                     row.share.display_interval] for i, row in enumerate(rk.rows, start=1)]
            widths = [1.5, 7.3, 2.2, 2.6, 2.4]
            if r.baseline_period:
                headers.append("Change")
                for row, p in zip(rows, rk.rows, strict=True):
                    row.append(change_words(p.change, r.last_year))
                widths = [1.5, 4.3, 1.8, 2.4, 2.4, 3.6]
            self.table(f"All priorities of {noun}", headers, rows, widths=widths,
                       numeric_from=2)
            if rk.few:
                self.para(f"Also raised, by fewer than {r.threshold} {noun} each: "
                          f"{', '.join(rk.few)}.")
        for b in r.breakdowns:
            noun = AUDIENCE_NOUNS[b.audience]
            if len(b.groups) >= 2:
                self.h(f"{b.title}: share of {noun} raising each theme", 3)
                self.breakdown_table(b, noun)
            if b.small:
                self.para(f"Too few {noun} to report separately ({b.title.lower()}): "
                          + ", ".join(_people(g, n) for g, n in b.small) + ".")
        if r.closed:
            for t in r.closed:
                if t.base < r.min_base:
                    continue  # one line for them all, below
                noun = AUDIENCE_NOUNS[t.audience]
                self.h(f"{t.label} ({t.survey})", 3)
                self.para(f"{t.base:,} {noun} answered.", keep=True)
                self.table(
                    t.label,
                    ["Answer", "People", "Share", "95% CI"],
                    [[label, f"{p.count:,}", p.display_share, p.display_interval]
                     for _c, label, p in t.shown],
                    widths=[8.5, 2.2, 2.2, 3.1],
                )
                if t.few:
                    self.para(f"Given by fewer than {r.threshold} {noun} each: "
                              f"{', '.join(t.few)}.")
            for line in r.closed_too_few():
                self.para(line)
        if r.gone:
            self.h(f"Themes from {r.baseline_period} not seen this year", 3)
            for label in r.gone:
                self.para(label, style="List Bullet")
        self.para(
            f"Figures generated on {r.generated_at.day} {r.generated_at:%B %Y} from analysis "
            f"run {r.run_id}.",
            italic=True,
        )


    def breakdown_table(self, b, noun: str) -> None:
        """Themes down, groups across (people in each group in brackets); more than five
        groups are split into tables of even width, so no group's name breaks mid-word."""
        r = self.r
        chunks = -(-len(b.groups) // 5)
        per = -(-len(b.groups) // chunks)
        for start in range(0, len(b.groups), per):
            groups = b.groups[start:start + per]
            each = min(2.6, (TEXT_WIDTH_CM - 4.5) / len(groups))
            widths = [TEXT_WIDTH_CM - each * len(groups)] + [each] * len(groups)
            self.table(
                f"{b.title}: share of {noun} raising each theme",
                ["Theme"] + [f"{g[:1].upper() + g[1:]} ({n:,})" for g, n in groups],
                [
                    [f.label] + [share_text(p) for p in b.shares[f.id][start:start + per]]
                    for f in r.all_themes
                ],
                widths=widths,
                size=8.5,
            )


def _people(group: str, n: int) -> str:
    return f"{group} ({plural(n, 'person', 'people')})"
