"""Release versions, RFC ids and tickets are checked against one pattern each, at every entry point (issue 13).

The patterns ended in ``$`` and used ``\\d``: a version with a trailing newline (``"v23.0.1\\n"``) and
one written in other digits (``"v\u0662\u0663.0.1"``) passed, and became addresses that nothing else matched.
The services, the forms, the API and the model now refuse them alike, naming the value escaped.
"""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from console.errors import InvalidInput
from releases.models import BackportRequest, Release
from releases.services import backport_request_create, release_create
from tests.releases.factories import BackportRequestFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

BAD_VERSIONS = ["v23.0.1\n", "v\u0662\u0663.0.1", "v23.0.1\u202e", "v23/0.1", "v23.0.1 "]
BAD_RFC_IDS = ["RFC-812\n", "RFC-\uff18\uff11\uff12", "RFC-812\u200b", "RFC-812/1", ".."]


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_the_service_refuses_a_version_that_cannot_be_in_a_url(task_force_lead, version):
    with pytest.raises(InvalidInput) as refused:
        release_create(actor=task_force_lead, version=version)

    assert str(refused.value) == f"{version!r} is not a release version like v23.0.1 or w.2021.28"
    assert not Release.objects.exists()


@pytest.mark.parametrize("rfc_id", BAD_RFC_IDS)
def test_the_service_refuses_an_rfc_id_that_cannot_be_in_a_url(operator, rfc_id):
    supported = SupportedReleaseFactory(version="v23.0.0")

    with pytest.raises(InvalidInput) as refused:
        backport_request_create(
            actor=operator, rfc_id=rfc_id, ticket="DM-1", title="t", rationale="r", target_release=supported
        )

    assert str(refused.value) == f"{rfc_id!r} is not an RFC id like RFC-812"
    assert not BackportRequest.objects.exists()


def test_the_service_refuses_a_ticket_in_other_digits(operator):
    supported = SupportedReleaseFactory(version="v23.0.0")

    with pytest.raises(InvalidInput, match="'DM-\u0663' is not a ticket like DM-34567"):
        backport_request_create(
            actor=operator, rfc_id="RFC-812", ticket="DM-\u0663", title="t", rationale="r", target_release=supported
        )


def test_the_record_form_refuses_a_version_in_other_digits_naming_the_field(client_for, task_force_lead):
    version = "v\u0662\u0663.0.1"

    response = client_for(task_force_lead).post(reverse("releases:release-create"), {"version": version}, follow=True)

    message = f"Version {version!r}: {version!r} is not a release version like v23.0.1 or w.2021.28"
    assert message in html.unescape(response.content.decode())
    assert not Release.objects.exists()


def test_the_request_form_refuses_an_rfc_id_in_other_digits_naming_the_field(client_for, operator):
    SupportedReleaseFactory(version="v23.0.0")
    rfc_id = "RFC-\uff18\uff11\uff12"
    data = {"rfc_id": rfc_id, "ticket": "DM-1", "title": "t", "rationale": "r", "target_release": "v23.0.0"}

    response = client_for(operator).post(reverse("releases:backport-create"), data, follow=True)

    assert f"RFC {rfc_id!r}: {rfc_id!r} is not an RFC id like RFC-812" in html.unescape(response.content.decode())
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize("version", ["v\u0662\u0663.0.1", "v23.0.1\u202e"])
def test_the_api_refuses_a_version_that_cannot_be_in_a_url_with_400_naming_the_field(
    client_for, task_force_lead, version
):
    response = client_for(task_force_lead).post(
        reverse("api:release-list"), {"version": version}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["version"] == [f"{version!r} is not a release version like v23.0.1 or w.2021.28"]
    assert not Release.objects.exists()


def test_the_api_refuses_an_rfc_id_that_cannot_be_in_a_url_with_400_naming_the_field(client_for, operator):
    SupportedReleaseFactory(version="v23.0.0")
    body = {"rfc_id": "RFC-\u0661", "ticket": "DM-1", "title": "t", "rationale": "r", "target_release": "v23.0.0"}

    response = client_for(operator).post(reverse("api:backport-request-list"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["rfc_id"] == ["'RFC-\u0661' is not an RFC id like RFC-812"]
    assert not BackportRequest.objects.exists()


@pytest.mark.parametrize("version", ["v23.0.1\n", "v\u0662\u0663.0.1"])
def test_the_model_refuses_a_bad_version_so_admin_forms_do_too(version):
    with pytest.raises(ValidationError) as refused:
        Release(version=version).full_clean()

    assert refused.value.message_dict["version"] == [f"{version!r} is not a release version like v23.0.1 or w.2021.28"]


def test_the_model_refuses_a_bad_rfc_id_so_admin_forms_do_too():
    backport = BackportRequestFactory.build(rfc_id="RFC-812\n", target_release=SupportedReleaseFactory())

    with pytest.raises(ValidationError) as refused:
        backport.full_clean(exclude=["requester"])

    assert refused.value.message_dict["rfc_id"] == ["'RFC-812\\n' is not an RFC id like RFC-812"]
