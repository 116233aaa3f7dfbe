"""The arithmetic behind the figures: intervals, suppression, year-on-year tests, sentences."""

from __future__ import annotations

import pytest

from consult.analysis.public_views.charts import bar_chart_png
from consult.analysis.public_views.figures import (
    GONE,
    GROWING,
    NEW,
    SHRINKING,
    STEADY,
    Respondent,
    closed_question_table,
    compare,
    display_count,
    percent,
    proportion,
    shares_by,
    theme_sentence,
    two_proportion_z_test,
)
from nlp.intervals import wilson_interval


@pytest.mark.parametrize(
    "count,base,low,high",
    [
        # Newcombe (1998), Table I, and hand-worked values.
        (0, 10, 0.0, 0.2775),
        (1, 10, 0.0179, 0.4042),
        (81, 263, 0.2553, 0.3662),
        (180, 1000, 0.1574, 0.2050),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_known_values(count, base, low, high):
    got_low, got_high = wilson_interval(count, base)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_stays_inside_zero_and_one_and_refuses_nonsense():
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(3, 3)
    assert 0 <= low <= high <= 1
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_display_of_a_proportion():
    p = proportion(180, 1000)
    assert p.display_share == "18%"
    assert p.display_interval == "16–21%"
    assert p.display_count == "180"
    assert percent(0.185) == "19%"  # halves round up, as people expect
    assert percent(0.125) == "13%"


@pytest.mark.parametrize("count,shown", [(0, "fewer than 5"), (4, "fewer than 5"), (5, "5")])
def test_counts_under_the_threshold_are_suppressed(count, shown):
    assert display_count(count, 5) == shown


def test_suppression_threshold_is_configurable_and_hides_everything():
    p = proportion(7, 200, threshold=10)
    assert p.suppressed
    assert p.display_count == "fewer than 10"
    assert p.display_share == "" and p.display_interval == ""
    public = p.to_public_dict()
    assert public["count"] is None and public["share"] is None and public["ci_low"] is None
    assert public["display"] == "fewer than 10"
    # A small group is suppressed whole, even when everyone in it raised the theme.
    small = proportion(4, 4)
    assert small.suppressed and small.to_public_dict()["base"] is None
    assert not proportion(5, 400).suppressed


def test_two_proportion_z_test_known_values():
    # 18% of 1000 against 12% of 1000: pooled p 0.15, SE 0.015969, z 3.757, p 0.00017.
    z, p = two_proportion_z_test(180, 1000, 120, 1000)
    assert z == pytest.approx(3.7573, abs=1e-4)
    assert p == pytest.approx(0.000172, abs=2e-6)
    # 15% against 13.3% of 300 each: z 0.585, p 0.558, could well be chance.
    z, p = two_proportion_z_test(45, 300, 40, 300)
    assert z == pytest.approx(0.5854, abs=1e-4)
    assert p == pytest.approx(0.5583, abs=1e-4)
    assert two_proportion_z_test(0, 50, 0, 80) == (0.0, 1.0)


def test_year_on_year_classification():
    this, last = proportion(180, 1000), proportion(120, 1000)
    assert compare(this, last).status == GROWING
    assert compare(last, this).status == SHRINKING
    assert compare(proportion(45, 300), proportion(40, 300)).status == STEADY
    assert compare(this, None).status == NEW
    assert compare(None, last).status == GONE
    change = compare(this, last)
    assert change.difference == pytest.approx(0.06)
    assert change.significant
    public = change.to_public_dict()
    assert public["p_value"] == pytest.approx(0.0002, abs=1e-4)
    # With last year's count suppressed the test result is not published either.
    hidden = compare(proportion(30, 200), proportion(3, 150)).to_public_dict()
    assert hidden["difference"] is None and hidden["p_value"] is None


def test_generated_sentences():
    this, last = proportion(180, 1000), proportion(120, 1000)
    assert (
        theme_sentence("speeding", "residents", this, compare(this, last))
        == "Speeding was raised by 18% of residents (95% CI 16–21%), up from 12% last year."
    )
    assert theme_sentence("speeding", "residents", last, compare(last, this)).endswith(
        "down from 18% last year."
    )
    steady = theme_sentence("Litter", "residents", proportion(45, 300), compare(
        proportion(45, 300), proportion(40, 300)))
    assert "compared with 13% last year (a difference that could be due to chance)" in steady
    assert theme_sentence("Vaping", "young people", this, compare(this, None)).endswith(
        "it was not among the themes last year."
    )
    assert (
        theme_sentence("Hate crime", "young people", proportion(3, 400))
        == "Hate crime was raised by fewer than 5 young people."
    )


def test_shares_by_group_and_closed_question_table():
    people = [
        Respondent(i, "resident", {"district": "Adur" if i < 10 else "Arun"},
                   {"speed"} if i % 2 == 0 else set())
        for i in range(30)
    ]
    people.append(Respondent(99, "pupil", {"district": None}, {"speed"}))
    rows = shares_by(people, "speed", lambda r: r.groups.get("district"))
    assert [g for g, _ in rows] == ["Adur", "Arun", "Not known"]
    adur = dict(rows)["Adur"]
    assert (adur.count, adur.base) == (5, 10)
    assert dict(rows)["Not known"].suppressed

    base, table = closed_question_table(
        [["asb", "drugs"], ["asb"], None, "asb", [], ["drugs"]] + [["asb"]] * 4,
        [("asb", "Anti-social behaviour"), ("drugs", "Drugs"), ("fraud", "Fraud")],
    )
    assert base == 8
    counts = {code: p.count for code, _, p in table}
    assert counts == {"asb": 7, "drugs": 2, "fraud": 0}
    assert table[1][2].display_count == "fewer than 5"


def test_bar_chart_is_a_png_and_draws_no_suppressed_bar():
    png = bar_chart_png(
        [("Speeding", proportion(180, 1000)), ("Hate crime", proportion(2, 1000))], "Themes"
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 2000


def test_holm_keeps_only_what_survives_the_correction():
    from consult.analysis.public_views.figures import holm

    # Sorted 0.01, 0.02, 0.04: 0.01*3 < .05 kept; 0.02*2 < .05 kept; 0.04*1 < .05 kept.
    assert holm([0.04, 0.01, 0.02]) == [True, True, True]
    # 0.03*2 >= .05 stops there: the larger one is not kept either, however small alone.
    assert holm([0.01, 0.03, 0.049]) == [True, False, False]
    assert holm([0.2, 0.5]) == [False, False]
    assert holm([]) == []


def test_group_differences_against_the_rest_of_the_audience():
    from consult.analysis.public_views.figures import group_differences

    groups = [
        ("Adur", proportion(20, 40), proportion(6, 40)),      # 50% against 15%: differs
        ("Worthing", proportion(6, 40), proportion(20, 40)),  # 15% against 50%: differs
        ("Arun", proportion(9, 40), proportion(8, 40)),       # 22% against 20%: does not
        ("Crawley", proportion(3, 10), proportion(1, 70)),    # too few people to test
        ("Horsham", proportion(2, 40), proportion(24, 40)),   # differs but "fewer than 5"
    ]
    found = group_differences(groups, 0.05, min_base=20)
    assert [(d.group, d.higher) for d in found] == [("Adur", True), ("Worthing", False)]
    assert all(d.p_value < 0.01 for d in found)


def test_one_sentence_per_theme_across_audiences():
    from consult.analysis.public_views.figures import compare, figure_fragment, figure_sentence

    residents = proportion(36, 60)
    change = compare(residents, proportion(8, 50))
    young = proportion(7, 40)
    sentence = figure_sentence("speeding", [
        figure_fragment("residents", residents, change, "in 2025"),
        figure_fragment("young people", young, compare(young, None), "in 2025"),
    ])
    assert sentence == (
        "Speeding was raised by 60% of residents (95% CI 47–71%; up from 16% in 2025) and by "
        "18% of young people (95% CI 9–32%; not among the themes in 2025)."
    )
    steady = figure_fragment("residents", proportion(30, 100), compare(
        proportion(30, 100), proportion(25, 100)), "in 2025")
    assert steady == "30% of residents (95% CI 22–40%; 25% in 2025, a difference that could be chance)"
    assert figure_fragment("residents", proportion(3, 100), None, "") == "fewer than 5 residents"
