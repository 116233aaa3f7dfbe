"""Built-in job kinds, handy for checking that a queue and its workers work.

``jobs.ping``   reports progress in ``steps`` steps, sleeping ``seconds`` in all; returns
                ``{"pong": true}``. ``fail: true`` makes it raise a JobError instead.
"""

from __future__ import annotations

import time

from consult.jobs.registry import handler
from consult.jobs.runner import JobContext, JobError


@handler("jobs.ping")
def ping(ctx: JobContext, payload: dict) -> dict:
    steps = max(1, int(payload.get("steps", 4)))
    seconds = float(payload.get("seconds", 0.0))
    for i in range(steps):
        ctx.progress(i / steps, f"Step {i + 1} of {steps}")
        if seconds:
            time.sleep(seconds / steps)
    if payload.get("fail"):
        raise JobError(payload.get("message") or "The ping job was asked to fail.")
    return {"pong": True, "steps": steps}
