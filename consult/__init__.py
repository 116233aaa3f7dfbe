"""consult: the Flask application.

``create_app(test_config=None)`` follows the Flask tutorial: defaults, then
``instance/config.py``, then environment variables, then the test config.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from consult import config as default_config
from consult import db, request_guards
from consult.extensions import CSP, csrf, limiter, talisman
from consult.templating import ComponentCache, add_helpers

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CONSULT_INSTANCE_PATH", str(ROOT / "instance")),
        instance_relative_config=True,
        static_folder="static",
        static_url_path="/assets",
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(default_config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        default_config.from_environment(app.config)
    else:
        default_config.from_environment(app.config)
        app.config.from_mapping(test_config)
    default_config.ensure_secret_key(app.config, app.instance_path)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    # GOV.UK components whose params hold nothing a person typed are rendered once per worker.
    app.jinja_env.globals["cached"] = ComponentCache()
    add_helpers(app.jinja_env)  # plural(n, "response"), {{ n | plural("theme") }}

    db.init_app(app)
    if app.config.get("PROXY_COUNT"):
        # Behind N reverse proxies (TLS terminated there): trust their X-Forwarded-* so
        # HTTPS, HSTS and the rate limits' client address are right. Never more than there are.
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    # Security headers first: its before_request (HTTPS redirect, the CSP nonce) must run
    # before anything that can stop a request early (size limit, CSRF), so error pages
    # get a nonce for their inline script too.
    talisman.init_app(
        app,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=True,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        frame_options="DENY",
    )

    # Body limits, then unreadable text, before CSRF and the views (consult/request_guards.py).
    request_guards.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    from consult import errors, journey, pages, schema

    # Every table in the metadata (the purge follows foreign keys to responses).
    schema.import_models()
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(journey.bp)
    _register_optional_blueprints(app)

    @app.context_processor
    def _globals():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "partnership_name": app.config["PARTNERSHIP_NAME"],
        }

    return app


def _register_optional_blueprints(app: Flask) -> None:
    """Blueprints of the staff side, schools and analysis, each in its own package."""
    from consult.blueprints import register_all

    register_all(app)
