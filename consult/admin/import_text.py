"""A CSV file's bytes as text: UTF-8, or Windows-1252 for a file with no UTF-8 in it, and
a message naming the row and byte when a UTF-8 file has one bad byte (for ``importing``)."""

from __future__ import annotations

import csv
import io
import re


class ImportFileError(ValueError):
    """The file cannot be read as a CSV with a heading row."""


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> ImportFileError:
    """Say where the first byte that is not UTF-8 is: row (as a spreadsheet numbers
    them, counting line breaks inside quoted cells as the row they are in) and byte."""
    before = data[: error.start]
    try:
        text_before = before.decode("utf-8-sig")
        row = sum(1 for _ in csv.reader(io.StringIO(text_before, newline=""))) or 1
        if text_before.endswith(("\n", "\r")):
            row += 1
    except (csv.Error, UnicodeDecodeError):
        row = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    column = error.start - line_start + 1
    return ImportFileError(
        f"Row {row} of the file is not valid UTF-8 text: byte {error.start + 1} of the file "
        f"(character {column} of its line) is 0x{data[error.start]:02X}. The rest of the "
        "file is UTF-8, so nothing was imported rather than guess. In your spreadsheet, "
        "choose Save as, then ‘CSV UTF-8’, and upload it again"
    )


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8; or, for a file with no UTF-8 at all in it (a spreadsheet saved as "CSV" on
    Windows), Windows-1252. A UTF-8 file with a bad byte somewhere is refused, saying where:
    reading it all as Windows-1252 would turn every "café" into "cafÃ©"."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_error = exc
    looks_utf8 = re.search(rb"[\xc2-\xf4][\x80-\xbf]+", data) is not None and any(
        ord(ch) > 127 and ch != "\ufffd" for ch in data.decode("utf-8", errors="replace")
    )
    if looks_utf8:
        raise _not_utf8(data, first_error)
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D mean nothing there
        raise _not_utf8(data, exc) from None
