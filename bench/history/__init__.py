"""The generated history as unsaved model instances with their primary keys set, ready for COPY.

Everything is drawn from one seeded generator, so two runs at the same scale
make the same history (dated relative to the day they run). Keys are given here,
not by the database: the rows reference each other before any is written, and
``bench.generate`` sets the sequences after the load. The measurements are not
here: there are millions of them, and ``bench.measurements`` streams them.
"""

from datetime import datetime

import numpy as np
from django.contrib.auth.models import Group

from bench import shapes
from bench.history import campaigns, milestones, people, quality
from bench.history.base import History, RunShape
from bench.shapes import Plan

__all__ = ["History", "RunShape", "build"]


def build(plan: Plan, now: datetime, groups: dict[str, Group]) -> History:
    """Every row of the history but the measurements."""
    rng = np.random.default_rng(shapes.SEED)
    history = History(now=now)
    users = people.users(history, groups)
    releases = people.releases(history, rng, plan, users)
    committees = people.committees(history, users)
    shaped = campaigns.campaigns(history, rng, plan, users, releases)
    decisions = people.decisions(history, rng, plan, users, committees, shaped, releases)
    metrics = quality.metrics(history, rng, plan)
    campaigns.submissions(history, rng, plan, users, shaped, metrics, decisions)
    quality.specifications(history, rng, metrics, releases)
    milestones.milestones(history, rng, plan, users, shaped, decisions, releases)
    return history
