"""Writes of releases and backport requests.

Each transition is one service: it locks the row, checks the transition table
of ``releases/choices.py``, saves, and writes the audit row in the same
transaction. Approving a release and deciding a backport happen only as the
effects of a committee decision (``committee.services``), through the
functions marked "effect of a decision" below.
"""

from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.transitions import require_transition
from releases import events
from releases import permissions as may
from releases.choices import BACKPORT_TRANSITIONS, RELEASE_TRANSITIONS, BackportStatus, ReleaseStatus
from releases.models import BackportRequest, Release, parse_version, validate_rfc_id, validate_ticket

SUPPORT_PERIOD = timedelta(days=365)
# Who the audit trail names for the daily end of support windows (``releases.tasks``).
SUPPORT_SCHEDULE = "support schedule"


def _release_snapshot(release: Release) -> dict:
    return {
        "status": release.status,
        "approved_on": release.approved_on.isoformat() if release.approved_on else None,
        "support_until": release.support_until.isoformat() if release.support_until else None,
        "withdrawn_on": release.withdrawn_on.isoformat() if release.withdrawn_on else None,
    }


@transaction.atomic
def release_create(
    *,
    actor: AbstractBaseUser | None,
    version: str,
    base_release: Release | None = None,
    status: str = ReleaseStatus.CANDIDATE,
    notes: str = "",
    source: str = "system",
) -> Release:
    """Record a release, or a patch of a supported release. People need the task force lead role."""
    if actor is not None:
        may.RECORD_RELEASES.check(actor)
    try:
        major, minor, patch = parse_version(version)
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from None
    if Release.objects.filter(version=version).exists():
        raise Conflict(f"Release {version} exists already.")
    if base_release is not None:
        base_release = Release.objects.select_for_update(no_key=True).get(pk=base_release.pk)
        if base_release.is_patch:
            raise InvalidInput(f"{base_release} is itself a patch; a patch names the release it patches.")
        if (base_release.major, base_release.minor) != (major, minor) or base_release.patch >= patch:
            raise InvalidInput(f"{version} cannot be a patch of {base_release}: it must be a later vX.Y.N of it.")
        if base_release.status != ReleaseStatus.SUPPORTED:
            raise Conflict(f"{base_release} is {base_release.status}; only a supported release gets patches.")
    try:
        with transaction.atomic():
            release = Release.objects.create(version=version, base_release=base_release, status=status, notes=notes)
    except IntegrityError:
        # Recorded by someone else between the check above and this insert.
        raise Conflict(f"Release {version} exists already.") from None
    audit_record(
        actor=actor,
        action="release.created",
        obj=release,
        after={"version": version, "base_release": str(base_release) if base_release else None, "status": status},
        system_actor=source,
    )
    return release


def _release_locked(release_id: int) -> Release:
    return Release.objects.select_for_update(no_key=True).get(pk=release_id)


def _release_move(
    *, actor: AbstractBaseUser | None, release: Release, to: str, action: str, source: str = "system", **changes
) -> Release:
    release = _release_locked(release.pk)
    require_transition(RELEASE_TRANSITIONS, release, release.status, to)
    before = _release_snapshot(release)
    release.status = to
    for field, value in changes.items():
        setattr(release, field, value)
    release.save(update_fields=["status", *changes])
    audit_record(
        actor=actor, action=action, obj=release, before=before, after=_release_snapshot(release), system_actor=source
    )
    return release


@transaction.atomic
def release_mark_supported(*, actor: AbstractBaseUser, release: Release, support_until: date | None = None) -> Release:
    """An approved release enters support (by default one year from its approval). An ended release goes back into
    support only by the extension of its window (``release_set_support_until``)."""
    may.MARK_SUPPORTED.check(actor)
    release = _release_locked(release.pk)
    if release.status == ReleaseStatus.END_OF_SUPPORT:
        raise Conflict(f"{release} is end-of-support; extend its support window to put it back into support.")
    approved_on = release.approved_on or timezone.localdate()
    if support_until is not None and support_until < approved_on:
        raise InvalidInput(f"Support cannot end ({support_until}) before the approval ({approved_on}).")
    return _release_move(
        actor=actor,
        release=release,
        to=ReleaseStatus.SUPPORTED,
        action="release.supported",
        support_until=support_until or release.support_until or approved_on + SUPPORT_PERIOD,
    )


@transaction.atomic
def release_end_support(*, actor: AbstractBaseUser, release: Release, today: date | None = None) -> Release:
    """The lead ends a release's support. Ended before its window closed, the last day of support becomes today,
    so that the record says when support ended."""
    may.END_SUPPORT.check(actor)
    today = today or timezone.localdate()
    release = _release_locked(release.pk)
    changes = {}
    if release.support_until is None or release.support_until > today:
        changes["support_until"] = today
    return _release_move(
        actor=actor, release=release, to=ReleaseStatus.END_OF_SUPPORT, action="release.support-ended", **changes
    )


def release_support_expire(*, release_id: int, today: date) -> Release | None:
    """Effect of the daily schedule: a supported release whose last day of support is before ``today`` becomes
    end-of-support, audited with the schedule as the actor. None when there is nothing to do (already moved, or
    its window extended since): safe to run twice, and against the lead extending at the same moment."""
    with transaction.atomic():
        release = _release_locked(release_id)
        if release.status != ReleaseStatus.SUPPORTED or not release.support_ended(today):
            return None
        return _release_move(
            actor=None,
            release=release,
            to=ReleaseStatus.END_OF_SUPPORT,
            action="release.support-ended",
            source=SUPPORT_SCHEDULE,
        )


def releases_support_expire(*, today: date | None = None) -> dict:
    """End the support of every supported release whose last day of support has passed, each in a transaction of
    its own; returns the versions it moved."""
    today = today or timezone.localdate()
    due = list(
        Release.objects.filter(status=ReleaseStatus.SUPPORTED, support_until__lt=today)
        .order_by("support_until", "pk")
        .values_list("pk", flat=True)
    )
    ended = [release.version for pk in due if (release := release_support_expire(release_id=pk, today=today))]
    return {"ended": ended}


@transaction.atomic
def release_withdraw(*, actor: AbstractBaseUser, release: Release) -> Release:
    may.WITHDRAW.check(actor)
    return _release_move(
        actor=actor,
        release=release,
        to=ReleaseStatus.WITHDRAWN,
        action="release.withdrawn",
        withdrawn_on=timezone.localdate(),
    )


@transaction.atomic
def release_set_support_until(
    *, actor: AbstractBaseUser, release: Release, support_until: date, today: date | None = None
) -> Release:
    """Move the last day of a release's support. For an end-of-support release this is the one way back into
    support, the lead's recorded act: the new last day must be today or later, and the release is supported again.
    """
    may.CHANGE_SUPPORT_WINDOW.check(actor)
    today = today or timezone.localdate()
    release = _release_locked(release.pk)
    if release.status == ReleaseStatus.WITHDRAWN:
        raise Conflict(f"{release} is {release.status}; its support window is closed.")
    if release.approved_on and support_until < release.approved_on:
        raise InvalidInput(f"Support cannot end ({support_until}) before the approval ({release.approved_on}).")
    if release.status == ReleaseStatus.END_OF_SUPPORT:
        if support_until < today:
            raise InvalidInput(
                f"{release} is end-of-support; to extend its support, the last day of support must be today "
                f"({today:%Y-%m-%d}) or later, not {support_until:%Y-%m-%d}."
            )
        return _release_move(
            actor=actor,
            release=release,
            to=ReleaseStatus.SUPPORTED,
            action="release.support-extended",
            support_until=support_until,
        )
    before = _release_snapshot(release)
    release.support_until = support_until
    release.save(update_fields=["support_until"])
    audit_record(
        actor=actor,
        action="release.support-window-changed",
        obj=release,
        before=before,
        after=_release_snapshot(release),
    )
    return release


def release_approve(*, actor: AbstractBaseUser | None, release: Release, source: str, now: datetime) -> Release:
    """Effect of an approved pipeline-version decision (``source`` names it): a candidate becomes approved, with a
    support window; an approved or supported release stays as it is. The release row is locked; the caller records
    which campaigns the approval is for (``committee.services``)."""
    release = Release.objects.select_for_update(no_key=True).get(pk=release.pk)
    if release.status == ReleaseStatus.CANDIDATE:
        approved_on = timezone.localdate(now)
        release = _release_move(
            actor=actor,
            release=release,
            to=ReleaseStatus.APPROVED,
            action="release.approved",
            source=source,
            approved_on=approved_on,
            support_until=release.support_until or approved_on + SUPPORT_PERIOD,
        )
    elif release.status not in (ReleaseStatus.APPROVED, ReleaseStatus.SUPPORTED):
        raise Conflict(f"{release} is {release.status}; it cannot be approved for a campaign.")
    events.release_approved.publish(release=release, actor=actor)
    return release


def release_approval_revoke(*, actor: AbstractBaseUser | None, release: Release, source: str) -> Release:
    """An approved release whose last campaign approval was withdrawn (``source`` says by what) is a candidate
    again; a release in support keeps its status."""
    release = Release.objects.select_for_update(no_key=True).get(pk=release.pk)
    if release.status != ReleaseStatus.APPROVED:
        return release
    return _release_move(
        actor=actor,
        release=release,
        to=ReleaseStatus.CANDIDATE,
        action="release.approval-revoked",
        source=source,
        approved_on=None,
        support_until=None,
    )


@transaction.atomic
def backport_request_create(
    *,
    actor: AbstractBaseUser,
    rfc_id: str,
    ticket: str,
    title: str,
    rationale: str,
    target_release: Release,
) -> BackportRequest:
    """Ask for a fix to be backported to a supported release."""
    may.REQUEST_BACKPORTS.check(actor)
    for validate, value in ((validate_rfc_id, rfc_id), (validate_ticket, ticket)):
        try:
            validate(value)
        except ValidationError as error:
            raise InvalidInput(error.messages[0]) from None
    if not title.strip() or not rationale.strip():
        raise InvalidInput("A backport request needs a title and a rationale.")
    title_limit = BackportRequest._meta.get_field("title").max_length
    if len(title.strip()) > title_limit:
        raise InvalidInput(f"The title has {len(title.strip())} characters; at most {title_limit} fit.")
    target_release = _release_locked(target_release.pk)
    closed = target_release.closed_reason(timezone.localdate())
    if closed:
        raise Conflict(f"{closed}; it takes no backport requests.")
    if target_release.status != ReleaseStatus.SUPPORTED:
        raise Conflict(f"{target_release} is {target_release.status}; only a supported release takes backports.")
    if BackportRequest.objects.filter(rfc_id=rfc_id).exists():
        raise Conflict(f"{rfc_id} exists already.")
    backport = BackportRequest.objects.create(
        rfc_id=rfc_id,
        ticket=ticket,
        title=title.strip(),
        rationale=rationale.strip(),
        target_release=target_release,
        requester=actor,
    )
    audit_record(
        actor=actor,
        action="backport.requested",
        obj=backport,
        after={"rfc_id": rfc_id, "ticket": ticket, "target_release": target_release.version},
    )
    return backport


def _backport_move(
    *,
    actor: AbstractBaseUser | None,
    backport: BackportRequest,
    to: str,
    action: str,
    source: str = "system",
    **changes,
) -> BackportRequest:
    backport = BackportRequest.objects.select_for_update(no_key=True).get(pk=backport.pk)
    require_transition(BACKPORT_TRANSITIONS, backport, backport.status, to)
    before = {"status": backport.status}
    backport.status = to
    for field, value in changes.items():
        setattr(backport, field, value)
    backport.save(update_fields=["status", "updated_at", *changes])
    after = {"status": to, **{field: str(value) for field, value in changes.items()}}
    audit_record(actor=actor, action=action, obj=backport, before=before, after=after, system_actor=source)
    return backport


def backport_review_start(*, actor: AbstractBaseUser | None, backport: BackportRequest, decision) -> BackportRequest:
    """Effect of opening a change control board decision about the backport."""
    return _backport_move(
        actor=actor,
        backport=backport,
        to=BackportStatus.UNDER_REVIEW,
        action="backport.review-started",
        source=f"decision #{decision.pk}",
    )


def backport_review_conclude(
    *, actor: AbstractBaseUser | None, backport: BackportRequest, decision, approved: bool | None
) -> BackportRequest:
    """Effect of closing the board's decision: approved, rejected, or (``None``: expired) back to proposed."""
    to = {True: BackportStatus.APPROVED, False: BackportStatus.REJECTED, None: BackportStatus.PROPOSED}[approved]
    action = {True: "backport.approved", False: "backport.rejected", None: "backport.review-expired"}[approved]
    return _backport_move(actor=actor, backport=backport, to=to, action=action, source=f"decision #{decision.pk}")


@transaction.atomic
def backport_mark_merged(*, actor: AbstractBaseUser, backport: BackportRequest) -> BackportRequest:
    """The approved fix has been merged onto the release branch."""
    may.RECORD_MERGES.check(actor)
    return _backport_move(actor=actor, backport=backport, to=BackportStatus.MERGED, action="backport.merged")


@transaction.atomic
def backport_ship(*, actor: AbstractBaseUser, backport: BackportRequest, patch_release: Release) -> BackportRequest:
    """The merged fix ships in a patch release of the release it targets."""
    may.RECORD_SHIPMENTS.check(actor)
    backport = BackportRequest.objects.select_related("target_release").get(pk=backport.pk)
    if not patch_release.is_patch or patch_release.base_release_id != backport.target_release.family_root_id:
        family = Release.objects.get(pk=backport.target_release.family_root_id)
        raise Conflict(
            f"{backport.rfc_id} targets {backport.target_release}; it can ship only in a patch of {family}, "
            f"not in {patch_release}."
        )
    if patch_release.status == ReleaseStatus.WITHDRAWN:
        raise Conflict(f"{patch_release} is withdrawn.")
    return _backport_move(
        actor=actor, backport=backport, to=BackportStatus.SHIPPED, action="backport.shipped", shipped_in=patch_release
    )
