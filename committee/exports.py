"""The decision register's exports: its columns (the CSV and Markdown writers are ``console.exports``)."""

from django.utils import timezone

from committee.models import Decision

REGISTER_COLUMNS = (
    "ID",
    "Opened",
    "Committee",
    "Kind",
    "Title",
    "Status",
    "Outcome",
    "Closed",
    "Endorsed",
    "Recorded after the fact",
)


def recorded_mark(decision: Decision) -> str:
    """The mark of a decision taken before the console, in the words of its page, the register and its exports
    ("Recorded after the fact by lead on 2025-03-02"); "" for the others."""
    if not decision.recorded_after_the_fact:
        return ""
    by = decision.recorded_by.get_username() if decision.recorded_by else "an unknown user"
    return f"Recorded after the fact by {by} on {timezone.localdate(decision.recorded_at):%Y-%m-%d}"
