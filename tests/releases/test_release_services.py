"""Releases and backports: versions, patches, support windows, and where a backport may ship."""

from datetime import date, timedelta

import pytest

from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from releases.models import Release
from releases.services import (
    backport_mark_merged,
    backport_request_create,
    backport_ship,
    release_create,
    release_end_support,
    release_mark_supported,
    release_set_support_until,
)
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db


def test_releases_are_ordered_by_version_number_not_by_text(task_force_lead):
    for version in ["v23.0.9", "v23.0.10", "v9.1.0", "v23.1.0"]:
        release_create(actor=task_force_lead, version=version)

    assert list(Release.objects.values_list("version", flat=True)) == ["v23.1.0", "v23.0.10", "v23.0.9", "v9.1.0"]


@pytest.mark.parametrize("version", ["23.0.0", "v23.0.0-rc1", "w.21.40", "w.2021.400"])
def test_a_version_that_is_not_one_is_refused_by_name(task_force_lead, version):
    with pytest.raises(InvalidInput, match=f"'{version}' is not a release version like v23.0.1 or w.2021.28"):
        release_create(actor=task_force_lead, version=version)


def test_only_the_lead_records_releases(operator):
    with pytest.raises(NotPermitted, match="Only a task force lead may record releases."):
        release_create(actor=operator, version="v23.0.0")

    assert not Release.objects.exists()


def test_a_patch_names_a_supported_release_of_the_same_line(task_force_lead):
    supported = SupportedReleaseFactory(version="v23.0.0")
    candidate = ReleaseFactory(version="v24.0.0")

    patch = release_create(actor=task_force_lead, version="v23.0.1", base_release=supported)

    assert patch.is_patch and patch.base_release == supported
    with pytest.raises(InvalidInput, match="v22.0.1 cannot be a patch of v23.0.0"):
        release_create(actor=task_force_lead, version="v22.0.1", base_release=supported)
    with pytest.raises(Conflict, match="v24.0.0 is candidate; only a supported release gets patches"):
        release_create(actor=task_force_lead, version="v24.0.1", base_release=candidate)
    with pytest.raises(InvalidInput, match="v23.0.1 is itself a patch"):
        release_create(actor=task_force_lead, version="v23.0.2", base_release=patch)


def test_support_lasts_a_year_from_approval_unless_the_lead_moves_it(task_force_lead):
    release = ReleaseFactory(version="v23.0.0", status="approved", approved_on=date(2021, 10, 1))

    supported = release_mark_supported(actor=task_force_lead, release=release)
    assert supported.support_until == date(2022, 10, 1)

    moved = release_set_support_until(actor=task_force_lead, release=release, support_until=date(2023, 3, 31))
    assert moved.support_until == date(2023, 3, 31)
    event = AuditEvent.objects.get(action="release.support-window-changed")
    assert (event.before["support_until"], event.after["support_until"]) == ("2022-10-01", "2023-03-31")


def test_a_candidate_cannot_end_its_support(task_force_lead):
    release = ReleaseFactory(version="v23.0.0")

    with pytest.raises(Conflict, match="v23.0.0 is candidate; it cannot become end-of-support"):
        release_end_support(actor=task_force_lead, release=release)

    release.refresh_from_db()
    assert release.status == "candidate"
    assert not AuditEvent.objects.exists()


def test_only_a_supported_release_takes_backports(operator):
    candidate = ReleaseFactory(version="v24.0.0")

    with pytest.raises(Conflict, match="v24.0.0 is candidate; only a supported release takes backports"):
        backport_request_create(
            actor=operator, rfc_id="RFC-1", ticket="DM-1", title="t", rationale="r", target_release=candidate
        )


def test_a_backport_request_names_a_real_rfc_and_ticket(operator):
    supported = SupportedReleaseFactory(version="v23.0.0")

    with pytest.raises(InvalidInput, match="'RFC812' is not an RFC id like RFC-812"):
        backport_request_create(
            actor=operator, rfc_id="RFC812", ticket="DM-1", title="t", rationale="r", target_release=supported
        )
    with pytest.raises(InvalidInput, match="'DM 1' is not a ticket like DM-34567"):
        backport_request_create(
            actor=operator, rfc_id="RFC-812", ticket="DM 1", title="t", rationale="r", target_release=supported
        )


def test_a_viewer_cannot_request_a_backport(viewer):
    supported = SupportedReleaseFactory(version="v23.0.0")

    with pytest.raises(NotPermitted):
        backport_request_create(
            actor=viewer, rfc_id="RFC-1", ticket="DM-1", title="t", rationale="r", target_release=supported
        )


def test_a_backport_is_merged_only_once_approved(ccb_member):
    backport = BackportRequestFactory()

    with pytest.raises(Conflict, match="is proposed; it cannot become merged"):
        backport_mark_merged(actor=ccb_member, backport=backport)


def test_shipping_into_a_patch_of_another_release_is_refused(ccb_member):
    v23 = SupportedReleaseFactory(version="v23.0.0")
    v22 = SupportedReleaseFactory(version="v22.0.0")
    patch_of_v22 = ReleaseFactory(version="v22.0.1", base_release=v22)
    patch_of_v23 = ReleaseFactory(version="v23.0.1", base_release=v23)
    backport = BackportRequestFactory(target_release=v23, status="merged")

    with pytest.raises(Conflict, match="can ship only in a patch of v23.0.0, not in v22.0.1"):
        backport_ship(actor=ccb_member, backport=backport, patch_release=patch_of_v22)
    with pytest.raises(Conflict, match="not in v23.0.0"):
        backport_ship(actor=ccb_member, backport=backport, patch_release=v23)
    shipped = backport_ship(actor=ccb_member, backport=backport, patch_release=patch_of_v23)

    assert (shipped.status, shipped.shipped_in) == ("shipped", patch_of_v23)


def test_a_backport_to_a_patch_ships_in_a_later_patch_of_the_same_release(ccb_member):
    v23 = SupportedReleaseFactory(version="v23.0.0")
    v23_1 = SupportedReleaseFactory(version="v23.0.1", base_release=v23)
    v23_2 = ReleaseFactory(version="v23.0.2", base_release=v23)
    backport = BackportRequestFactory(target_release=v23_1, status="merged")

    assert backport_ship(actor=ccb_member, backport=backport, patch_release=v23_2).shipped_in == v23_2


def test_support_ending_soon_is_listed_for_the_dashboard():
    from releases.selectors import releases_ending_support

    today = date(2026, 11, 28)
    SupportedReleaseFactory(
        version="v23.0.0", approved_on=today - timedelta(days=330), support_until=today + timedelta(days=35)
    )
    SupportedReleaseFactory(version="v24.0.0", approved_on=today, support_until=today + timedelta(days=365))

    assert [release.version for release in releases_ending_support(today=today)] == ["v23.0.0"]


def test_support_cannot_end_before_the_approval(task_force_lead):
    release = ReleaseFactory(version="v23.0.0", status="approved", approved_on=date(2021, 10, 1))

    with pytest.raises(InvalidInput, match="cannot end"):
        release_mark_supported(actor=task_force_lead, release=release, support_until=date(2021, 9, 1))

    release.refresh_from_db()
    assert release.status == "approved"


def test_a_backport_title_longer_than_the_field_is_refused_by_length(operator):
    supported = SupportedReleaseFactory(version="v23.0.0")

    with pytest.raises(InvalidInput, match="The title has 201 characters; at most 200 fit."):
        backport_request_create(
            actor=operator, rfc_id="RFC-1", ticket="DM-1", title="x" * 201, rationale="r", target_release=supported
        )
