"""The OpenAPI schema is valid and served to signed-in users."""

import pytest
from django.core.management import call_command
from django.urls import reverse


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/users/{username}/grant-role/" in schema


@pytest.mark.django_db
def test_the_schema_and_docs_are_served_locally(client_for, viewer):
    client = client_for(viewer)

    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get(reverse("api-docs"))

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Campaign Console API"
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content
    assert b"cdn" not in docs.content.lower()
