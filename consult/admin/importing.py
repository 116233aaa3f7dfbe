"""Importing responses collected elsewhere (paper, another survey tool) from CSV.

Pure functions, no Flask and no database: read the file, suggest which column answers
which question, turn cells into answers and judge every row with the same rules as the
web journey (``surveys.answers``). The caller stores the rows only when there is no error
at all.

Cells of choice questions may hold option codes or option labels (case-insensitive);
checkboxes hold a list separated by ``separator`` (";" by default).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field

from consult.admin.import_text import ImportFileError, decode
from surveys import answers as rules
from surveys.schema import CHOICE_TYPES, Question, SurveyDefinition

DEFAULT_SEPARATOR = ";"
MAX_ROWS = 50_000


@dataclass
class CsvTable:
    headers: list[str]
    # (row number as a spreadsheet shows it: the heading row is row 1, cells)
    rows: list[tuple[int, list[str]]]
    blank_rows: int = 0
    encoding: str = "utf-8"

    def samples(self, header: str, limit: int = 3) -> list[str]:
        i = self.headers.index(header)
        found = []
        for _, cells in self.rows:
            if i < len(cells) and cells[i].strip() and cells[i].strip() not in found:
                found.append(cells[i].strip())
                if len(found) == limit:
                    break
        return found


def read_csv(data: bytes, max_columns: int | None = None) -> CsvTable:
    """The file as a table. ``max_columns``: refuse a heading row longer than this, read
    before anything else (10,000 headings took the mapping page 40 s)."""
    if not data.strip():
        raise ImportFileError("The selected file is empty")
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            "The selected file must be a CSV: in your spreadsheet, choose Save as, then CSV"
        )
    text, encoding = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        first = next(reader, [])
        _check_width(first, max_columns)
        records = [first, *reader]
    except csv.Error as exc:
        raise ImportFileError(f"The selected file could not be read as a CSV: {exc}") from None
    if not records:
        raise ImportFileError("The selected file is empty")
    headers = [h.strip() for h in records[0]]
    while headers and headers[-1] == "":
        headers.pop()
    if not headers:
        raise ImportFileError("The first row of the file must hold the column headings")
    headers = [h or f"(column {i + 1})" for i, h in enumerate(headers)]
    seen: set[str] = set()
    for h in headers:
        if h.lower() in seen:
            raise ImportFileError(
                f"The heading ‘{h}’ appears more than once: give each column its own heading"
            )
        seen.add(h.lower())
    rows: list[tuple[int, list[str]]] = []
    blank = 0
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        rows.append((number, cells))
    if not rows:
        raise ImportFileError("The selected file has headings but no responses")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The selected file must have {MAX_ROWS:,} responses or fewer")
    return CsvTable(headers=headers, rows=rows, blank_rows=blank, encoding=encoding)


def _check_width(headings: list[str], max_columns: int | None) -> None:
    width = len(headings)
    while width and not headings[width - 1].strip():
        width -= 1
    if max_columns is not None and width > max_columns:
        raise ImportFileError(
            f"The selected file has {width:,} columns: an import can have at most "
            f"{max_columns:,}. Keep the columns that answer the survey's questions (and the "
            "date each response was received), then upload it again"
        )


def batch_id(content: bytes, version_key: str) -> str:
    """The same file imported into the same survey version always gets the same batch id,
    so importing it twice is recognised."""
    digest = hashlib.sha256()
    digest.update(version_key.encode())
    digest.update(b"\x00")
    digest.update(content)
    return digest.hexdigest()[:32]


# --- mapping --------------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Mapping:
    """Which CSV column answers each question (None: not in the file), and the separator
    between ticked options in a checkboxes cell."""

    columns: dict[str, str | None]
    separator: str = DEFAULT_SEPARATOR
    # The column holding each response's original submission date (retention counts from
    # it). None: found by its heading (``SUBMITTED_HEADINGS``) if the file has one, unless
    # ``date_chosen`` (someone chose "no date column": every response is dated today).
    submitted_column: str | None = None
    date_chosen: bool = False

    def to_json(self) -> str:
        data = {"columns": self.columns, "separator": self.separator}
        if self.submitted_column:
            data["submitted_at"] = self.submitted_column
        return json.dumps(data, indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ValueError('a mapping is {"columns": {"question_code": "CSV heading"}, ...}')
        return cls(
            columns={str(k): (str(v) if v else None) for k, v in data.get("columns", {}).items()},
            separator=str(data.get("separator") or DEFAULT_SEPARATOR),
            submitted_column=str(data["submitted_at"]) if data.get("submitted_at") else None,
        )


# Headings recognised as the original submission date (our own export says submitted_at).
SUBMITTED_HEADINGS = (
    "submitted_at", "submitted", "date submitted", "submission date", "date received",
    "received", "timestamp", "completed", "date completed", "date",
)
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
)


def submitted_column(headers: list[str], mapping: Mapping) -> str | None:
    if mapping.submitted_column or mapping.date_chosen:
        return mapping.submitted_column
    by_name = {_norm(h): h for h in headers}
    return next((by_name[n] for n in SUBMITTED_HEADINGS if n in by_name), None)


def parse_submitted(cell: str) -> dt.datetime | None:
    """An ISO or UK (day first) date, with or without a time; UTC kept as UTC."""
    text = cell.strip().removesuffix("Z").removesuffix("+00:00").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def suggest_mapping(defn: SurveyDefinition, headers: list[str]) -> Mapping:
    """Pre-fill: a column whose heading is the question's code or label (or, as in our own
    export, ``<code>_label``) answers that question."""
    by_name = {_norm(h): h for h in headers}
    columns: dict[str, str | None] = {}
    for q in defn.questions():
        names = [q.code, q.label, f"{q.code}_label"]
        if q.short_label:
            names.append(q.short_label)
        columns[q.code] = next((by_name[_norm(n)] for n in names if _norm(n) in by_name), None)
    mapping = Mapping(columns=columns)
    mapping.submitted_column = submitted_column(headers, mapping)
    return mapping


def mapping_from_form(defn: SurveyDefinition, form) -> Mapping:
    """The mapping page's choices: ``col-<code>`` per question, ``submitted_at`` (the date
    column; empty: none, dated today) and ``separator``."""
    return Mapping(
        columns={q.code: (form.get(f"col-{q.code}") or None) for q in defn.questions()},
        separator=(form.get("separator") or "").strip(),
        submitted_column=form.get("submitted_at") or None,
        date_chosen=True,
    )


def always_asked(defn: SurveyDefinition) -> list[Question]:
    return [
        q
        for page in defn.pages
        if page.show_if is None
        for q in page.questions
        if q.show_if is None and q.required
    ]


def check_mapping(defn: SurveyDefinition, headers: list[str], mapping: Mapping) -> dict[str, str]:
    """Problems with the mapping itself, by question code ("separator" for the separator)."""
    errors: dict[str, str] = {}
    codes = {q.code for q in defn.questions()}
    used: dict[str, str] = {}
    for code, header in mapping.columns.items():
        if code not in codes:
            errors[code] = f"There is no question with the code ‘{code}’ in this survey"
        elif header is not None and header not in headers:
            errors[code] = f"Select a column in this file: there is no column ‘{header}’"
        elif header is not None and header in used:
            errors[code] = (
                f"Select a different column: ‘{header}’ already answers {used[header]}"
            )
        elif header is not None:
            used[header] = code
    date = mapping.submitted_column
    if date is not None and date not in headers:
        errors["submitted_at"] = f"Select a column in this file: there is no column ‘{date}’"
    elif date is not None and date in used:
        errors["submitted_at"] = f"Select a different column: ‘{date}’ answers {used[date]}"
    for q in always_asked(defn):
        if not mapping.columns.get(q.code) and q.code not in errors:
            errors[q.code] = (
                f"Select the column that answers ‘{q.label}’: every response must answer it"
            )
    if not mapping.separator or mapping.separator.strip() != mapping.separator:
        errors["separator"] = "Enter the character that separates ticked options, like ;"
    elif len(mapping.separator) > 3:
        errors["separator"] = "Enter a separator of 3 characters or fewer"
    return errors


# --- rows -----------------------------------------------------------------------------------
@dataclass
class RowProblem:
    row: int
    question: str  # a question code, or "" for the row as a whole
    problem: str


@dataclass
class ImportReport:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    blank_rows: int = 0
    unused_columns: list[str] = field(default_factory=list)
    # Original submission dates by row number (rows of a file with a date column).
    submitted_at: dict[int, dt.datetime] = field(default_factory=dict)
    submitted_column: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def rows_with_errors(self) -> int:
        return len({p.row for p in self.errors})


def _lookup(q: Question) -> dict[str, str]:
    table: dict[str, str] = {}
    for o in q.options or []:
        table.setdefault(_norm(o.label), o.code)
    for o in q.options or []:
        table[_norm(o.code)] = o.code  # a code wins over a label that looks like another code
    return table


def _not_an_option(q: Question, value: str) -> str:
    return f"‘{value}’ is not an answer to this question: use one of its option codes or labels"


def convert_cell(q: Question, cell: str, separator: str = DEFAULT_SEPARATOR):
    """A cell as the journey would have received it. Returns (value, error); value is None
    for an empty cell."""
    cell = (cell or "").strip()
    if not cell:
        return None, None
    if q.type not in CHOICE_TYPES:
        return cell, None
    table = _lookup(q)
    if q.type == "checkboxes":
        parts = [p.strip() for p in cell.split(separator)]
        codes = []
        for part in parts:
            if not part:
                continue
            code = table.get(_norm(part))
            if code is None:
                return None, _not_an_option(q, part)
            codes.append(code)
        return (codes or None), None
    code = table.get(_norm(cell))
    if code is None:
        return None, _not_an_option(q, cell)
    return code, None


def validate_rows(defn: SurveyDefinition, table: CsvTable, mapping: Mapping) -> ImportReport:
    """Judge every row as the web journey judges a submission. Nothing is stored here."""
    report = ImportReport(blank_rows=table.blank_rows)
    mapped = {code: h for code, h in mapping.columns.items() if h}
    index = {h: i for i, h in enumerate(table.headers)}
    date_column = submitted_column(table.headers, mapping)
    if date_column is not None and date_column not in index:
        report.errors.append(
            RowProblem(1, "", f"Select a date column in this file: there is no ‘{date_column}’")
        )
        return report
    report.submitted_column = date_column
    report.unused_columns = [
        h for h in table.headers if h not in set(mapped.values()) and h != date_column
    ]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    questions = {q.code: q for q in defn.questions()}
    for number, cells in table.rows:
        if len(cells) > len(table.headers) and any(c.strip() for c in cells[len(table.headers):]):
            report.errors.append(
                RowProblem(number, "", "This row has more cells than there are column headings")
            )
            continue
        raw: dict = {}
        problems: dict[str, str] = {}
        if date_column is not None:
            i = index[date_column]
            cell = (cells[i] if i < len(cells) else "").strip()
            when = parse_submitted(cell) if cell else None
            if when is None:
                report.errors.append(RowProblem(
                    number, date_column,
                    f"Enter the date this response was submitted, like 2026-03-31 or "
                    f"31/03/2026 (found ‘{cell[:40]}’)" if cell else
                    "Enter the date this response was submitted, like 2026-03-31",
                ))
                continue
            if when > now:
                report.errors.append(RowProblem(
                    number, date_column, "The date this response was submitted is in the future"
                ))
                continue
            report.submitted_at[number] = when
        for code, header in mapped.items():
            q = questions.get(code)
            if q is None:
                continue
            i = index[header]
            cell = cells[i] if i < len(cells) else ""
            value, error = convert_cell(q, cell, mapping.separator)
            if error:
                problems[code] = error
            elif value is not None:
                raw[code] = value
        shown = rules.prune(defn, raw)
        for code, message in rules.validate_all(defn, shown).items():
            problems.setdefault(code, message)
        if problems:
            for q in defn.questions():
                if q.code in problems:
                    report.errors.append(RowProblem(number, q.code, problems[q.code]))
            continue
        for q in defn.questions():
            if q.code in raw and q.code not in shown:
                report.warnings.append(
                    RowProblem(
                        number,
                        q.code,
                        "Answer left out: this question is not asked after the earlier "
                        "answers in this row",
                    )
                )
        clean = {}
        for code, value in shown.items():
            cleaned, _ = rules.validate_value(questions[code], value)
            if cleaned not in (None, "", []):
                clean[code] = cleaned
        report.rows.append((number, clean))
    return report
