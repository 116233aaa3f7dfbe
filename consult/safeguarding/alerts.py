"""Emails that tell safeguarding leads a pupil's answer is waiting, and escalation.

- A new flag emails the school's safeguarding leads and the partnership's role (partnership-
  wide leads, plus ``SAFEGUARDING_PARTNERSHIP_EMAIL``), as a job ("safeguarding.alerts")
  started as soon as the flag is committed: within seconds, never inside the pupil's
  request. Every flag is alerted, whatever the screener's confidence.
- ``consult safeguarding escalate`` (cron, every minute) sends any alert still unsent (the
  mail server was away) and emails the partnership's role about items still unreviewed
  ``SAFEGUARDING_ESCALATE_AFTER_MINUTES`` after they arrived.

Sending (with the Date and Message-ID headers) is ``consult.mail``'s, as for every email.
An email holds no answer text: only the school, the category and a link to the item.
Nothing is sent when ``MAIL_SERVER`` is not set (flags still reach the queue).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from flask import Flask, after_this_request, has_request_context, request
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from consult import mail
from consult.jobs.registry import handler
from consult.mail import enabled, send_mail
from consult.models import User, utcnow
from consult.safeguarding.models import SafeguardingFlag

log = logging.getLogger(__name__)

JOB_KIND = "safeguarding.alerts"
DEFAULTS = {
    **mail.DEFAULTS,
    # Where links in emails point (e.g. https://consult.example.org); else the address the
    # flag's request came in on.
    "SERVICE_URL": "",
    "SAFEGUARDING_PARTNERSHIP_EMAIL": "",
    "SAFEGUARDING_ESCALATE_AFTER_MINUTES": 60,
}


def setting(key: str, app: Flask | None = None):
    return mail.setting(key, app, DEFAULTS)


def _partnership(db: Session) -> list[str]:
    leads = db.scalars(
        select(User.email).where(
            User.role == "safeguarding_lead", or_(User.school.is_(None), User.school == "")
        )
    )
    extra = [a.strip() for a in str(setting("SAFEGUARDING_PARTNERSHIP_EMAIL")).split(",")]
    return sorted({*leads, *(a for a in extra if a)})


def _school_leads(db: Session, school: str) -> list[str]:
    if not school:
        return []
    leads = select(User.email).where(User.role == "safeguarding_lead", User.school == school)
    return sorted(db.scalars(leads))


def _link(flag: SafeguardingFlag, base_url: str) -> str:
    base = (setting("SERVICE_URL") or base_url or "http://localhost").rstrip("/")
    return f"{base}/safeguarding/flags/{flag.id}"


def _body(flags: list[SafeguardingFlag], base_url: str, escalation: bool) -> tuple[str, str]:
    from consult.safeguarding.queries import reason_label

    first = flags[0]
    school = first.school or "an unknown school"
    reasons = []
    for flag in flags:
        reasons += [reason_label(r) for r in flag.reasons if reason_label(r) not in reasons]
    if escalation:
        subject = f"Safeguarding: a pupil's answer from {school} is still not reviewed"
        opening = (
            f"A pupil's answer from {school} that may disclose harm has not been reviewed "
            f"since it arrived at {first.created_at:%H:%M} UTC on {first.created_at:%d %B %Y}."
        )
    else:
        subject = f"Safeguarding: a pupil's answer from {school} to review"
        opening = f"A pupil's answer from {school} may disclose harm."
    body = (
        f"{opening}\n\n"
        f"Why it was flagged: {', '.join(reasons) or 'not given'}\n\n"
        f"Review it (sign in needed): {_link(first, base_url)}\n\n"
        "This email does not contain the pupil's words. Please do not forward it.\n"
    )
    return subject, body


def _items(db: Session, where) -> dict[str, list[SafeguardingFlag]]:
    items: dict[str, list[SafeguardingFlag]] = {}
    for flag in db.scalars(select(SafeguardingFlag).where(*where).order_by(SafeguardingFlag.id)):
        items.setdefault(flag.item_key, []).append(flag)
    return items


def send_pending(db: Session, base_url: str = "") -> int:
    """Email about every flag not yet alerted, one email per pupil's item. Each item is
    claimed before sending (several workers never send one twice) and released if the mail
    server fails, for the next run. Returns the number of emails sent."""
    sent = 0
    for key, flags in _items(db, [SafeguardingFlag.alerted_at.is_(None)]).items():
        now = utcnow()
        ids = [f.id for f in flags]
        claimed = db.execute(
            update(SafeguardingFlag)
            .where(SafeguardingFlag.id.in_(ids), SafeguardingFlag.alerted_at.is_(None))
            .values(alerted_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.commit()
        if not claimed:
            continue
        to = sorted({*_school_leads(db, flags[0].school), *_partnership(db)})
        if not to:
            log.warning("safeguarding item %s: nobody to email (no leads set up)", key)
            continue
        subject, body = _body(flags, base_url, escalation=False)
        try:
            send_mail(to, subject, body)
            sent += 1
        except (OSError, smtplib.SMTPException):
            log.exception("could not email the alert for safeguarding item %s", key)
            db.execute(
                update(SafeguardingFlag)
                .where(SafeguardingFlag.id.in_(ids))
                .values(alerted_at=None)
                .execution_options(synchronize_session=False)
            )
            db.commit()
    return sent


def escalate(db: Session, now: dt.datetime | None = None, base_url: str = "") -> int:
    """Email the partnership's role about every item still open after the configured time
    (once per item). Returns the number of items escalated."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=float(setting("SAFEGUARDING_ESCALATE_AFTER_MINUTES")))
    due = _items(
        db,
        [
            SafeguardingFlag.status == "open",
            SafeguardingFlag.escalated_at.is_(None),
            SafeguardingFlag.created_at <= cutoff,
        ],
    )
    to = _partnership(db)
    done = 0
    for key, flags in due.items():
        if not to:
            log.warning("safeguarding item %s is overdue and no partnership role is set", key)
            break
        subject, body = _body(flags, base_url, escalation=True)
        try:
            send_mail(to, subject, body)
        except (OSError, smtplib.SMTPException):
            log.exception("could not email the escalation for safeguarding item %s", key)
            break
        for flag in flags:
            flag.escalated_at = now
        db.commit()
        done += 1
    return done


@handler(JOB_KIND)
def alerts_job(ctx, payload: dict) -> dict:
    return {"sent": send_pending(ctx.db, payload.get("base_url", ""))}


# --- starting the job ----------------------------------------------------------------------
def send_soon() -> None:
    """Start the alerts job now (the caller has committed the flags). Never raises: the
    flags are in the queue whatever happens, and the escalate command retries."""
    if not enabled():
        return
    from consult.jobs.queue import enqueue

    base_url = request.host_url if has_request_context() else ""
    try:
        enqueue(JOB_KIND, {"base_url": base_url})
    except Exception:  # noqa: BLE001
        log.exception("could not start the safeguarding alerts job")


def after_commit() -> None:
    """Start the alerts job once this request's transaction has been committed."""
    if not enabled():
        return
    if not has_request_context():
        return  # a CLI caller: ``consult safeguarding escalate`` sends what is pending

    @after_this_request
    def _send(response):
        send_soon()
        return response
