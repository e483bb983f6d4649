"""Science pipelines releases (the releases issue extends this with backports and support windows)."""

import re

from django.core.exceptions import ValidationError
from django.db import models

from releases.choices import ReleaseStatus

VERSION_PATTERN = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


def validate_version(value: str) -> None:
    if not VERSION_PATTERN.match(value):
        raise ValidationError(f"{value!r} is not a release version like v23.0.1")


class Release(models.Model):
    """A science pipelines release, e.g. v23.0.0, or a patch of one, e.g. v23.0.1."""

    version = models.CharField(max_length=32, unique=True, validators=[validate_version])
    status = models.CharField(max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.CANDIDATE)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version
