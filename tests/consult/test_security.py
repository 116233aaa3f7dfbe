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
