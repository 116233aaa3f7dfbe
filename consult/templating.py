"""Rendered GOV.UK Frontend components, kept for re-use.

The GOV.UK Frontend Jinja macros are pure: their HTML depends on the params passed in and on
nothing else (they are imported without the page's context). Rendering them is most of the
CPU a survey page costs (six radio buttons take about 2 ms), yet most pages render exactly
the same components with exactly the same params for every respondent: the header, the
service navigation, the buttons, and a question nobody has answered yet.

``cached(macro, params, when=True)`` (a template global) returns the macro's HTML, rendering
it only the first time the same macro is called with equal params. Use it only where the
params hold nothing a person typed (pass ``when=False`` otherwise): the cache lives as long
as the worker, and answers in free text must not. Only macros from ``govuk_frontend_jinja``
are cached; anything else (or params holding anything but plain data) is rendered each
time, so a mistaken call is slower, never wrong.

``plural(n, "response")`` (a template global, a filter, ``{{ n | plural("theme") }}``, and the
Python function for flash messages and the command line) is the one way to put a number
with its noun: "1 response", "2 responses", "1,200 people" (``plural(n, "person",
"people")``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from markupsafe import Markup

PACKAGE = "govuk_frontend_jinja"


def freeze(value) -> object:
    """A hashable key equal for equal plain data (dicts, lists, text, numbers, None).

    Types are part of the key where equality would hide a difference in output: ``True``
    equals ``1`` and ``Markup("<b>")`` equals ``"<b>"``, but they render differently.
    Raises TypeError for anything else.
    """
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is dict:
        return (dict, *((k, freeze(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind, *(freeze(v) for v in value))
    if kind in (bool, int, float, Markup):
        return (kind, value)
    raise TypeError(f"not plain data: {kind.__name__}")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the noun in the right number: ``1 response``, ``0 responses``,
    ``1,200 people`` (``many`` for an irregular plural; default ``one`` + "s")."""
    number = f"{n:,}" if isinstance(n, int) else str(n)
    return f"{number} {one if n == 1 else (many or one + 's')}"


def add_helpers(env) -> None:
    """Add ``plural`` to a Jinja environment, as a global and as a filter."""
    env.globals["plural"] = plural
    env.filters["plural"] = plural


class ComponentCache:
    """Least-recently-used cache of rendered components, shared by a worker's threads."""

    def __init__(self, maxsize: int = 1024):
        self.maxsize = maxsize
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, macro, params, when: bool = True):
        code = getattr(getattr(macro, "_func", None), "__code__", None)
        if not when or code is None or PACKAGE not in code.co_filename:
            return macro(params)
        try:
            key = (code, getattr(macro, "name", None), freeze(params))
        except TypeError:
            return macro(params)
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        html = macro(params)
        with self._lock:
            self._entries[key] = html
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._entries)
