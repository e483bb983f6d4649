"""What every part of the generated history shares: the collection of rows, the runs, dates."""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.contrib.auth.models import User
from django.db import models

from campaigns.choices import SubmissionStatus
from console.models import AuditEvent

TERMINAL_FAILURES = (SubmissionStatus.FAILED, SubmissionStatus.LOST, SubmissionStatus.CANCELLED)


@dataclass
class RunShape:
    """What the measurement stream needs to know of one succeeded run."""

    submission_id: int
    metric_ids: list[int]
    data_id_kind: str
    visit_base: int
    started_at: datetime
    ended_at: datetime
    release_index: int
    weight: float


@dataclass
class History:
    now: datetime
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=lambda: defaultdict(list))
    runs: list[RunShape] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)  # id, name, centre, spread, kind (for the values)
    _ids: dict[type[models.Model], itertools.count] = field(default_factory=dict)

    def add(self, obj: models.Model) -> models.Model:
        if obj.pk is None:
            counter = self._ids.setdefault(type(obj), itertools.count(1))
            obj.pk = next(counter)
        self.rows[type(obj)].append(obj)
        return obj

    def audit(self, when: datetime, actor: User | None, action: str, obj: models.Model, **after) -> None:
        self.add(
            AuditEvent(
                occurred_at=when,
                actor_id=actor.pk if actor else None,
                actor_name=actor.username if actor else "workflow",
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                before=None,
                after=after or None,
                request_id="",
            )
        )


def at_noon(day: date) -> datetime:
    """Midday UTC of a day (the time given to events known only by their date)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
