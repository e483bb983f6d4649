"""The one check every state transition makes against its app's transition table."""

from console.errors import Conflict


def require_transition(table: dict[str, set[str]], obj: object, current: str, target: str) -> None:
    """Raise ``Conflict`` naming the object and both states unless ``current -> target`` is in the table."""
    if target not in table.get(current, set()):
        allowed = ", ".join(sorted(table.get(current, set()))) or "nothing (it is final)"
        raise Conflict(f"{obj} is {current}; it cannot become {target} (from {current} it can become: {allowed}).")
