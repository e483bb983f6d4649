"""The backport pages: the queue, one request's page, and recording its merge and shipment."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from console.models import AuditEvent
from console.roles import Role
from releases.choices import BackportStatus, ReleaseStatus
from releases.models import BackportRequest, Release
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory
from tests.console.factories import UserFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("releases:backport-list")
CREATE_URL = reverse("releases:backport-create")


def detail_url(backport: BackportRequest) -> str:
    return reverse("releases:backport-detail", kwargs={"rfc_id": backport.rfc_id})


def action_url(name: str, backport: BackportRequest) -> str:
    return reverse(f"releases:{name}", kwargs={"rfc_id": backport.rfc_id})


def text(response) -> str:
    """The page as a person reads it (entities such as &#x27; decoded)."""
    return unescape(response.content.decode())


def supported(version: str, **fields) -> Release:
    return SupportedReleaseFactory(version=version, **fields)


def aged(backport: BackportRequest, days: int) -> BackportRequest:
    """Pretend the request was made ``days`` ago (``created_at`` is set on insert)."""
    BackportRequest.objects.filter(pk=backport.pk).update(created_at=timezone.now() - timedelta(days=days, hours=1))
    backport.refresh_from_db()
    return backport


def request_data(**overrides) -> dict:
    return {
        "rfc_id": "RFC-812",
        "ticket": "DM-34567",
        "title": "Fix the PSF model on the edges",
        "rationale": "DC2 RC1 needs it.",
        "target_release": "v23.0.0",
        **overrides,
    }


# The queue


def test_the_queue_shows_each_request_with_its_release_status_requester_and_age(client_for, viewer, operator):
    major = supported("v23.0.0")
    patch = supported("v23.0.1", base_release=major)
    older = aged(BackportRequestFactory(rfc_id="RFC-800", target_release=major, requester=operator), days=12)
    shipped = BackportRequestFactory(
        rfc_id="RFC-801", ticket="DM-40001", target_release=major, status=BackportStatus.SHIPPED, shipped_in=patch
    )

    response = client_for(viewer).get(LIST_URL)

    assert response.status_code == 200
    assert list(response.context["page"]) == [shipped, older]
    page = text(response)
    assert f'<a class="fw-semibold" href="{detail_url(older)}">RFC-800</a>' in page
    assert "<code>DM-40001</code>" in page
    assert older.title in page
    assert f'<a href="{major.get_absolute_url()}">v23.0.0</a>' in page
    assert '<span class="badge text-bg-info" data-testid="backport-status">Proposed</span>' in page
    assert '<span class="badge text-bg-success" data-testid="backport-status">Shipped</span>' in page
    assert '<td data-label="Requester">operator</td>' in page
    assert ">12 days</td>" in page
    assert f'<a href="{patch.get_absolute_url()}">v23.0.1</a>' in page


def test_the_queue_filters_by_release_status_and_age(client_for, viewer):
    v23 = supported("v23.0.0")
    v24 = supported("v24.0.0")
    old = aged(BackportRequestFactory(target_release=v23), days=40)
    recent = BackportRequestFactory(target_release=v23, status=BackportStatus.APPROVED)
    other = BackportRequestFactory(target_release=v24, status=BackportStatus.UNDER_REVIEW)
    client = client_for(viewer)

    def rows(**query):
        return list(client.get(LIST_URL, query).context["page"])

    assert rows(release="v23.0.0") == [recent, old]
    assert rows(status=["approved", "under-review"]) == [other, recent]
    assert rows(older_than_days="30") == [old]
    assert rows(release="v24.0.0", status="proposed") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "lost"}, "Status 'lost': Select a valid choice. lost is not one of the available choices."),
        ({"older_than_days": "a week"}, "Older than (days) 'a week': Enter a number."),
        ({"older_than_days": "-1"}, "Older than (days) '-1': Ensure this value is greater than or equal to 0."),
        ({"older_than_days": "99999999999"}, "Older than (days) '99999999999': Ensure this value is less than"),
    ],
)
def test_a_bad_filter_value_is_named_not_a_crash(client_for, viewer, query, message):
    BackportRequestFactory()

    response = client_for(viewer).get(LIST_URL, query)

    assert response.status_code == 200
    assert message in text(response)


def test_the_queue_shows_fifty_requests_a_page(client_for, viewer):
    release = supported("v23.0.0")
    BackportRequestFactory.create_batch(51, target_release=release)
    client = client_for(viewer)

    first = client.get(LIST_URL, {"release": "v23.0.0"})
    second = client.get(LIST_URL, {"release": "v23.0.0", "page": 2})

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 1
    assert 'href="?release=v23.0.0&page=2">Next</a>' in text(first)


@pytest.mark.parametrize(
    ("user_fixture", "sees_form"),
    [
        ("task_force_lead", True),
        ("committee_member", True),
        ("ccb_member", True),
        ("operator", True),
        ("staff_user", True),
        ("viewer", False),
    ],
)
def test_only_working_roles_see_the_request_form(request, client_for, user_fixture, sees_form):
    page = text(client_for(request.getfixturevalue(user_fixture)).get(LIST_URL))

    assert ('data-testid="backport-request-form"' in page) is sees_form


def test_the_request_form_offers_only_supported_releases(client_for, operator):
    supported("v23.0.0")
    ReleaseFactory(version="v24.0.0", status=ReleaseStatus.APPROVED)
    ReleaseFactory(version="v22.0.0", status=ReleaseStatus.END_OF_SUPPORT)

    form = client_for(operator).get(LIST_URL).context["request_form"]

    assert [release.version for release in form.fields["target_release"].queryset] == ["v23.0.0"]


def test_an_operator_requests_a_backport_and_lands_on_its_page(client_for, operator):
    release = supported("v23.0.0")

    response = client_for(operator).post(CREATE_URL, request_data(), follow=True)

    backport = BackportRequest.objects.get(rfc_id="RFC-812")
    assert response.redirect_chain == [(detail_url(backport), 302)]
    assert (backport.target_release, backport.requester, backport.status) == (
        release,
        operator,
        BackportStatus.PROPOSED,
    )
    assert "RFC-812 requested for v23.0.0." in text(response)
    event = AuditEvent.objects.get(action="backport.requested", object_id=str(backport.pk))
    assert event.actor == operator


def test_a_viewer_cannot_request_a_backport_whatever_they_post(client_for, viewer):
    supported("v23.0.0")

    response = client_for(viewer).post(CREATE_URL, request_data())

    assert response.status_code == 403
    assert (
        "Only a task force lead or committee member or change control board member or operator may request backports."
        in text(response)
    )
    assert not BackportRequest.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_backport_to_a_release_out_of_support_is_refused_with_the_reason(client_for, operator):
    ReleaseFactory(version="v23.0.0", status=ReleaseStatus.APPROVED)

    response = client_for(operator).post(CREATE_URL, request_data(), HTTP_REFERER=LIST_URL, follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "v23.0.0 is approved; only a supported release takes backports." in text(response)
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rfc_id": "RFC812"}, "'RFC812' is not an RFC id like RFC-812"),
        ({"ticket": "JIRA-1"}, "'JIRA-1' is not a ticket like DM-34567"),
    ],
)
def test_a_malformed_id_is_refused_by_name(client_for, operator, overrides, message):
    supported("v23.0.0")

    response = client_for(operator).post(CREATE_URL, request_data(**overrides), HTTP_REFERER=LIST_URL, follow=True)

    assert message in text(response)
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rationale": ""}, "Rationale '': This field is required."),
        ({"target_release": "v9.9.9"}, "Target release 'v9.9.9': There is no release v9.9.9."),
        ({"title": "x" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_invalid_request_fields_are_named(client_for, operator, overrides, message):
    supported("v23.0.0")

    response = client_for(operator).post(CREATE_URL, request_data(**overrides), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert message in text(response)
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_queue_runs_a_constant_number_of_queries(client_for, operator, django_assert_num_queries, rows):
    major = supported("v23.0.0")
    patch = supported("v23.0.1", base_release=major)
    for number in range(rows):
        shipped = number % 2 == 0
        BackportRequestFactory(
            target_release=major,
            status=BackportStatus.SHIPPED if shipped else BackportStatus.PROPOSED,
            shipped_in=patch if shipped else None,
        )
    client = client_for(operator)

    # session, user, roles of the user, count, page of requests, supported releases for the form
    with django_assert_num_queries(6):
        response = client.get(LIST_URL)
    assert len(response.context["page"]) == rows


# One request's page


def test_the_page_shows_the_request_its_decisions_and_who_decides(client_for, viewer):
    backport = BackportRequestFactory(
        rfc_id="RFC-812", rationale="DC2 RC1 needs it.", status=BackportStatus.UNDER_REVIEW
    )
    decision = DecisionFactory(
        committee=ChangeControlBoardFactory(),
        kind=DecisionKind.BACKPORT,
        backport_request=backport,
        title="Backport RFC-812",
        status=DecisionStatus.OPEN,
    )
    AuditEvent.objects.create(
        actor_name="load_demo",
        action="backport.requested",
        object_type="releases.backportrequest",
        object_id=str(backport.pk),
        object_repr=str(backport),
    )

    response = client_for(viewer).get(detail_url(backport))

    assert response.status_code == 200
    page = text(response)
    for shown in (backport.rfc_id, backport.ticket, backport.title, "DC2 RC1 needs it.", backport.requester.username):
        assert shown in page
    assert f'<a href="{backport.target_release.get_absolute_url()}">{backport.target_release.version}</a>' in page
    assert f'<a href="{decision.get_absolute_url()}">Backport RFC-812</a>' in page
    assert '<span class="badge text-bg-warning" data-testid="backport-status">Under review</span>' in page
    assert "approval and rejection come from the change control board's decision" in page
    assert "<code>backport.requested</code>" in page
    assert 'data-testid="backport-actions"' not in page


def test_an_unknown_request_is_not_found(client_for, viewer):
    assert client_for(viewer).get(reverse("releases:backport-detail", kwargs={"rfc_id": "RFC-1"})).status_code == 404


@pytest.mark.parametrize(
    ("status", "forms"),
    [
        (BackportStatus.PROPOSED, set()),
        (BackportStatus.UNDER_REVIEW, set()),
        (BackportStatus.APPROVED, {"merge-form"}),
        (BackportStatus.REJECTED, set()),
        (BackportStatus.MERGED, {"ship-form"}),
    ],
)
@pytest.mark.parametrize("user_fixture", ["ccb_member", "task_force_lead"])
def test_recorders_see_only_the_actions_the_status_allows(request, client_for, user_fixture, status, forms):
    backport = BackportRequestFactory(status=status)

    page = text(client_for(request.getfixturevalue(user_fixture)).get(detail_url(backport)))

    assert {form for form in ("merge-form", "ship-form") if f'data-testid="{form}"' in page} == forms


@pytest.mark.parametrize("user_fixture", ["operator", "committee_member", "viewer"])
def test_other_roles_see_no_backport_action(request, client_for, user_fixture):
    backport = BackportRequestFactory(status=BackportStatus.APPROVED)

    page = text(client_for(request.getfixturevalue(user_fixture)).get(detail_url(backport)))

    assert 'data-testid="backport-actions"' not in page


def test_the_ship_form_offers_the_patches_of_the_target_family(client_for, ccb_member):
    major = supported("v23.0.0")
    target = supported("v23.0.1", base_release=major)
    ReleaseFactory(version="v23.0.2", base_release=major)
    ReleaseFactory(version="v23.0.3", base_release=major, status=ReleaseStatus.WITHDRAWN)
    ReleaseFactory(version="v24.0.1", base_release=supported("v24.0.0"))
    backport = BackportRequestFactory(target_release=target, status=BackportStatus.MERGED)

    form = client_for(ccb_member).get(detail_url(backport)).context["ship_form"]

    assert [release.version for release in form.fields["patch_release"].queryset] == ["v23.0.2", "v23.0.1"]


def test_a_board_member_records_the_merge(client_for, ccb_member):
    backport = BackportRequestFactory(status=BackportStatus.APPROVED)

    response = client_for(ccb_member).post(action_url("backport-merge", backport), follow=True)

    backport.refresh_from_db()
    assert response.redirect_chain == [(detail_url(backport), 302)]
    assert backport.status == BackportStatus.MERGED
    assert f"{backport.rfc_id} is merged." in text(response)
    event = AuditEvent.objects.get(action="backport.merged", object_id=str(backport.pk))
    assert (event.actor, event.before, event.after) == (ccb_member, {"status": "approved"}, {"status": "merged"})


def test_the_lead_records_the_shipment_in_a_patch_of_the_target(client_for, task_force_lead):
    major = supported("v23.0.0")
    patch = ReleaseFactory(version="v23.0.1", base_release=major)
    backport = BackportRequestFactory(target_release=major, status=BackportStatus.MERGED)

    response = client_for(task_force_lead).post(
        action_url("backport-ship", backport), {"patch_release": "v23.0.1"}, follow=True
    )

    backport.refresh_from_db()
    assert (backport.status, backport.shipped_in) == (BackportStatus.SHIPPED, patch)
    assert f"{backport.rfc_id} shipped in v23.0.1." in text(response)
    event = AuditEvent.objects.get(action="backport.shipped", object_id=str(backport.pk))
    assert event.after == {"status": "shipped", "shipped_in": "v23.0.1"}


def test_shipping_in_a_patch_of_another_release_is_refused_with_the_reason(client_for, ccb_member):
    target = supported("v23.0.0")
    ReleaseFactory(version="v24.0.1", base_release=supported("v24.0.0"))
    backport = BackportRequestFactory(rfc_id="RFC-812", target_release=target, status=BackportStatus.MERGED)

    response = client_for(ccb_member).post(
        action_url("backport-ship", backport),
        {"patch_release": "v24.0.1"},
        HTTP_REFERER=detail_url(backport),
        follow=True,
    )

    assert response.redirect_chain == [(detail_url(backport), 302)]
    assert "RFC-812 targets v23.0.0; it can ship only in a patch of v23.0.0, not in v24.0.1." in text(response)
    backport.refresh_from_db()
    assert (backport.status, backport.shipped_in) == (BackportStatus.MERGED, None)
    assert not AuditEvent.objects.exists()


def test_merging_a_request_the_board_has_not_approved_is_refused_with_the_reason(client_for, ccb_member):
    backport = BackportRequestFactory(rfc_id="RFC-812", status=BackportStatus.UNDER_REVIEW)

    response = client_for(ccb_member).post(
        action_url("backport-merge", backport), HTTP_REFERER=detail_url(backport), follow=True
    )

    assert "it cannot become merged (from under-review it can become: approved, proposed, rejected)." in text(response)
    backport.refresh_from_db()
    assert backport.status == BackportStatus.UNDER_REVIEW


def test_an_unknown_patch_is_named(client_for, ccb_member):
    backport = BackportRequestFactory(status=BackportStatus.MERGED)

    response = client_for(ccb_member).post(action_url("backport-ship", backport), {"patch_release": "v1"}, follow=True)

    assert response.redirect_chain == [(detail_url(backport), 302)]
    assert "Patch release 'v1': There is no release v1." in text(response)
    backport.refresh_from_db()
    assert backport.status == BackportStatus.MERGED


@pytest.mark.parametrize(
    ("name", "status", "action"),
    [
        ("backport-merge", BackportStatus.APPROVED, "record backport merges"),
        ("backport-ship", BackportStatus.MERGED, "record backport shipments"),
    ],
)
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.COMMITTEE_MEMBER, Role.VIEWER])
def test_other_roles_are_refused_every_backport_action(client_for, name, status, action, role):
    major = supported("v23.0.0")
    ReleaseFactory(version="v23.0.1", base_release=major)
    backport = BackportRequestFactory(target_release=major, status=status)
    user = UserFactory(username="someone", roles=[role])

    response = client_for(user).post(action_url(name, backport), {"patch_release": "v23.0.1"})

    assert response.status_code == 403
    assert f"Only a task force lead or change control board member may {action}." in text(response)
    backport.refresh_from_db()
    assert (backport.status, backport.shipped_in) == (status, None)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", ["backport-merge", "backport-ship"])
def test_the_backport_actions_refuse_a_get(client_for, ccb_member, name):
    backport = BackportRequestFactory(status=BackportStatus.APPROVED)

    assert client_for(ccb_member).get(action_url(name, backport)).status_code == 405


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_of_a_request_runs_a_constant_number_of_queries(
    client_for, ccb_member, django_assert_num_queries, rows
):
    major = supported("v23.0.0", approved_on=date(2025, 1, 1))
    for number in range(rows):
        ReleaseFactory(version=f"v23.0.{number + 1}", base_release=major)
    backport = BackportRequestFactory(target_release=major, status=BackportStatus.MERGED)
    board = ChangeControlBoardFactory()
    for _ in range(rows):
        DecisionFactory(committee=board, kind=DecisionKind.BACKPORT, backport_request=backport)
    client = client_for(ccb_member)

    # session, user, roles of the user, the request with its releases, its decisions, their committees,
    # the patches for the ship form, audit events
    with django_assert_num_queries(8):
        response = client.get(detail_url(backport))
    assert len(response.context["ship_form"].fields["patch_release"].queryset) == rows
