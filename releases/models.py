"""Science pipelines releases, their patches, and the backports that patches ship."""

from datetime import date

from django.conf import settings
from django.db import models

from console.identifiers import (
    RELEASE_VERSION,
    RFC_ID,
    TICKET,
    shown,
    url_for,
    validate_release_version,
    validate_rfc_id,
    validate_ticket,
)
from releases.choices import (
    BACKPORT_STATUS_COLOURS,
    RELEASE_STATUS_COLOURS,
    BackportStatus,
    ReleaseKind,
    ReleaseStatus,
)


def parse_version(value: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a version like v23.0.1, (year, week, 0) of a weekly like w.2021.28; Django's
    ``ValidationError`` for anything else."""
    validate_release_version(value)
    if release_kind_of(value) == ReleaseKind.WEEKLY:
        _, year, week = value.split(".")
        return int(year), int(week), 0
    major, minor, patch = value[1:].split(".")
    return int(major), int(minor), int(patch)


def release_kind_of(version: str) -> str:
    """Weekly for a weekly build's name (w.2021.28), else version."""
    return ReleaseKind.WEEKLY if version.startswith("w.") else ReleaseKind.VERSION


# The name the first migration gives the version field's validator.
validate_version = validate_release_version


class Release(models.Model):
    """A science pipelines release (v23.0.0), a patch of one (v23.0.1, naming v23.0.0 as its base), or a weekly
    build (w.2021.28) that mini runs use and that a release is cut from.

    Ordered releases first, then weeklies, each by number, not by text: v23.0.10 comes after v23.0.9.
    """

    version = models.CharField(
        max_length=RELEASE_VERSION.max_length, unique=True, validators=[validate_release_version]
    )
    kind = models.CharField(max_length=10, choices=ReleaseKind.choices, default=ReleaseKind.VERSION, editable=False)
    major = models.PositiveSmallIntegerField(editable=False)
    minor = models.PositiveSmallIntegerField(editable=False)
    patch = models.PositiveSmallIntegerField(editable=False)
    base_release = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patches",
        help_text="for a patch: the release it patches",
    )
    cut_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases_cut",
        help_text="for a release: the weekly build it was cut from",
    )
    status = models.CharField(max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.CANDIDATE)
    approved_on = models.DateField(null=True, blank=True)
    support_until = models.DateField(null=True, blank=True, help_text="the last day of support")
    withdrawn_on = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the release's approval or support end was recorded after the fact (history from before the
    # console): by whom and when. Its dates are then the real, past ones.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-major", "-minor", "-patch"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(base_release=models.F("id")), name="release_not_its_own_base"),
            models.CheckConstraint(condition=~models.Q(cut_from=models.F("id")), name="release_not_cut_from_itself"),
        ]

    def __str__(self) -> str:
        return shown(self.version)

    def save(self, *args, **kwargs):
        self.major, self.minor, self.patch = parse_version(self.version)
        self.kind = release_kind_of(self.version)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # "" for a version stored before versions were checked: the pages show it without a link.
        return url_for("releases:release-detail", RELEASE_VERSION, version=self.version)

    @property
    def is_weekly(self) -> bool:
        return self.kind == ReleaseKind.WEEKLY

    @property
    def recorded_after_the_fact(self) -> bool:
        return self.recorded_at is not None

    @property
    def is_patch(self) -> bool:
        return self.base_release_id is not None

    @property
    def family_root_id(self) -> int:
        """The release a family of patches hangs from (itself, for a major release)."""
        return self.base_release_id or self.pk

    def supersedes(self, other: "Release | None") -> bool:
        """Whether this patch comes after ``other`` in its family: ``other`` is its base or an earlier patch of the
        same base, so that a campaign running ``other`` may move onto this patch (by a patch decision)."""
        return (
            self.is_patch
            and other is not None
            and other.family_root_id == self.family_root_id
            and (other.major, other.minor, other.patch) < (self.major, self.minor, self.patch)
        )

    @property
    def status_colour(self) -> str:
        return RELEASE_STATUS_COLOURS[self.status]

    def support_ended(self, today: date) -> bool:
        """Whether the support window has passed on ``today``, whatever the status says yet (the daily task moves
        a supported release to end-of-support the day after its ``support_until``)."""
        return self.support_until is not None and self.support_until < today

    def closed_reason(self, today: date) -> str:
        """Why the release takes no new work on ``today`` (no submission of a campaign, no backport request),
        naming the release, its status and the date; "" while it takes them.

        The date is checked as well as the status: a release past its last day of support is closed before the
        daily task has moved it.
        """
        if self.status == ReleaseStatus.WITHDRAWN:
            since = f" since {self.withdrawn_on:%Y-%m-%d}" if self.withdrawn_on else ""
            return f"{self} is withdrawn{since}"
        if self.status == ReleaseStatus.END_OF_SUPPORT:
            ended = f": its support ended on {self.support_until:%Y-%m-%d}" if self.support_until else ""
            return f"{self} is end-of-support{ended}"
        if self.support_ended(today):
            return f"{self} is {self.status} but its support ended on {self.support_until:%Y-%m-%d}"
        return ""

    def support_days_left(self, today: date | None = None) -> int | None:
        if self.support_until is None or self.status != ReleaseStatus.SUPPORTED:
            return None
        return (self.support_until - (today or date.today())).days


class BackportRequest(models.Model):
    """A fix to be backported to a supported release, requested as an RFC and decided by the change control board."""

    rfc_id = models.CharField("RFC", max_length=RFC_ID.max_length, unique=True, validators=[validate_rfc_id])
    ticket = models.CharField(max_length=TICKET.max_length, validators=[validate_ticket])
    title = models.CharField(max_length=200)
    rationale = models.TextField()
    target_release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="backport_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=BackportStatus.choices, default=BackportStatus.PROPOSED)
    shipped_in = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="shipped_backports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=BackportStatus.SHIPPED, shipped_in__isnull=False)
                | (~models.Q(status=BackportStatus.SHIPPED) & models.Q(shipped_in__isnull=True)),
                name="backport_shipped_names_its_patch",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="backport_queue_idx")]

    def __str__(self) -> str:
        return f"{shown(self.rfc_id)} {self.title}"

    def get_absolute_url(self) -> str:
        # "" for an RFC id stored before RFC ids were checked: the pages show it without a link.
        return url_for("releases:backport-detail", RFC_ID, rfc_id=self.rfc_id)

    @property
    def status_colour(self) -> str:
        return BACKPORT_STATUS_COLOURS[self.status]
