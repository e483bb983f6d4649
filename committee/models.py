"""Committees and their seats (the governance issue adds decisions, votes and delegates)."""

from django.conf import settings
from django.db import models

from committee.choices import CommitteeKind


class Committee(models.Model):
    """A body that decides: the policy committee, the change control board, the leadership team."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    kind = models.CharField(max_length=20, choices=CommitteeKind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """One seat of a committee (for the policy committee: one per area), held by a member or vacant."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="seats")
    area = models.CharField(max_length=100)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )

    class Meta:
        ordering = ["committee", "area"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "area"], name="seat_one_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.committee}: {self.area}"
