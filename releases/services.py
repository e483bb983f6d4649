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

from console.bounded import date_problem
from console.errors import Conflict, InvalidInput
from console.history import past_date_problem
from console.identifiers import release_version_normalized
from console.services import audit_record
from console.text_limits import NOTES, RATIONALE, text_check
from console.transitions import require_transition
from releases import events
from releases import permissions as may
from releases.choices import BACKPORT_TRANSITIONS, RELEASE_TRANSITIONS, BackportStatus, ReleaseKind, ReleaseStatus
from releases.models import (
    BackportRequest,
    Release,
    parse_version,
    release_kind_of,
    validate_rfc_id,
    validate_ticket,
)

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
    cut_from: Release | None = None,
    status: str = ReleaseStatus.CANDIDATE,
    notes: str = "",
    source: str = "system",
) -> Release:
    """Record a release (``cut_from`` the weekly build it was made from, if known), a patch of a supported release,
    or a weekly build (w.2021.28). The version is taken as people write it: "v23" is v23.0.0, "w_2021_28" is
    w.2021.28. People need the task force lead role."""
    if actor is not None:
        may.RECORD_RELEASES.check(actor)
    text_check(notes, limit=NOTES, what="The notes")
    version = release_version_normalized(version)
    try:
        major, minor, patch = parse_version(version)
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from None
    if Release.objects.filter(version=version).exists():
        raise Conflict(f"Release {version} exists already.")
    _check_weekly_lineage(version=version, base_release=base_release, cut_from=cut_from, status=status)
    if base_release is not None:
        base_release = Release.objects.select_for_update(no_key=True).get(pk=base_release.pk)
        if base_release.is_weekly:
            raise InvalidInput(
                f"{base_release} is a weekly build: it gets no patches; record a release cut from it instead."
            )
        if base_release.is_patch:
            raise InvalidInput(f"{base_release} is itself a patch; a patch names the release it patches.")
        if (base_release.major, base_release.minor) != (major, minor) or base_release.patch >= patch:
            raise InvalidInput(f"{version} cannot be a patch of {base_release}: it must be a later vX.Y.N of it.")
        if base_release.status != ReleaseStatus.SUPPORTED:
            raise Conflict(f"{base_release} is {base_release.status}; only a supported release gets patches.")
    try:
        with transaction.atomic():
            release = Release.objects.create(
                version=version, base_release=base_release, cut_from=cut_from, status=status, notes=notes
            )
    except IntegrityError:
        # Recorded by someone else between the check above and this insert.
        raise Conflict(f"Release {version} exists already.") from None
    audit_record(
        actor=actor,
        action="release.created",
        obj=release,
        after={
            "version": version,
            "kind": release.kind,
            "base_release": str(base_release) if base_release else None,
            "cut_from": str(cut_from) if cut_from else None,
            "status": status,
        },
        system_actor=source,
    )
    return release


def _check_weekly_lineage(*, version: str, base_release: Release | None, cut_from: Release | None, status: str) -> None:
    """A weekly build is a candidate of its own (no base, not cut from anything, never approved); a release names
    the weekly it was cut from, if any; a patch names none (it is cut from its base's branch)."""
    if release_kind_of(version) == ReleaseKind.WEEKLY:
        if base_release is not None or cut_from is not None:
            raise InvalidInput(f"{version} is a weekly build: it patches no release and is cut from none.")
        if status != ReleaseStatus.CANDIDATE:
            raise InvalidInput(
                f"{version} is a weekly build: it is never {status}; mini runs use it without an approval."
            )
        return
    if cut_from is None:
        return
    if not cut_from.is_weekly:
        raise InvalidInput(f"A release is cut from a weekly build (like w.2021.28), not from {cut_from}.")
    if base_release is not None:
        raise InvalidInput(
            f"{version} is a patch of {base_release}: a patch names no weekly build, it is cut from its base's branch."
        )


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
    if release.is_weekly:
        raise Conflict(f"{release} is a weekly build: it is never supported, so it has no support window.")
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


def weekly_not_for_production(release: Release) -> str:
    """Why a weekly build is never approved: the message of ``release_approve`` and of a pipeline-version decision
    that names one."""
    return f"{release} is a weekly build: it is not approved for production; cut a release from it."


def release_approve(*, actor: AbstractBaseUser | None, release: Release, source: str, now: datetime) -> Release:
    """Effect of an approved pipeline-version decision (``source`` names it): a candidate becomes approved, with a
    support window; an approved or supported release stays as it is. The release row is locked; the caller records
    which campaigns the approval is for (``committee.services``)."""
    release = Release.objects.select_for_update(no_key=True).get(pk=release.pk)
    if release.is_weekly:
        raise Conflict(weekly_not_for_production(release))
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
    elif release.status not in (ReleaseStatus.APPROVED, ReleaseStatus.SUPPORTED) and not _was_open_on(
        release, timezone.localdate(now)
    ):
        raise Conflict(f"{release} is {release.status}; it cannot be approved for a campaign.")
    events.release_approved.publish(release=release, actor=actor)
    return release


def _was_open_on(release: Release, day: date) -> bool:
    """Whether an ended or withdrawn release still took new work on a past day (before its support ended or it was
    withdrawn): a decision recorded after the fact approves it for campaigns on that day. Never true of today."""
    if release.status == ReleaseStatus.END_OF_SUPPORT:
        return release.support_until is not None and day < release.support_until
    if release.status == ReleaseStatus.WITHDRAWN:
        return release.withdrawn_on is not None and day < release.withdrawn_on
    return False


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
    text_check(rationale.strip(), limit=RATIONALE, what="The rationale")
    title_limit = BackportRequest._meta.get_field("title").max_length
    if len(title.strip()) > title_limit:
        raise InvalidInput(f"The title has {len(title.strip())} characters; at most {title_limit} fit.")
    target_release = _release_locked(target_release.pk)
    closed = target_release.closed_reason(timezone.localdate())
    if closed:
        raise Conflict(f"{closed}; it takes no backport requests.")
    if target_release.is_weekly:
        raise Conflict(f"{target_release} is a weekly build: it takes no backports; only a supported release does.")
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


# History from before the console -------------------------------------------------------------------------------


@transaction.atomic
def release_record_history(
    *,
    actor: AbstractBaseUser,
    release: Release,
    approved_on: date,
    support_until: date | None = None,
    withdrawn_on: date | None = None,
) -> Release:
    """Record a release approved before the console: its real approval day (in the past, not before
    ``console.history.EARLIEST_HISTORY_DATE``), its last day of support (by default one year on, past or future) and
    the day it was withdrawn, if it was. Its status becomes what those days make it: withdrawn, supported while its
    support lasts, else end-of-support (which takes no new submissions nor backports).

    This records history rather than making a transition: no decision of the console approved it. Which campaigns
    it is approved for still comes from decisions (recorded after the fact too: ``committee.services.history``).
    The release is marked as recorded after the fact, by whom and when. The task force lead or staff may; a weekly
    build, never approved, has no such history."""
    may.RECORD_HISTORY.check(actor)
    today = timezone.localdate()
    release = _release_locked(release.pk)
    if release.is_weekly:
        raise Conflict(f"{release} is a weekly build: weeklies are never approved; record the release cut from it.")
    if release.status == ReleaseStatus.WITHDRAWN:
        raise Conflict(f"{release} is withdrawn; its history is closed.")
    support_until = support_until or approved_on + SUPPORT_PERIOD
    _check_history_days(approved_on=approved_on, support_until=support_until, withdrawn_on=withdrawn_on, today=today)
    if withdrawn_on is not None:
        status = ReleaseStatus.WITHDRAWN
    elif support_until >= today:
        status = ReleaseStatus.SUPPORTED
    else:
        status = ReleaseStatus.END_OF_SUPPORT
    before = _release_snapshot(release)
    release.status = status
    release.approved_on = approved_on
    release.support_until = support_until
    release.withdrawn_on = withdrawn_on
    release.recorded_by = actor
    release.recorded_at = timezone.now()
    release.save(update_fields=["status", "approved_on", "support_until", "withdrawn_on", "recorded_by", "recorded_at"])
    audit_record(
        actor=actor,
        action="release.recorded-after-the-fact",
        obj=release,
        before=before,
        after=_release_snapshot(release),
    )
    return release


def _check_history_days(*, approved_on: date, support_until: date, withdrawn_on: date | None, today: date) -> None:
    for label, day in (("the approval date", approved_on), ("the withdrawal date", withdrawn_on)):
        if day is not None and (problem := past_date_problem(label, day, today=today)):
            raise InvalidInput(problem)
    if problem := date_problem(support_until):
        raise InvalidInput(f"The last day of support: {problem}")
    if support_until < approved_on:
        raise InvalidInput(f"Support cannot end ({support_until}) before the approval ({approved_on}).")
    if withdrawn_on is not None and withdrawn_on < approved_on:
        raise InvalidInput(f"The release cannot be withdrawn ({withdrawn_on}) before its approval ({approved_on}).")
