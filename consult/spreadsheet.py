"""CSV that a spreadsheet opens safely: the one home of the formula escape (CSV injection).

Every CSV the service writes goes through :class:`SafeDictWriter`, headers included: a cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading apostrophe, so Excel or LibreOffice show it as text instead of running it
(``=HYPERLINK(...)`` in a question label, an option or an answer)."""

from __future__ import annotations

import csv

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` with a leading apostrophe if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` that escapes every cell it writes, the header row too."""

    def writeheader(self):
        return self.writer.writerow([safe_cell(name) for name in self.fieldnames])

    def writerow(self, rowdict):
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)
