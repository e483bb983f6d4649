"""A backport request for a release that takes no new work: withdrawn, ended, or past its last day of support
(checked by date, before the daily task moves it). The service refuses it by name; the page shows the refusal as
a message and the API as 409."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from console.errors import Conflict
from console.models import AuditEvent
from releases.models import BackportRequest, Release
from releases.services import backport_request_create, release_end_support, release_withdraw
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db

BODY = {"rfc_id": "RFC-812", "ticket": "DM-34567", "title": "Fix the PSF", "rationale": "DC2 needs it."}


def request_backport(actor, release: Release) -> BackportRequest:
    return backport_request_create(actor=actor, target_release=release, **BODY)


def withdrawn(lead) -> tuple[Release, str]:
    release = release_withdraw(actor=lead, release=SupportedReleaseFactory(version="v23.0.0"))
    return release, f"v23.0.0 is withdrawn since {timezone.localdate():%Y-%m-%d}; it takes no backport requests."


def ended(lead) -> tuple[Release, str]:
    release = release_end_support(actor=lead, release=SupportedReleaseFactory(version="v23.0.0"))
    return release, (
        f"v23.0.0 is end-of-support: its support ended on {timezone.localdate():%Y-%m-%d}; "
        "it takes no backport requests."
    )


def past_its_last_day(lead) -> tuple[Release, str]:
    yesterday = timezone.localdate() - timedelta(days=1)
    release = SupportedReleaseFactory(version="v23.0.0", support_until=yesterday)
    return (
        release,
        f"v23.0.0 is supported but its support ended on {yesterday:%Y-%m-%d}; it takes no backport requests.",
    )


CLOSED = [withdrawn, ended, past_its_last_day]


@pytest.mark.parametrize("closed", CLOSED)
def test_the_service_refuses_a_backport_to_a_closed_release_naming_it_and_why(operator, task_force_lead, closed):
    release, message = closed(task_force_lead)

    with pytest.raises(Conflict) as refused:
        request_backport(operator, release)

    assert str(refused.value) == message
    assert not BackportRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="backport.requested").exists()


def test_a_release_on_its_last_day_of_support_still_takes_backports(operator):
    release = SupportedReleaseFactory(version="v23.0.0", support_until=timezone.localdate())

    assert request_backport(operator, release).target_release == release


@pytest.mark.parametrize("closed", CLOSED)
def test_the_page_shows_the_refusal_as_a_message(client_for, operator, task_force_lead, closed):
    release, message = closed(task_force_lead)
    back = reverse("releases:backport-list")

    response = client_for(operator).post(
        reverse("releases:backport-create"), {**BODY, "target_release": release.version}, HTTP_REFERER=back, follow=True
    )

    assert response.redirect_chain == [(back, 302)]
    assert message in unescape(response.content.decode())
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize("closed", CLOSED)
def test_the_api_refuses_with_409_naming_the_release(client_for, operator, task_force_lead, closed):
    release, message = closed(task_force_lead)

    response = client_for(operator).post(
        reverse("api:backport-request-list"),
        {**BODY, "target_release": release.version},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == message
    assert not BackportRequest.objects.exists()


def test_the_request_form_does_not_offer_a_release_past_its_last_day(client_for, operator):
    SupportedReleaseFactory(version="v23.0.0", support_until=timezone.localdate() - timedelta(days=1))
    SupportedReleaseFactory(version="v24.0.0", support_until=timezone.localdate())

    form = client_for(operator).get(reverse("releases:backport-list")).context["request_form"]

    assert [release.version for release in form.fields["target_release"].queryset] == ["v24.0.0"]
