"""The analyst's workspace: responses browser, theme analysis runs (as jobs), theme review
and curation with an audit trail, figures, and the "public views" exports.

Routes live under ``/analysis`` (analysts and admins). Wire-up: ``init_app(app)`` (from
``consult.blueprints.register_all``) sets default configuration and registers the
blueprint; models are imported by ``consult.schema.import_models``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DEFAULTS = {
    # A callable taking the app and returning an engine adapter (tests pass a fake).
    "ANALYSIS_ENGINE_FACTORY": None,
    # Centroid similarity for keeping curated themes on a re-run and matching last year's.
    "ANALYSIS_MATCH_THRESHOLD": 0.7,
    # The coder is retrained (a job) after every this many checks in "Check answers".
    "ANALYSIS_CODER_EVERY": 10,
    # ... once this many answers are checked (into two themes at least).
    "ANALYSIS_CODER_MIN_DECISIONS": 8,
    "ANALYSIS_SIGNIFICANCE": 0.05,
    "ANALYSIS_CLOSED_QUESTIONS": [
        "safe_day",
        "safe_dark",
        "safety_change",
        "problems",
        "safe_school",
        "safe_journey",
        "safe_area",
        "safe_online",
        "worries",
    ],
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault(
        "ANALYSIS_TAXONOMY", str(Path(app.config["SURVEYS_DIR"]) / "priorities.yaml")
    )
    app.config.setdefault(
        "ANALYSIS_EMBEDDING_CACHE", str(Path(app.instance_path) / "embedding-cache")
    )
    # Each run's vectors, TF-IDF rows and typicality for the coder (``run_features``).
    app.config.setdefault("ANALYSIS_CODER_CACHE", str(Path(app.instance_path) / "coder-cache"))
    from consult import retention
    from consult.analysis import tasks  # noqa: F401  (registers the job handlers)
    from consult.analysis.public_views import cache as report_cache

    # A built report holds approved quotes: once their responses are purged it must go too.
    retention.register_after_purge(report_cache.forget_after_purge)
    from consult.analysis import hooks  # its part in ``consult purge`` (theme history)

    hooks.register()
    from consult.analysis.web import bp

    app.register_blueprint(bp)
    try:
        from consult.auth import add_nav_link
    except ImportError:  # pragma: no cover
        return
    add_nav_link(
        "Analysis",
        "/analysis/",
        ("analyst",),
        "Browse responses, analyse free-text answers into themes, review them and export "
        "the public views section of the strategic assessment.",
    )
