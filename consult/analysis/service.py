"""The analysis actions in one import, for scripts and tests that want all of them (the
package's own modules import from the module that owns each).

The code lives in packages named for what they own:

- ``runs/``    a run: ``start`` (choices validated, answers read, reportable only),
  ``results`` (the engine's output stored, sizes recounted, answers read back), ``engine``
  (the adapter to ``nlp.themes``), ``frames`` (starting from a code frame or last year's
  run); ``run_settings`` (the run's settings, typed) and ``run_job`` (the analysis job, which
  uses ``runs``, ``review`` and ``coding``) sit beside it
- ``review/``  the analyst's review: ``decisions`` (stored, and the history), ``curation``
  (actions on themes and answers), ``quotes``, ``split``, ``carry_over`` (a re-run applying
  every earlier decision again)
- ``coding/``  the coder: ``training`` (trained, answers re-assigned), ``features`` (what it
  reads about a run's answers, kept on disk), ``check_queue`` ("Check answers" and its
  agreement estimate), ``retrain`` (when it learns again), ``job`` (the coding job)
- ``web/``     the pages, one blueprint; ``queries``, ``responses`` the shared reads
"""

from __future__ import annotations

from consult.analysis.errors import AnalysisError
from consult.analysis.review.carry_over import apply_decisions, carry_over
from consult.analysis.review.curation import (
    confirm,
    link_priority,
    merge_themes,
    move_answers,
    rename,
    set_not_relevant,
)
from consult.analysis.review.decisions import event, scope_of
from consult.analysis.review.quotes import add_quote, approve_quote, edit_quote, withdraw_quote
from consult.analysis.review.split import apply_split, split_inputs, split_proposal
from consult.analysis.run_job import complete_run
from consult.analysis.runs.results import clear_results, recount, store_result
from consult.analysis.runs.start import (
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
