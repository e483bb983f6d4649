"""The dates of what happened before the console, recorded after the fact (a decision taken at a past meeting, a
release approved last year): each is checked the same way wherever it is recorded."""

from datetime import date

# The earliest day the console records history for: years before the science pipelines' releases and committees.
# An earlier date is a typing error (2201 for 2021, 1021...), not history.
EARLIEST_HISTORY_DATE = date(2000, 1, 1)


def past_date_problem(label: str, day: date, *, today: date) -> str | None:
    """Why a day of recorded history is refused, naming it as ``label`` ("the approval date"), or None: it must lie
    between ``EARLIEST_HISTORY_DATE`` and today."""
    if day > today:
        return f"{label.capitalize()} {day:%Y-%m-%d} is in the future; history ends today ({today:%Y-%m-%d})."
    if day < EARLIEST_HISTORY_DATE:
        return (
            f"{label.capitalize()} {day:%Y-%m-%d} is before {EARLIEST_HISTORY_DATE:%Y-%m-%d}, the earliest day the "
            "console records history for."
        )
    return None
