"""The analysis package's jobs, registered by importing this module (``consult.jobs``'s
registry names it; ``init_app`` imports it too). Each job lives with what it works on:

- ``analysis.run``    a whole run                      ``run_job``
- ``analysis.code``   the coder retrained              ``coding.job``
- ``analysis.split``  a theme's split previewed        ``review.split``
- ``analysis.report`` the public views' figures built  below (``report_cache.build_job``)

Callers send each through its module's function (``run_job.start``, ``coding.job.request``,
``review.split.request``), never by the kind's name.
"""

from __future__ import annotations

from consult.analysis import run_job  # noqa: F401  (registers its handler)
from consult.analysis.coding import job as coding_job  # noqa: F401  (registers its handler)
from consult.analysis.review import split  # noqa: F401  (registers its handler)
from consult.jobs import JobContext, handler


@handler("analysis.report")
def build_report_figures(ctx: JobContext, payload: dict) -> dict:
    """Build the public views' figures and charts after a change, so the first view of the
    report after it finds them ready (see ``report_cache``)."""
    from consult.analysis.public_views import cache as report_cache

    return report_cache.build_job(ctx.db, int(payload["run_id"]))
