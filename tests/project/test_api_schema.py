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


@pytest.fixture
def served_schema(client_for, viewer) -> dict:
    return client_for(viewer).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


@pytest.mark.django_db
def test_every_operation_documents_the_errors_any_request_can_get(served_schema):
    """400 for a query parameter it does not take, 401 without credentials, 429 after too many bad tokens (with
    Retry-After); 413 and 415 for a body too large or not JSON."""
    missing = []
    for label, operation in _operations(served_schema):
        expected = {"400", "401", "429"} | ({"413", "415"} if "requestBody" in operation else set())
        missing += [f"{label}: {code}" for code in sorted(expected - set(operation["responses"]))]
        if "Retry-After" not in operation["responses"].get("429", {}).get("headers", {}):
            missing.append(f"{label}: Retry-After")

    assert missing == []


@pytest.mark.django_db
def test_request_bodies_are_json_only(served_schema):
    media_types = {
        media_type
        for label, operation in _operations(served_schema)
        if label != "POST /api/v1/submissions/{id}/measurements/"
        for media_type in operation.get("requestBody", {}).get("content", {})
    }

    assert media_types == {"application/json"}


@pytest.mark.django_db
def test_every_integer_parameter_has_the_bounds_of_64_bits_or_narrower(served_schema):
    unbounded = [
        f"{label} {parameter['name']}"
        for label, operation in _operations(served_schema)
        for parameter in operation.get("parameters", [])
        for schema in (parameter["schema"], parameter["schema"].get("items", {}))
        if schema.get("type") == "integer"
        and not (schema.get("minimum", -(2**64)) >= -(2**63) and schema.get("maximum", 2**64) <= 2**63 - 1)
    ]

    assert unbounded == []


@pytest.mark.django_db
def test_text_in_requests_may_not_hold_nul(served_schema):
    request = served_schema["components"]["schemas"]["DecisionCreateRequest"]["properties"]

    assert request["title"]["pattern"] == "^[^\\u0000]*$"
    assert request["proposal"]["pattern"] == "^[^\\u0000]*$"
