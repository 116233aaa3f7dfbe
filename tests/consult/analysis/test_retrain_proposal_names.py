"""A proposed theme is never named like a theme the run has: names compared after case,
articles, plurals, spacing and punctuation."""

from __future__ import annotations

from nlp.proposals import name_key, unique_label


def test_names_that_read_the_same_are_the_same_name():
    assert name_key("The Services") == name_key("service") == name_key("  Service. ")
    assert name_key("Waiting times") == name_key("waiting  time")
    assert name_key("Taxes") == name_key("tax") and name_key("Policies") == name_key("Policy")
    assert name_key("The war in Iraq") == name_key("War in iraq")
    assert name_key("Staff") != name_key("Waiting times and hours")


def test_a_taken_name_is_named_apart_and_a_free_one_is_kept():
    taken = ["Service", "Staff", "Waiting times and hours"]
    assert unique_label("Waiting times", taken) == "Waiting times"
    assert unique_label("the services", taken) == "the services (2)"
    assert unique_label("Services", [*taken, "Services (2)"]) == "Services (3)"
    assert unique_label("  ", taken) == "New theme"
