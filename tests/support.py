"""Helpers shared by the tests: staff accounts and signing in (test client or real browser).

- ``make_staff(app, role, email=None, ...)``: a staff account, made the way `consult users
  create` makes it; returns its email.
- ``sign_in(client, email, password=PASSWORD, **extra)``: post the staff sign-in form and
  return the response (tests of refused sign-ins look at it).
- ``signed_in_as(app, client, role, email=None, ...)``: a new account of that role, signed in
  on ``client``; returns the account's email.
- ``staff_id(app, email)``: the account's id (for services that take a ``User``).
- ``sign_in_page(page, email, password=PASSWORD)``: the same through the sign-in page in a
  real browser (Playwright).
"""

from __future__ import annotations

PASSWORD = "correct horse battery"
SCHOOL = "Northbrook Academy"  # where school staff work unless a test says otherwise


def make_staff(
    app,
    role: str = "analyst",
    email: str | None = None,
    password: str = PASSWORD,
    school: str | None = None,
    name: str = "",
) -> str:
    """A staff account; school staff belong to ``SCHOOL`` unless ``school`` is given."""
    from consult.auth.accounts import create_user
    from consult.db import get_db

    email = email or f"{role}@example.org"
    if role == "school_staff" and school is None:
        school = SCHOOL
    with app.app_context():
        db = get_db()
        create_user(db, email=email, role=role, password=password, school=school, name=name)
        db.commit()
    return email


def staff_id(app, email: str) -> int:
    from consult.auth.accounts import find_by_email
    from consult.db import get_db

    with app.app_context():
        return find_by_email(get_db(), email).id


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    """The response to the staff sign-in form (302 to the staff pages when it worked)."""
    return client.post("/staff/sign-in", data={"email": email, "password": password, **extra})


def signed_in_as(app, client, role: str = "analyst", email: str | None = None, **account) -> str:
    """A new account of ``role`` (``school``, ``name``, ``password`` as for ``make_staff``),
    signed in on ``client``; returns its email."""
    email = make_staff(app, role, email, **account)
    response = sign_in(client, email, account.get("password", PASSWORD))
    assert response.status_code == 302, response.data[:500]
    return email


def sign_in_page(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the staff sign-in page in a real browser (a fresh context)."""
    page.goto("/staff/sign-in")
    page.locator('[name="email"]').fill(email)
    page.locator('[name="password"]').fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/staff/sign-in" not in page.url, "sign-in failed"
