"""The Word document opened as a publisher's accessibility check would: heading styles in
order, alternative text on every chart, table header rows marked and repeated, headings kept
with what follows, page numbers, title and language, charts inside the page with nothing cut
off, and colours that pass contrast."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from consult.analysis.models import AnalysisRun
from consult.analysis.public_views.charts import BAR_COLOUR
from consult.analysis.public_views.word import CONTRAST_COLOURS, to_docx
from consult.db import get_db
from tests.consult.analysis.public_views.test_analysis_export import built, seed_runs

WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


@pytest.fixture(scope="module")
def document(module_analysis_app):
    """The Word file (with its charts) of the runs of ``seed_runs``, built once: the tests
    only read it."""
    app = module_analysis_app
    _last_id, this_id, _held = seed_runs(app)
    with app.app_context():
        db = get_db()
        report = built(db, db.get(AnalysisRun, this_id))
        data = to_docx(report)
    return report, Document(io.BytesIO(data)), data


def _contrast(hex_colour: str, background: str = "FFFFFF") -> float:
    def luminance(h):
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted([luminance(hex_colour.lstrip("#")), luminance(background)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def _headings(doc):
    out = []
    for p in doc.paragraphs:
        m = re.fullmatch(r"Heading (\d)", p.style.name)
        if m:
            out.append((int(m.group(1)), p))
    return out


def test_headings_are_real_heading_styles_in_order_and_kept_with_what_follows(document):
    _report, doc, _data = document
    headings = _headings(doc)
    levels = [level for level, _ in headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, levels  # never skips a level
    assert {2, 3} <= set(levels)
    for level, p in headings:
        # A real heading: an outline level Word's navigation and screen readers use.
        outline = p.style.element.pPr.find(qn("w:outlineLvl"))
        assert outline is not None and int(outline.get(qn("w:val"))) == level - 1
        keep = p.paragraph_format.keep_with_next
        assert keep or (keep is None and p.style.paragraph_format.keep_with_next), p.text
    texts = [p.text for _, p in headings]
    assert "Summary" in texts and "How we asked and who answered" in texts
    assert "Speeding" in texts and "Emerging concerns" in texts


def test_every_chart_has_alternative_text_and_fits_the_page(document):
    report, doc, _data = document
    shapes = doc.element.body.iter(WP_DOCPR)
    descriptions = [el.get("descr") for el in shapes]
    # A chart per ranking and per theme.
    assert len(descriptions) == len(report.all_themes) + len(
        [k for k, r in report.rankings.items() if r.rows])
    for text in descriptions:
        assert text and text.startswith("Bar chart") and "%" in text, text
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    from PIL import Image

    for shape in doc.inline_shapes:
        assert 0 < shape.width <= width and 0 < shape.height <= height / 2
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = Image.open(io.BytesIO(doc.part.related_parts[blip.embed].blob)).convert("RGB")
        # Nothing cut off: the image's outer edge is background all round.
        w, h = image.size
        edge = [image.getpixel((x, y)) for x in range(w) for y in (0, h - 1)]
        edge += [image.getpixel((x, y)) for y in range(h) for x in (0, w - 1)]
        assert all(min(px) > 245 for px in edge)
        assert abs(shape.width / shape.height - w / h) < 0.02  # not squashed


def test_table_header_rows_are_marked_and_repeated(document):
    _report, doc, _data = document
    assert len(doc.tables) >= 4
    for table in doc.tables:
        header = table.rows[0]._tr
        tr_pr = header.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        assert all(cell.text.strip() for cell in table.rows[0].cells)
        assert all(r.bold for cell in table.rows[0].cells for r in cell.paragraphs[0].runs)
        for row in table.rows[1:]:
            assert row._tr.trPr.find(qn("w:tblHeader")) is None
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None  # a row never breaks
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        assert caption is not None and caption.get(qn("w:val"))


def test_page_numbers_title_and_language(document):
    report, doc, _data = document
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
    assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", footer)
    assert doc.core_properties.title == (
        f"Public views: what residents and young people told us ({report.period})")
    assert doc.core_properties.language == "en-GB"
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(
        qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"
    assert doc.paragraphs[0].text == doc.core_properties.title


def test_colours_pass_contrast(document):
    _report, doc, data = document
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    used = {p.style.name for p in doc.paragraphs}
    used |= {p.style.name for t in doc.tables for row in t.rows for cell in row.cells
             for p in cell.paragraphs}
    for name in used:
        color = doc.styles[name].element.find(f"{qn('w:rPr')}/{qn('w:color')}")
        if color is not None:  # no theme colour that would override the contrast we set
            assert color.get(qn("w:themeColor")) is None, name
    colours = set(re.findall(r'<w:color w:val="([0-9A-Fa-f]{6})"', xml))
    for name in used:
        style = doc.styles[name]
        while style is not None:  # the style and those it is based on
            if style.font.color.rgb is not None:
                colours.add(str(style.font.color.rgb))
            style = style.base_style
    assert colours  # headings set near-black explicitly
    for c in colours | {c.lstrip("#") for c in CONTRAST_COLOURS}:
        assert _contrast(c) >= 4.5, c
    # The charts are drawn in those colours.
    from PIL import Image

    shape = doc.inline_shapes[0]
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    image = Image.open(io.BytesIO(doc.part.related_parts[blip.embed].blob)).convert("RGB")
    bar = tuple(int(BAR_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert bar in {px for _n, px in image.getcolors(1 << 20)}
