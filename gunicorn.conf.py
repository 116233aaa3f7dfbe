"""Gunicorn settings for `make serve` (and the load benchmark).

Each worker loads the safeguarding screener's embedding model before it takes requests,
so no pupil's submission waits for a model to load; torch uses one thread per worker so
several workers on a small machine do not fight over the cores. Each worker also compiles
every template before its first request (about 2 s of CPU on a 2-core machine), rather
than during the first visitors' pages.
"""

timeout = 60
# Longer than a client's idle gap between pages: a connection closed by the server just as
# a client reuses it is reset, and a POST on it is not retried.
keepalive = 75
graceful_timeout = 30
accesslog = None  # the privacy notice says IP addresses are not stored: no access log


def on_starting(server):
    """More than one worker with in-memory rate limits: say so loudly, or refuse
    (CONSULT_REQUIRE_SHARED_LIMITS=1)."""
    import os
    from pathlib import Path

    from consult import log_privacy
    from consult.config import PER_WORKER_WARNING, rate_limit_storage

    # Nor in the error log ("Invalid request from ip=..."): addresses become "[address]".
    log_privacy.install("gunicorn.error")

    workers = int(server.cfg.workers)
    instance = os.environ.get(
        "CONSULT_INSTANCE_PATH", str(Path(__file__).resolve().parent / "instance")
    )
    if workers > 1 and rate_limit_storage(instance).startswith("memory://"):
        message = PER_WORKER_WARNING.format(workers=workers, tenfold=10 * workers)
        server.log.warning(message)
        if os.environ.get("CONSULT_REQUIRE_SHARED_LIMITS", "").lower() in ("1", "true", "yes"):
            raise SystemExit("Refusing to start: set REDIS_URL or run one worker.")


def post_worker_init(worker):
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # the NLP extra is optional
        pass
    from consult.safeguarding.screening import warm_now

    warm_now(worker.wsgi)
    compile_templates(worker.wsgi)


def compile_templates(app):
    env = app.jinja_env
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
