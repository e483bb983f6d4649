"""Request bodies over their URL's limit are refused with 413 naming the limit, before they are read.

The measurements upload and the milestone import page have their own tests of what they refuse
(``tests/qa/test_measurements_ingest.py``, ``tests/milestones/test_milestone_import.py``); these are about the
limit itself: per URL, declared or sent in chunks, and through the real web server.
"""

import io
import json
import socket
import time

import pytest
import requests
from django.urls import reverse
from rest_framework.authtoken.models import Token

from qa.models import Measurement
from releases.models import Release
from tests.qa.factories import MetricFactory, succeeded_run
from tests.support.processes import Console


def chunked_post(client, path: str, body: io.BytesIO):
    """A POST whose body comes without a Content-Length, as the web server hands on one sent in chunks."""
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=path,
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body, "wsgi.input_terminated": True},
    )


def release_request(size: int) -> bytes:
    """A release to create, its notes padded so that the JSON has ``size`` bytes."""
    body = json.dumps({"version": "v99.0.0", "notes": ""})
    return json.dumps({"version": "v99.0.0", "notes": "n" * (size - len(body))}).encode()


@pytest.mark.django_db
def test_an_api_request_over_the_limit_is_refused_with_413_naming_it(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 4096

    response = client_for(task_force_lead).post(
        reverse("api:release-list"), release_request(4097), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body has 4,097 bytes; this accepts at most 4,096 bytes (4 KiB).",
        "code": "too_large",
    }
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_a_request_at_the_limit_is_taken(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 4096

    response = client_for(task_force_lead).post(
        reverse("api:release-list"), release_request(4096), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert Release.objects.get().version == "v99.0.0"


@pytest.mark.django_db
def test_a_body_sent_in_chunks_is_refused_as_soon_as_it_passes_the_limit(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 4096
    body = io.BytesIO(release_request(10_000))

    response = chunked_post(client_for(task_force_lead), reverse("api:release-list"), body)

    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request body (sent in chunks) is larger; this accepts at most 4,096 bytes (4 KiB)."
    )
    assert body.tell() == 4097  # read up to the first byte past the limit, no further
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_a_body_sent_in_chunks_within_the_limit_is_handed_on(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 4096

    response = chunked_post(client_for(task_force_lead), reverse("api:release-list"), io.BytesIO(release_request(4096)))

    assert response.status_code == 201, response.content
    assert Release.objects.get().version == "v99.0.0"


@pytest.mark.django_db
def test_a_page_form_over_the_limit_gets_a_413_page(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = client_for(task_force_lead).post(reverse("milestones:milestone-import"), {"note": "n" * 2000})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "this accepts at most 1,024 bytes (1 KiB)." in response.content.decode()


# Through the real web server (gunicorn, as `make run` starts it) -----------------------------------------


def declared_but_not_sent(console: Console, path: str, length: int) -> tuple[bytes, float]:
    """Send only the headers of a POST declaring ``length`` bytes; the answer and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", console.port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_the_web_server_answers_413_without_waiting_for_the_body(tmp_path):
    run = succeeded_run()
    console = Console(tmp_path, env={"UPLOAD_MAX_BYTES": "1048576", "MEASUREMENT_UPLOAD_MAX_BYTES": "8388608"})
    try:
        console.start("web")
        upload, upload_took = declared_but_not_sent(
            console, reverse("api:submission-measurements", kwargs={"pk": run.pk}), 600 * 2**20
        )
        page, page_took = declared_but_not_sent(console, reverse("milestones:milestone-import"), 5 * 2**20)
    finally:
        console.close()

    # Had anything waited for the hundreds of megabytes declared, the socket would have timed out.
    assert upload.startswith(b"HTTP/1.1 413 "), upload[:300]
    assert b"this accepts at most 8,388,608 bytes (8 MiB)." in upload
    assert page.startswith(b"HTTP/1.1 413 "), page[:300]
    assert b"this accepts at most 1,048,576 bytes (1 MiB)." in page
    assert max(upload_took, page_took) < 10


@pytest.mark.django_db(transaction=True)
def test_the_web_server_hands_on_an_upload_sent_in_chunks(tmp_path, operator):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    token = Token.objects.create(user=operator)
    rows = [{"metric": "demo.detector_mean", "value": float(n), "tags": {"detector": str(n)}} for n in range(50)]
    body = json.dumps(rows).encode()
    console = Console(tmp_path)
    try:
        console.start("web")
        response = requests.post(
            console.url + reverse("api:submission-measurements", kwargs={"pk": run.pk}),
            data=(body[start : start + 500] for start in range(0, len(body), 500)),
            headers={"Authorization": f"Token {token.key}", "Content-Type": "application/json"},
            timeout=30,
        )
    finally:
        console.close()

    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 201, response.text
    assert response.json() == {"ingested": 50, "registered_metrics": []}
    assert Measurement.objects.filter(submission=run).count() == 50
