"""Events: how a lower app lets a higher one react without importing it.

A lower app declares its events (``campaigns/events.py``) and publishes them from its services, inside the
transaction of the change; a higher app subscribes in its ``AppConfig.ready``. Handlers run at once, in that
transaction, in the order they subscribed: a handler that writes rows writes them with the change (or not at
all), and one with an external effect schedules it with ``console.tasks.enqueue_on_commit``. Unlike Django's
signals an event names its payload, and a handler that raises fails the change that published it.
"""

from collections.abc import Callable
from typing import Any


class Event:
    """Something that happened in the app that declares it, with the keyword arguments its handlers receive."""

    def __init__(self, name: str, *, payload: tuple[str, ...]) -> None:
        self.name = name
        self.payload = payload
        self._handlers: list[Callable[..., Any]] = []

    def __repr__(self) -> str:
        return f"Event({self.name!r})"

    def subscribe(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Call ``handler(**payload)`` on each publication (once, however often ``ready`` runs)."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def publish(self, **payload: Any) -> None:
        if set(payload) != set(self.payload):
            raise TypeError(f"{self.name} carries {', '.join(self.payload)}; got {', '.join(sorted(payload))}")
        for handler in self._handlers:
            handler(**payload)
