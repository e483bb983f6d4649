"""The release pages: the list, one release's page, and the task force lead's actions on them."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from console.models import AuditEvent
from console.roles import Role
from releases.choices import BackportStatus, ReleaseStatus
from releases.models import Release
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory
from tests.console.factories import UserFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("releases:release-list")
CREATE_URL = reverse("releases:release-create")


def detail_url(release: Release) -> str:
    return reverse("releases:release-detail", kwargs={"version": release.version})


def action_url(name: str, release: Release) -> str:
    return reverse(f"releases:{name}", kwargs={"version": release.version})


def text(response) -> str:
    """The page as a person reads it (entities such as &#x27; decoded)."""
    return unescape(response.content.decode())


def approve(release: Release, campaign_name: str):
    """An approval of the release for a campaign, by a pipeline-version decision."""
    decision = DecisionFactory(
        kind=DecisionKind.PIPELINE_VERSION, release=release, status=DecisionStatus.ENDORSED, title=f"Use {release}"
    )
    campaign = CampaignFactory(name=campaign_name)
    return ReleaseApproval.objects.create(
        release=release, campaign=campaign, decision=decision, approved_at=timezone.now()
    )


def supported(version: str, *, days_left: int = 200, **fields) -> Release:
    return SupportedReleaseFactory(
        version=version,
        approved_on=date.today() - timedelta(days=30),
        support_until=date.today() + timedelta(days_left),
        **fields,
    )


# The list


def test_the_list_shows_the_releases_newest_version_first_with_their_counts(client_for, viewer):
    major = supported("v23.0.0")
    ReleaseFactory(version="v23.0.9", base_release=major)
    ReleaseFactory(version="v23.0.10", base_release=major, status=ReleaseStatus.APPROVED)
    ReleaseFactory(version="v24.0.0")
    CampaignFactory(name="DC2 RC1", release=major)
    CampaignFactory(name="DC2 RC2", release=major)
    approve(major, "DC2 RC1")
    BackportRequestFactory(target_release=major)
    BackportRequestFactory(target_release=major, status=BackportStatus.REJECTED)

    response = client_for(viewer).get(LIST_URL)

    assert response.status_code == 200
    rows = list(response.context["releases"])
    assert [release.version for release in rows] == ["v24.0.0", "v23.0.10", "v23.0.9", "v23.0.0"]
    assert (rows[3].campaign_count, rows[3].approved_campaign_count, rows[3].pending_backport_count) == (2, 1, 1)
    page = text(response)
    assert f'<a class="fw-semibold" href="{detail_url(major)}">v23.0.0</a>' in page
    assert f'patch of <a href="{detail_url(major)}">v23.0.0</a>' in page
    assert '<span class="badge text-bg-primary" data-testid="release-status">Approved</span>' in page
    assert '2</span> pinned / <span title="approved">1</span> approved' in page


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (200, '<span class="" title="until {until}" data-testid="support-left">200 days</span>'),
        (
            45,
            '<span class="text-warning-emphasis fw-semibold" title="until {until}" data-testid="support-left">45 days',
        ),
        (10, '<span class="text-danger fw-semibold" title="until {until}" data-testid="support-left">10 days'),
        (-3, '<span class="text-danger fw-semibold" data-testid="support-left">ended {until}</span>'),
    ],
)
def test_the_support_left_turns_warning_then_danger_under_60_days(client_for, viewer, days_left, expected):
    release = supported("v23.0.0", days_left=days_left)

    page = text(client_for(viewer).get(LIST_URL))

    assert expected.format(until=release.support_until.isoformat()) in page


def test_a_release_out_of_support_shows_no_window(client_for, viewer):
    ReleaseFactory(version="v23.0.0", status=ReleaseStatus.END_OF_SUPPORT, support_until=date.today())

    page = text(client_for(viewer).get(LIST_URL))

    assert 'data-testid="support-left"' not in page
    assert '<span class="text-body-secondary">—</span>' in page


def test_the_list_filters_by_status(client_for, viewer):
    supported("v23.0.0")
    ReleaseFactory(version="v24.0.0")
    ReleaseFactory(version="v22.0.0", status=ReleaseStatus.WITHDRAWN)

    response = client_for(viewer).get(LIST_URL, {"status": ["candidate", "withdrawn"]})

    assert [release.version for release in response.context["releases"]] == ["v24.0.0", "v22.0.0"]
    assert 'value="candidate" id="status-candidate" checked' in text(response)


def test_an_unknown_status_in_the_filter_is_named_not_a_crash(client_for, viewer):
    ReleaseFactory(version="v24.0.0")

    response = client_for(viewer).get(LIST_URL, {"status": "shiny"})

    assert response.status_code == 200
    assert "Status 'shiny': Select a valid choice. shiny is not one of the available choices." in text(response)


@pytest.mark.parametrize(
    ("user_fixture", "sees_form"),
    [("task_force_lead", True), ("staff_user", True), ("operator", False), ("ccb_member", False), ("viewer", False)],
)
def test_only_the_lead_sees_the_record_form(request, client_for, user_fixture, sees_form):
    user = request.getfixturevalue(user_fixture)

    page = text(client_for(user).get(LIST_URL))

    assert ('data-testid="release-create-form"' in page) is sees_form


def test_the_record_form_offers_only_supported_majors_as_bases(client_for, task_force_lead):
    major = supported("v23.0.0")
    supported("v23.0.1", base_release=major)
    ReleaseFactory(version="v24.0.0")

    form = client_for(task_force_lead).get(LIST_URL).context["create_form"]

    assert [release.version for release in form.fields["base_release"].queryset] == ["v23.0.0"]


def test_the_lead_records_a_release_and_lands_on_its_page(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        CREATE_URL, {"version": "v29.0.0", "notes": "weekly w.2025.20"}, follow=True
    )

    release = Release.objects.get(version="v29.0.0")
    assert response.redirect_chain == [(detail_url(release), 302)]
    assert (release.status, release.base_release, release.notes) == (ReleaseStatus.CANDIDATE, None, "weekly w.2025.20")
    assert "Release v29.0.0 recorded as a candidate." in text(response)
    event = AuditEvent.objects.get(action="release.created", object_id=str(release.pk))
    assert event.actor == task_force_lead


def test_the_lead_records_a_patch_of_a_supported_release(client_for, task_force_lead):
    major = supported("v23.0.0")

    response = client_for(task_force_lead).post(CREATE_URL, {"version": "v23.0.1", "base_release": "v23.0.0"})

    patch = Release.objects.get(version="v23.0.1")
    assert response.url == detail_url(patch)
    assert patch.base_release == major


def test_a_patch_of_a_release_out_of_support_is_refused_with_the_reason(client_for, task_force_lead):
    ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED)

    response = client_for(task_force_lead).post(
        CREATE_URL, {"version": "v23.0.1", "base_release": "v23.0.0"}, HTTP_REFERER=LIST_URL, follow=True
    )

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "v23.0.0 is approved; only a supported release gets patches." in text(response)
    assert not Release.objects.filter(version="v23.0.1").exists()


def test_a_malformed_version_is_refused_by_name(client_for, task_force_lead):
    response = client_for(task_force_lead).post(CREATE_URL, {"version": "23.1"}, HTTP_REFERER=LIST_URL, follow=True)

    assert "'23.1' is not a release version like v23.0.1 or w.2021.28" in text(response)
    assert not Release.objects.exists()


def test_an_unknown_base_release_is_named(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        CREATE_URL, {"version": "v23.0.1", "base_release": "v99.0.0"}, follow=True
    )

    assert response.status_code == 200
    assert "Patch of 'v99.0.0': There is no release v99.0.0." in text(response)
    assert not Release.objects.exists()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CCB_MEMBER, Role.COMMITTEE_MEMBER, Role.VIEWER])
def test_other_roles_cannot_record_a_release_whatever_they_post(client_for, role):
    user = UserFactory(username="someone", roles=[role])

    response = client_for(user).post(CREATE_URL, {"version": "v29.0.0"})

    assert response.status_code == 403
    assert "Only a task force lead may record releases." in text(response)
    assert not Release.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(client_for, task_force_lead, django_assert_num_queries, rows):
    for number in range(rows):
        release = supported(f"v{number + 1}.0.0")
        CampaignFactory(release=release)
        BackportRequestFactory(target_release=release)
        ReleaseFactory(version=f"v{number + 1}.0.1", base_release=release)
    client = client_for(task_force_lead)

    # session, user, roles of the user, releases with their counts, supported majors and weekly builds for the form
    with django_assert_num_queries(6):
        response = client.get(LIST_URL)
    assert len(response.context["releases"]) == 2 * rows


# One release's page


def test_the_page_of_a_major_shows_what_hangs_from_it(client_for, viewer):
    major = supported("v23.0.0", notes="The DP1 release.")
    patch = supported("v23.0.1", base_release=major)
    pending = BackportRequestFactory(target_release=major, status=BackportStatus.APPROVED, title="Fix the PSF")
    shipped = BackportRequestFactory(target_release=major, status=BackportStatus.SHIPPED, shipped_in=patch)
    rejected = BackportRequestFactory(target_release=major, status=BackportStatus.REJECTED)
    approval = approve(major, "DC2 RC1")
    CampaignFactory(name="HSC RC2", release=major)
    ccb_decision = DecisionFactory(
        committee=ChangeControlBoardFactory(), kind=DecisionKind.BACKPORT, release=major, title="Backport the PSF fix"
    )

    response = client_for(viewer).get(detail_url(major))

    assert response.status_code == 200
    assert response.context["pending_backports"] == [pending]
    assert response.context["shipped_backports"] == [shipped]
    assert response.context["rejected_backports"] == [rejected]
    page = text(response)
    assert "The DP1 release." in page
    assert f'<a href="{detail_url(patch)}">v23.0.1</a>' in page
    assert f'<a href="{pending.get_absolute_url()}">{pending.rfc_id}</a>' in page
    assert f'<a href="{approval.decision.get_absolute_url()}">Use v23.0.0</a>' in page
    assert "DC2 RC1" in page
    assert "HSC RC2" in page
    assert f'<a href="{ccb_decision.get_absolute_url()}">Backport the PSF fix</a>' in page
    assert "Change control board" in page
    assert 'data-testid="audit-table"' in page
    assert 'data-testid="release-actions"' not in page


def test_the_page_of_a_patch_shows_the_backports_shipped_in_it(client_for, viewer):
    major = supported("v23.0.0")
    patch = supported("v23.0.1", base_release=major)
    shipped = BackportRequestFactory(target_release=major, status=BackportStatus.SHIPPED, shipped_in=patch)

    response = client_for(viewer).get(detail_url(patch))

    page = text(response)
    assert list(response.context["release"].shipped_backports.all()) == [shipped]
    assert f'patch of <a href="{detail_url(major)}">v23.0.0</a>' in page
    assert f'<a href="{shipped.get_absolute_url()}">{shipped.rfc_id}</a>' in page
    assert 'data-testid="patch-table"' not in page


def test_an_unknown_release_is_not_found(client_for, viewer):
    assert client_for(viewer).get(reverse("releases:release-detail", kwargs={"version": "v1.2.3"})).status_code == 404


@pytest.mark.parametrize(
    ("status", "forms"),
    [
        (ReleaseStatus.CANDIDATE, {"withdraw-form", "support-window-form"}),
        (ReleaseStatus.APPROVED, {"mark-supported-form", "withdraw-form", "support-window-form"}),
        (ReleaseStatus.SUPPORTED, {"end-support-form", "withdraw-form", "support-window-form"}),
        # An ended release's support can only be extended, by moving its window.
        (ReleaseStatus.END_OF_SUPPORT, {"support-window-form"}),
        (ReleaseStatus.WITHDRAWN, set()),
    ],
)
def test_the_lead_sees_only_the_actions_the_status_allows(client_for, task_force_lead, status, forms):
    release = ReleaseFactory(version="v23.0.0", status=status)

    page = text(client_for(task_force_lead).get(detail_url(release)))

    all_forms = {"mark-supported-form", "end-support-form", "withdraw-form", "support-window-form"}
    assert {form for form in all_forms if f'data-testid="{form}"' in page} == forms
    # Approval comes only from a committee decision: never a button.
    assert ">Approve<" not in page


@pytest.mark.parametrize("user_fixture", ["operator", "ccb_member", "committee_member", "viewer"])
def test_other_roles_see_no_release_action(request, client_for, user_fixture):
    release = ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED)

    page = text(client_for(request.getfixturevalue(user_fixture)).get(detail_url(release)))

    assert 'data-testid="release-actions"' not in page


def test_the_lead_puts_an_approved_release_into_support_until_a_date(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED, approved_on=date(2025, 5, 1))

    response = client_for(task_force_lead).post(
        action_url("release-mark-supported", release), {"support_until": "2026-06-30"}, follow=True
    )

    release.refresh_from_db()
    assert response.redirect_chain == [(detail_url(release), 302)]
    assert (release.status, release.support_until) == (ReleaseStatus.SUPPORTED, date(2026, 6, 30))
    assert "v23.0.0 is supported until 2026-06-30." in text(response)
    assert AuditEvent.objects.filter(action="release.supported", object_id=str(release.pk)).exists()


def test_support_lasts_a_year_from_the_approval_by_default(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED, approved_on=date(2025, 5, 1))

    client_for(task_force_lead).post(action_url("release-mark-supported", release), {"support_until": ""})

    release.refresh_from_db()
    assert (release.status, release.support_until) == (ReleaseStatus.SUPPORTED, date(2026, 5, 1))


def test_the_lead_ends_the_support_of_a_supported_release(client_for, task_force_lead):
    release = supported("v23.0.0")

    response = client_for(task_force_lead).post(action_url("release-end-support", release), follow=True)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.END_OF_SUPPORT
    assert "The support of v23.0.0 has ended." in text(response)
    assert AuditEvent.objects.filter(action="release.support-ended", object_id=str(release.pk)).exists()


def test_the_lead_withdraws_a_candidate(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0")

    response = client_for(task_force_lead).post(action_url("release-withdraw", release), follow=True)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.WITHDRAWN
    assert "v23.0.0 is withdrawn." in text(response)
    assert AuditEvent.objects.filter(action="release.withdrawn", object_id=str(release.pk)).exists()


def test_the_lead_moves_the_end_of_support(client_for, task_force_lead):
    release = supported("v23.0.0")

    response = client_for(task_force_lead).post(
        action_url("release-support-window", release), {"support_until": "2030-01-31"}, follow=True
    )

    release.refresh_from_db()
    assert release.support_until == date(2030, 1, 31)
    assert "The support of v23.0.0 now ends on 2030-01-31." in text(response)
    event = AuditEvent.objects.get(action="release.support-window-changed", object_id=str(release.pk))
    assert event.after["support_until"] == "2030-01-31"


ACTIONS = [
    ("release-mark-supported", ReleaseStatus.APPROVED, {}, "put releases into support"),
    ("release-end-support", ReleaseStatus.SUPPORTED, {}, "end the support of releases"),
    ("release-withdraw", ReleaseStatus.CANDIDATE, {}, "withdraw releases"),
    ("release-support-window", ReleaseStatus.SUPPORTED, {"support_until": "2030-01-31"}, "change support windows"),
]


@pytest.mark.parametrize(("name", "status", "data", "action"), ACTIONS)
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CCB_MEMBER, Role.VIEWER])
def test_other_roles_are_refused_every_release_action(client_for, name, status, data, action, role):
    release = ReleaseFactory(version="v23.0.0", status=status, support_until=date(2026, 1, 1))
    user = UserFactory(username="someone", roles=[role])

    response = client_for(user).post(action_url(name, release), data)

    assert response.status_code == 403
    assert f"Only a task force lead may {action}." in text(response)
    release.refresh_from_db()
    assert (release.status, release.support_until) == (status, date(2026, 1, 1))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", [name for name, *_ in ACTIONS])
def test_the_actions_refuse_a_get(client_for, task_force_lead, name):
    release = ReleaseFactory(version="v23.0.0")

    assert client_for(task_force_lead).get(action_url(name, release)).status_code == 405


def test_ending_the_support_of_a_candidate_is_refused_with_the_reason(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0")

    response = client_for(task_force_lead).post(
        action_url("release-end-support", release), HTTP_REFERER=detail_url(release), follow=True
    )

    assert response.redirect_chain == [(detail_url(release), 302)]
    assert (
        "v23.0.0 is candidate; it cannot become end-of-support (from candidate it can become: approved, withdrawn)."
        in text(response)
    )
    release.refresh_from_db()
    assert release.status == ReleaseStatus.CANDIDATE
    assert not AuditEvent.objects.exists()


def test_moving_the_window_of_a_withdrawn_release_is_refused_with_the_reason(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0", status=ReleaseStatus.WITHDRAWN)

    response = client_for(task_force_lead).post(
        action_url("release-support-window", release),
        {"support_until": "2030-01-31"},
        HTTP_REFERER=detail_url(release),
        follow=True,
    )

    assert "v23.0.0 is withdrawn; its support window is closed." in text(response)
    release.refresh_from_db()
    assert release.support_until is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("release-support-window", "2030-02-31", "Support until '2030-02-31': Enter a valid date."),
        ("release-support-window", "", "Support until '': This field is required."),
        ("release-mark-supported", "soon", "Support until 'soon': Enter a valid date."),
    ],
)
def test_a_bad_date_is_named_and_changes_nothing(client_for, task_force_lead, name, value, message):
    release = ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED)

    response = client_for(task_force_lead).post(action_url(name, release), {"support_until": value}, follow=True)

    assert response.status_code == 200
    assert message in text(response)
    release.refresh_from_db()
    assert (release.status, release.support_until) == (ReleaseStatus.APPROVED, None)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_of_a_release_runs_a_constant_number_of_queries(
    client_for, task_force_lead, django_assert_num_queries, rows
):
    major = supported("v23.0.0")
    for number in range(rows):
        patch = supported(f"v23.0.{number + 1}", base_release=major)
        BackportRequestFactory(target_release=major, status=BackportStatus.SHIPPED, shipped_in=patch)
        BackportRequestFactory(target_release=major)
        approve(major, f"Campaign {number}")
        CampaignFactory(name=f"Pinned {number}", release=major)
    client = client_for(task_force_lead)

    # session, user, roles of the user, the release, its patches, the releases cut from it, backports to it,
    # backports shipped in it, approvals, pinned campaigns, decisions, their committees, audit events
    with django_assert_num_queries(13):
        response = client.get(detail_url(major))
    assert len(response.context["pending_backports"]) == rows
