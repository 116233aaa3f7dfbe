"""Job handlers, registered by kind.

A handler is ``fn(ctx: JobContext, payload: dict) -> dict | None``. Feature packages
register theirs at import time with :func:`handler`; a worker process imports the modules
in :data:`HANDLER_MODULES` (and the app's ``JOB_HANDLER_MODULES``) before it runs anything.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

Handler = Callable[..., dict | None]

handlers: dict[str, Handler] = {}

# Modules that register handlers. A feature package with jobs adds its module here.
HANDLER_MODULES: list[str] = ["consult.jobs.builtin", "consult.analysis.tasks"]


def handler(kind: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        handlers[kind] = fn
        return fn

    return decorate


def import_handlers(extra: list[str] | tuple[str, ...] = ()) -> None:
    for name in [*HANDLER_MODULES, *extra]:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def get_handler(kind: str, extra_modules: list[str] | tuple[str, ...] = ()) -> Handler | None:
    if kind not in handlers:
        import_handlers(extra_modules)
    return handlers.get(kind)
