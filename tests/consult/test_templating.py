"""Rendered GOV.UK components are re-used only where that changes nothing a person sees, and
nothing a person typed is kept in the cache."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from consult.templating import ComponentCache, freeze
from tests.consult.helpers import RESIDENT_ANSWERS, start

TYPED = {
    "area": {"district": "crawley", "postcode_district": "RH10 1AA"},
    "problems": {"problems": ["asb", "other"], "problems_other": "Fly-tipping by the old mill"},
    "worries": {"worry_text": "Quad bikes on the towpath every night"},
    "priorities": {"priority_text": "A warden at the recreation ground"},
}


def _journey_pages(client) -> list[str]:
    """Every page of a journey: fresh, answered (with typed text), changed, and with errors."""
    seen = []
    answers = {**RESIDENT_ANSWERS, **TYPED}
    location = start(client)
    for _ in range(30):
        if location.endswith("/check"):
            break
        seen.append(client.get(location).get_data(as_text=True))
        page_id = location.split("/page/")[1]
        if page_id == "worries":  # an error that shows the typed text back
            too_long = {"worry_text": "Quad bikes on the towpath " + "x" * 1300}
            seen.append(client.post(location, data=too_long).get_data(as_text=True))
        location = client.post(location, data=answers.get(page_id, {})).location
        seen.append(client.get(location).get_data(as_text=True))
    seen.append(client.get("/survey/residents/page/problems?change=1").get_data(as_text=True))
    seen.append(client.get("/survey/residents/check").get_data(as_text=True))
    return seen


def _normalised(html: str) -> str:
    html = re.sub(r'value="[^"]{40,}"', 'value="TOKEN"', html)  # CSRF and submission tokens
    html = re.sub(r'data-csrf="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_typed_answers_are_never_kept_in_the_component_cache(app, client):
    pages = _journey_pages(client)
    assert any("Fly-tipping by the old mill" in p for p in pages)  # shown back to the person
    cache = app.jinja_env.globals["cached"]
    assert len(cache) > 0
    kept = "".join(str(html) for html in cache._entries.values())
    for typed in ("Fly-tipping", "Quad bikes", "A warden", "RH10"):
        assert typed not in kept


def test_pages_are_the_same_with_and_without_the_cache(make_app):
    cached_app = make_app()
    uncached_app = make_app()
    uncached_app.jinja_env.globals["cached"] = ComponentCache(maxsize=0)
    # Twice with the cache: the second journey is served from it.
    _journey_pages(cached_app.test_client())
    with_cache = _journey_pages(cached_app.test_client())
    without = _journey_pages(uncached_app.test_client())
    assert len(uncached_app.jinja_env.globals["cached"]) == 0
    assert [_normalised(p) for p in with_cache] == [_normalised(p) for p in without]


def test_only_govuk_components_with_plain_params_are_cached(app):
    cache = ComponentCache()
    with app.test_request_context("/"):
        own = app.jinja_env.from_string("{% macro m(p) %}<p>{{ p.text }}</p>{% endmacro %}").module
        assert cache(own.m, {"text": "a"}) == Markup("<p>a</p>")
        assert len(cache) == 0
        button = app.jinja_env.get_template(
            "govuk_frontend_jinja/components/button/macro.html"
        ).module.govukButton
        first = cache(button, {"text": "Send answers"})
        assert len(cache) == 1
        assert cache(button, {"text": "Send answers"}) is first
        assert cache(button, {"text": "Send answers"}, when=False) == first
        assert cache(button, {"text": object()}) is not None  # rendered, not cached
        assert len(cache) == 1


def _radios(checked: str) -> dict:
    """Params as a page builds them afresh for every request: new objects each time."""
    return {
        "name": "safe_day",
        "items": [{"value": v, "text": v.replace("_", " "), "checked": v == checked}
                  for v in ("very_safe", "fairly_safe", "fairly_unsafe")],
        "hint": None,
        "fieldset": {"legend": {"text": "How safe do you feel?", "isPageHeading": True}},
    }


def test_freeze_gives_equal_params_one_key_and_tells_apart_what_renders_differently():
    first, again = _radios("fairly_safe"), _radios("fairly_safe")
    assert first is not again
    cache = {freeze(first): "rendered"}
    assert cache.get(freeze(again)) == "rendered"  # the same page's params: a hit
    assert freeze(_radios("very_safe")) not in cache  # another answer checked: a miss
    assert freeze({"a": True}) != freeze({"a": 1})
    assert freeze({"html": Markup("<b>")}) != freeze({"html": "<b>"})
    for unplain in ({"text": object()}, {"values": {"a", "b"}}):
        with pytest.raises(TypeError):
            freeze(unplain)
