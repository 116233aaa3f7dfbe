"""The analysis API in one import, for callers that want all of it (views, jobs, tests).

The code lives in modules named for what they own:

- ``runs``        starting a run: choices validated, answers read (reportable only)
- ``results``     the engine's output stored, sizes recounted, the run completed
- ``decisions``   where the analyst's decisions are stored (and the history, ``event``)
- ``curation``    the analyst's actions on themes, answers and quotes; splits
- ``carry_over``  a re-run applying every earlier decision again
- ``coding``      where the coder is trained and re-assigns the unreviewed answers
- ``run_features`` what the coder reads about a run's answers, worked out once, kept on disk
- ``queue``       the "Check answers" review queue and its agreement estimate
- ``frames``      starting from a code frame or last year's reviewed run
"""

from __future__ import annotations

from consult.analysis.carry_over import apply_decisions, carry_over
from consult.analysis.curation import (
    add_quote,
    apply_split,
    approve_quote,
    confirm,
    edit_quote,
    link_priority,
    merge_themes,
    move_answers,
    rename,
    set_not_relevant,
    split_inputs,
    split_proposal,
    withdraw_quote,
)
from consult.analysis.decisions import event, scope_of
from consult.analysis.errors import AnalysisError
from consult.analysis.results import clear_results, complete_run, recount, store_result
from consult.analysis.runs import (
    AnswerSet,
    answer_key,
    collect_answers,
    create_run,
    free_text_questions,
    parse_key,
)

__all__ = [
    "AnalysisError",
    "AnswerSet",
    "add_quote",
    "answer_key",
    "apply_decisions",
    "apply_split",
    "approve_quote",
    "carry_over",
    "clear_results",
    "collect_answers",
    "complete_run",
    "confirm",
    "create_run",
    "edit_quote",
    "event",
    "free_text_questions",
    "link_priority",
    "merge_themes",
    "move_answers",
    "parse_key",
    "recount",
    "rename",
    "scope_of",
    "set_not_relevant",
    "split_inputs",
    "split_proposal",
    "store_result",
    "withdraw_quote",
]
