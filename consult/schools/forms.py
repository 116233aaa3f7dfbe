"""The "open a session" form, validated on the server (the authority). Errors are written
the GOV.UK way ("Enter …", "Select …") and what was typed is kept."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from consult.schools.queries import MAX_SESSION_HOURS

LOCAL_TZ = ZoneInfo("Europe/London")

YEAR_GROUPS = [
    ("year_7", "Year 7"),
    ("year_8", "Year 8"),
    ("year_9", "Year 9"),
    ("year_10", "Year 10"),
    ("year_11", "Year 11"),
    ("year_12", "Year 12"),
    ("year_13", "Year 13"),
    ("mixed", "Mixed years"),
]
YEAR_LABELS = dict(YEAR_GROUPS)
MAX_PUPILS = 300

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def local_now() -> dt.datetime:
    return dt.datetime.now(LOCAL_TZ)


def to_utc_naive(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def to_local(utc_naive: dt.datetime) -> dt.datetime:
    return utc_naive.replace(tzinfo=dt.UTC).astimezone(LOCAL_TZ)


def format_local_time(utc_naive: dt.datetime) -> str:
    """``2:30pm`` (GOV.UK style) for a stored UTC time."""
    local = to_local(utc_naive)
    text = local.strftime("%-I:%M%p").lower()
    return text.replace(":00", "") if text.endswith(":00am") or text.endswith(":00pm") else text


def format_local_datetime(utc_naive: dt.datetime) -> str:
    local = to_local(utc_naive)
    return f"{local.strftime('%-d %B %Y')} at {format_local_time(utc_naive)}"


def parse_time(raw: str) -> dt.time | None:
    """``14:30``, ``14.30``, ``2:30pm``, ``2pm`` -> a time; None when it is not one."""
    match = _TIME.match(raw.strip().lower().replace(" ", ""))
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


def next_end(now: dt.datetime, when: dt.time) -> tuple[dt.datetime | None, str | None]:
    """The first ``when`` after ``now`` (local time): later today, or tomorrow for a session
    that runs past midnight, within ``MAX_SESSION_HOURS``. Else (None, what is wrong)."""
    local = now.astimezone(LOCAL_TZ)
    limit = dt.timedelta(hours=MAX_SESSION_HOURS)

    def after_now(day: dt.date) -> dt.timedelta:  # real time, across a clock change too
        return dt.datetime.combine(day, when, tzinfo=LOCAL_TZ).astimezone(dt.UTC) - local

    day = local.date()
    if after_now(day) <= dt.timedelta(0):
        day += dt.timedelta(days=1)  # the session runs past midnight
        if after_now(day) > limit:
            return None, "End time must be later than now"
    if after_now(day) > limit:
        return None, f"End time must be within {MAX_SESSION_HOURS} hours from now"
    return dt.datetime.combine(day, when, tzinfo=LOCAL_TZ), None


@dataclass
class SessionForm:
    school: str = ""
    year_group: str = ""
    expected_pupils: str = ""
    end_time: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # Clean values, set when valid.
    ends_at: dt.datetime | None = None
    pupils: int | None = None

    @classmethod
    def blank(cls, school: str = "", now: dt.datetime | None = None) -> SessionForm:
        """An empty form suggesting an end an hour from ``now`` (which may be after
        midnight: :meth:`validate` accepts it)."""
        suggested = (now or local_now()).astimezone(LOCAL_TZ) + dt.timedelta(hours=1)
        return cls(school=school, end_time=suggested.strftime("%H:%M"))

    @classmethod
    def from_request(cls, form, fixed_school: str | None) -> SessionForm:
        return cls(
            school=fixed_school if fixed_school else form.get("school", "").strip(),
            year_group=form.get("year_group", ""),
            expected_pupils=form.get("expected_pupils", "").strip(),
            end_time=form.get("end_time", "").strip(),
        )

    def validate(self, now: dt.datetime | None = None) -> bool:
        now = now or local_now()
        errors: dict[str, str] = {}
        if not self.school:
            errors["school"] = "Enter the name of the school"
        elif len(self.school) > 200:
            errors["school"] = "School name must be 200 characters or fewer"
        if not self.year_group:
            errors["year_group"] = "Select the year group"
        elif self.year_group not in YEAR_LABELS:
            errors["year_group"] = "Select a year group from the list"
        if not self.expected_pupils:
            errors["expected_pupils"] = "Enter how many pupils you expect"
        elif not re.fullmatch(r"[0-9]+", self.expected_pupils):
            # Only ASCII digits: str.isdigit() accepts "²" and "①", which int() refuses.
            errors["expected_pupils"] = "Number of pupils must be a whole number, like 28"
        elif len(self.expected_pupils) > 6 or not 1 <= int(self.expected_pupils) <= MAX_PUPILS:
            errors["expected_pupils"] = f"Number of pupils must be between 1 and {MAX_PUPILS}"
        else:
            self.pupils = int(self.expected_pupils)
        if not self.end_time:
            errors["end_time"] = "Enter the time the session ends"
        else:
            when = parse_time(self.end_time)
            if when is None:
                errors["end_time"] = "End time must be a real time, like 14:30 or 2:30pm"
            else:
                ends, problem = next_end(now, when)
                if problem:
                    errors["end_time"] = problem
                else:
                    self.ends_at = to_utc_naive(ends)
        self.errors = errors
        return not errors
