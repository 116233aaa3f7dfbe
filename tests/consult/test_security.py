"""Security headers, cookies, CSRF, rate limits, proxies and error pages: what a browser
(or an attacker) would see."""

from __future__ import annotations

import re

import pytest

from tests.consult.helpers import complete, token_of


def test_security_headers_on_every_kind_of_page(client):
    for path in ("/", "/survey/residents/", "/privacy", "/no-such-page"):
        response = client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert "form-action 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Referrer-Policy" in headers
        # plain HTTP (development): no HSTS
        assert "Strict-Transport-Security" not in headers, path


def test_inline_script_carries_the_csp_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(rb"<script([^>]*)>", response.data)
    assert scripts, "the page has scripts"
    for attrs in scripts:
        assert b"src=" in attrs or f'nonce="{nonce}"'.encode() in attrs, attrs


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_behind_a_proxy_forwarded_https_is_trusted(make_app):
    app = make_app(PROXY_COUNT=1)
    client = app.test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in response.headers


def test_session_cookie_is_httponly_and_samesite(client):
    client.post("/survey/residents/start")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # development over plain HTTP


def test_consult_https_makes_the_cookie_secure(make_app, monkeypatch):
    monkeypatch.setenv("CONSULT_HTTPS", "1")
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["FORCE_HTTPS"]
    client = app.test_client()
    client.post("/survey/residents/start", base_url="https://localhost")
    cookie = client.get_cookie("session", domain="localhost")
    assert cookie is not None and cookie.secure and cookie.http_only


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def _csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()


def test_missing_csrf_token_gives_a_friendly_page(csrf_client):
    response = csrf_client.post("/survey/residents/start")
    assert response.status_code == 400
    html = response.data.decode()
    assert "Your session has expired or the form was out of date" in html
    assert "Traceback" not in html and "CSRF" not in html
    assert 'class="govuk-heading-l"' in html


def test_wrong_csrf_token_gives_a_friendly_page(csrf_client):
    csrf_client.get("/survey/residents/")
    response = csrf_client.post("/survey/residents/start", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert b"Your session has expired or the form was out of date" in response.data


def test_csrf_token_from_the_page_is_accepted(csrf_client):
    page = csrf_client.get("/survey/residents/")
    response = csrf_client.post(
        "/survey/residents/start", data={"csrf_token": _csrf_token(page.data)}
    )
    assert response.status_code == 302


def test_submissions_are_rate_limited_with_a_friendly_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUBMIT="2 per minute")
    client = app.test_client()
    check = complete(client)
    token = token_of(check.data)
    codes = [
        client.post("/survey/residents/submit", data={"submission_token": token}).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429
    last = client.post("/survey/residents/submit", data={"submission_token": token})
    assert b"Too many requests" in last.data


def test_unexpected_errors_show_no_stack_trace(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    html = response.data.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html


def test_not_found_is_a_friendly_page(client):
    response = client.get("/survey/residents/page/no-such-page")
    assert response.status_code in (302, 404)
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert b"Page not found" in response.data


def _nonce_matches(response) -> bool:
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    inline = [a for a in re.findall(rb"<script([^>]*)>", response.data) if b"src=" not in a]
    return all(f'nonce="{nonce}"'.encode() in a for a in inline)


def test_error_pages_that_stop_a_request_early_still_carry_the_nonce(csrf_client, client):
    # CSRF failure, invalid UTF-8 and an oversize body all stop the request before a view.
    assert _nonce_matches(csrf_client.post("/survey/residents/start"))
    bad = client.post(
        "/survey/residents/start", data=b"x=%FF", content_type="application/x-www-form-urlencoded"
    )
    assert bad.status_code == 400 and _nonce_matches(bad)
    big = client.post("/survey/residents/start", data={"x": "y" * 100_000})
    assert big.status_code == 413 and _nonce_matches(big)


# --- issue 13: trusted host names, rate limits per worker ----------------------------------
def test_untrusted_host_is_refused_and_never_in_an_absolute_url(make_app):
    from tests.consult.schools.test_schools import in_an_hour
    from tests.consult.schools.test_schools import make_staff as make_school_staff
    from tests.support import PASSWORD as SCHOOL_PASSWORD

    app = make_app(TRUSTED_HOSTS=["consult.example.org"])
    client = app.test_client()
    evil = client.get("/", headers={"Host": "evil.example"})
    assert evil.status_code == 400
    assert client.get("/join", headers={"Host": "evil.example"}).status_code == 400
    # Behind a proxy, X-Forwarded-Host is checked the same way.
    proxied = make_app(TRUSTED_HOSTS=["consult.example.org"], PROXY_COUNT=1).test_client()
    assert proxied.get("/", headers={"Host": "consult.example.org",
                                     "X-Forwarded-Host": "evil.example"}).status_code == 400
    staff = app.test_client()
    site = "http://consult.example.org"
    email = make_school_staff(app)
    signed = staff.post("/staff/sign-in", data={"email": email, "password": SCHOOL_PASSWORD},
                        base_url=site)
    assert signed.status_code == 302
    opened = staff.post("/schools/sessions/new", base_url=site, data={
        "year_group": "year_8", "expected_pupils": "28", "end_time": in_an_hour()})
    assert opened.status_code == 302
    html = staff.get(opened.location, base_url=site).data.decode()
    assert "Go to consult.example.org/join and enter this code" in html
    assert "evil.example" not in html
    assert staff.get(opened.location, base_url="http://evil.example").status_code == 400


def test_without_trusted_hosts_only_local_names_and_the_service_url_are_served(make_app):
    """Issue 23, finding 12: with TRUSTED_HOSTS unset, a forged Host put evil.example/join
    (text and QR code) on the projector page."""
    app = make_app()
    assert not app.config.get("TRUSTED_HOSTS")
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/join", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    served = make_app(SERVICE_URL="https://consult.example.org").test_client()
    assert served.get("/", headers={"Host": "consult.example.org"}).status_code == 200
    assert served.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_trusted_hosts_from_the_environment(monkeypatch):
    from consult.config import from_environment

    monkeypatch.setenv("CONSULT_TRUSTED_HOSTS", "consult.example.org, .council.example ")
    config: dict = {}
    from_environment(config)
    assert config["TRUSTED_HOSTS"] == ["consult.example.org", ".council.example"]


def _gunicorn_settings():
    import runpy
    from pathlib import Path

    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))


class _FakeServer:
    def __init__(self, workers):
        from types import SimpleNamespace

        self.cfg = SimpleNamespace(workers=workers)
        self.warnings: list[str] = []
        self.log = SimpleNamespace(warning=self.warnings.append)


def test_several_workers_without_redis_say_so_loudly_or_refuse(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CONSULT_REQUIRE_SHARED_LIMITS", raising=False)
    on_starting = _gunicorn_settings()["on_starting"]
    one = _FakeServer(1)
    on_starting(one)
    assert one.warnings == []
    two = _FakeServer(2)
    on_starting(two)
    [warning] = two.warnings
    assert "counted per" in warning and "sign-in 10/min becomes" in warning and "20/min" in warning
    monkeypatch.setenv("CONSULT_REQUIRE_SHARED_LIMITS", "1")
    with pytest.raises(SystemExit):
        on_starting(_FakeServer(4))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    shared = _FakeServer(4)
    on_starting(shared)
    assert shared.warnings == []
