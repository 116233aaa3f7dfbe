"""Free text shown to staff redacted by default: the words residents and pupils wrote about
other people (names, phone numbers, addresses) are personal data of third parties.

The redacted text comes from the latest analysis of the response when there is one (no
work at all), else from the redactor now (nlp.redact, loaded on first use)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.analysis.models import AnalysedAnswer


def redacted_answers(db: Session, response_id: int, texts: dict[str, str],
                     run_id: int | None) -> dict[str, str]:
    """{question code: redacted text} for the free-text answers ``texts`` of a response."""
    stored: dict[str, str] = {}
    if run_id is not None:
        stored = dict(db.execute(
            select(AnalysedAnswer.question_code, AnalysedAnswer.redacted_text).where(
                AnalysedAnswer.run_id == run_id, AnalysedAnswer.response_id == response_id
            )
        ).all())
    out = {}
    for code, text in texts.items():
        if stored.get(code):
            out[code] = stored[code]
            continue
        from nlp.redact import redact

        out[code] = redact(text).text
    return out
