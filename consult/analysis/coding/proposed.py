"""New themes the coder proposes, and the analyst's answer to each: Accept, Merge into,
Dismiss.

A retrain never makes a theme. It clusters the answers in no theme afresh (the arithmetic
is ``nlp.proposals``') and keeps what it finds in the run's settings (``proposals``): "12
answers look like a new theme: 'Fly-tipping'". The set of themes changes only when the
analyst accepts one (a theme made with a name no other theme has, recorded as the
analyst's ``new_theme`` decision) or merges one into a theme; its answers that are still in
no theme join it. Each retrain proposes afresh from the answers then in no theme.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consult.analysis import queries, run_settings
from consult.analysis.coding import features as run_features
from consult.analysis.errors import AnalysisError
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Theme, ThemeAssignment
from consult.analysis.review import decisions as store
from consult.analysis.review.curation import new_theme, require_active
from consult.analysis.review.decisions import event, record
from consult.analysis.runs.results import recount_run
from consult.models import User
from nlp import proposals


def propose(db: Session, run: AnalysisRun, engine, feats: run_features.RunFeatures,
            pool: list[AnalysedAnswer]) -> int:
    """A fresh clustering of the answers in no theme (``pool``): its themes kept as the
    run's proposals (which answers, and how many are clustered: ``nlp.proposals``)."""
    found, by_id = [], {}
    if len(pool) >= proposals.MIN_POOL:
        sample = proposals.sample_rows(len(pool))
        result = engine.split([pool[k].redacted_text for k in sample],
                              ids=[pool[k].id for k in sample])
        at = {a.id: k for k, a in enumerate(pool)}
        found = proposals.proposals(
            feats.vectors[feats.rows([a.id for a in pool])], sample,
            [(at[int(a.id)], None if a.theme_id is None else int(a.theme_id), a.score)
             for a in result.assignments if int(a.id) in at],
            [int(t.id) for t in result.themes])
        by_id = {int(t.id): t for t in result.themes}
    taken = [t.label for t in queries.themes(db, run.id)]
    kept = []
    for n, (tid, members) in enumerate(found, start=1):
        t = by_id[tid]
        label = proposals.unique_label(str(t.label), taken)
        taken.append(label)
        kept.append({"id": n, "label": label,
                     "keywords": [str(k) for k in (t.keywords or [])][:12],
                     "answers": [pool[k].id for k, _score in members]})
    run_settings.update(run, proposals=kept)
    return len(kept)


def listed(db: Session, run: AnalysisRun) -> list[dict]:
    """The run's proposals, each with its answers still in no theme (``waiting``: how many;
    ``examples``: a few of their texts). Proposals none of whose answers wait are left out."""
    out = []
    for p in (run_settings.read(run).proposals or []):
        waiting = _waiting(db, run, p["answers"])
        if waiting:
            out.append({**p, "waiting": len(waiting),
                        "examples": [a.redacted_text for a in waiting[:3]]})
    return out


def _find(run: AnalysisRun, proposal_id: int) -> dict:
    for p in (run_settings.read(run).proposals or []):
        if int(p["id"]) == int(proposal_id):
            return p
    raise AnalysisError("That proposal is no longer open: the suggestions were updated")


def _waiting(db: Session, run: AnalysisRun, ids: list[int]) -> list[AnalysedAnswer]:
    """The proposal's answers that are still in no theme and not labelled by the analyst."""
    if not ids:
        return []
    placed = select(ThemeAssignment.answer_id).where(ThemeAssignment.run_id == run.id)
    labels = store.answer_labels(store.for_run(db, run))
    rows = db.scalars(select(AnalysedAnswer).where(
        AnalysedAnswer.run_id == run.id, AnalysedAnswer.id.in_(ids),
        AnalysedAnswer.id.not_in(placed),
        AnalysedAnswer.response_id.in_(queries.reportable_ids())).order_by(AnalysedAnswer.id))
    return [a for a in rows if (a.response_id, a.question_code) not in labels]


def _close(run: AnalysisRun, proposal_id: int) -> None:
    left = [p for p in (run_settings.read(run).proposals or []) if int(p["id"]) != int(proposal_id)]
    run_settings.update(run, proposals=left)


def _join(db: Session, run: AnalysisRun, theme: Theme, answers: list[AnalysedAnswer]) -> None:
    values = [{"run_id": run.id, "answer_id": a.id, "response_id": a.response_id,
               "question_code": a.question_code, "theme_id": theme.id, "score": 0.0,
               "is_main": True, "manual": False} for a in answers]
    if values:
        db.execute(insert(ThemeAssignment.__table__), values)


def accept(db: Session, run: AnalysisRun, proposal_id: int, user: User | None,
           label: str | None = None) -> Theme:
    """The proposal becomes a theme (named apart from every other theme of the run) with
    its answers still in no theme: the analyst's decision."""
    p = _find(run, proposal_id)
    waiting = _waiting(db, run, p["answers"])
    taken = [t.label for t in queries.themes(db, run.id)]
    name = proposals.unique_label(label or p["label"], taken)
    theme = new_theme(db, run, name)
    theme.origin, theme.keywords, theme.emerging = "coder", list(p.get("keywords") or []), True
    record(db, run, "new_theme", user, theme=theme, value={"via": "proposal"})
    event(db, run, theme, user, "accept_proposal",
          f"Accepted the proposed theme ‘{theme.label}’ ({len(waiting)} answers)",
          {"answers": [a.id for a in waiting]})
    _join(db, run, theme, waiting)
    _close(run, proposal_id)
    recount_run(db, run)
    return theme


def merge(db: Session, run: AnalysisRun, proposal_id: int, target: Theme,
          user: User | None) -> int:
    """The proposal's answers still in no theme join an existing theme."""
    require_active(target)
    p = _find(run, proposal_id)
    waiting = _waiting(db, run, p["answers"])
    event(db, run, target, user, "merge_proposal",
          f"Put the {len(waiting)} answers of the proposed theme ‘{p['label']}’ in "
          f"‘{target.label}’", {"answers": [a.id for a in waiting]})
    _join(db, run, target, waiting)
    _close(run, proposal_id)
    recount_run(db, run)
    return len(waiting)


def dismiss(db: Session, run: AnalysisRun, proposal_id: int, user: User | None) -> None:
    """The proposal goes; its answers stay in no theme."""
    p = _find(run, proposal_id)
    event(db, run, None, user, "dismiss_proposal",
          f"Dismissed the proposed theme ‘{p['label']}’", {"answers": p["answers"]})
    _close(run, proposal_id)
