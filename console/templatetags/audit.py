"""Template helpers for showing audit events."""

from django import template

register = template.Library()

EMPTY = (None, "", [], {})


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


@register.filter
def audit_changes(event) -> list[tuple[str, str | None, str]]:
    """(field, before or None when the field is new, after) for each field an event records."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        if before.get(field) in EMPTY and after.get(field) in EMPTY:
            continue  # nothing to say about a field that is empty on both sides
        rows.append((field, _show(before[field]) if field in before else None, _show(after.get(field))))
    return rows
