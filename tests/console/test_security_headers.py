"""Security headers on every kind of answer: a page, the API, error pages; HSTS on HTTPS in production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.project.test_settings import run_manage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

EVERYWHERE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    for header, value in EVERYWHERE.items():
        assert response.headers.get(header) == value, f"{header} on {response.status_code}: {response.headers}"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy


def test_a_page_has_them(client_for, viewer):
    response = client_for(viewer).get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP, development mode


def test_an_api_answer_has_them(client_for, viewer):
    response = client_for(viewer).get(reverse("api:me"))

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.parametrize(
    ("who", "method", "path", "status"),
    [
        ("viewer", "get", "/campaigns/999999/", 404),
        ("viewer", "get", "/no-such-page/", 404),
        ("viewer", "post", "/releases/new/", 403),
        ("viewer", "get", "/releases/new/", 405),
        (None, "get", "/api/v1/me/", 401),
        (None, "get", "/", 302),
    ],
)
def test_error_answers_have_them(client, viewer, who, method, path, status):
    if who:
        client.force_login(viewer)

    response = getattr(client, method)(path, {"version": "v40.0.0"} if method == "post" else None)

    assert response.status_code == status
    assert_security_headers(response)


# Production mode, in a process of its own with the settings CI's deployment check uses.

PRODUCTION_ANSWERS = """
import json
from django.test import Client
from django.test.utils import override_settings

# The pages link their static files through the manifest that collectstatic writes; not needed for headers.
plain_static = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
client = Client(HTTP_HOST="console.example.org")
answers = {}
with override_settings(STORAGES=plain_static):
    for name, path, https in [("page", "/login/", True), ("api", "/api/v1/me/", True),
                              ("error", "/no-such-page/", True), ("http", "/login/", False)]:
        extra = {"HTTP_X_FORWARDED_PROTO": "https"} if https else {}
        response = client.get(path, **extra)
        answers[name] = {"status": response.status_code, "headers": dict(response.headers)}
print("ANSWERS " + json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_answers(tmp_path_factory):
    result = run_manage(
        "shell",
        "-c",
        PRODUCTION_ANSWERS,
        CONSOLE_MODE="production",
        SECRET_KEY="x" * 20 + "a-long-and-random-enough-production-key-0123456789",
        DATABASE_URL="postgres://console@127.0.0.1/console",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="console.example.org",
        CONSOLE_DATA_DIR=str(tmp_path_factory.mktemp("production")),
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("ANSWERS "))
    return json.loads(line.removeprefix("ANSWERS "))


@pytest.mark.parametrize(("answer", "status"), [("page", 200), ("api", 401), ("error", 404)])
def test_https_answers_in_production_have_hsts_and_the_rest(production_answers, answer, status):
    response = production_answers[answer]

    assert response["status"] == status
    assert response["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    for header, value in EVERYWHERE.items():
        assert response["headers"][header] == value
    assert "frame-ancestors 'none'" in response["headers"]["Content-Security-Policy"]


def test_plain_http_in_production_is_sent_to_https(production_answers):
    response = production_answers["http"]

    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://console.example.org/login/"


def test_the_deployment_checks_pass_with_the_environment_of_ci(tmp_path):
    """What .ci/run checks: `manage.py check --deploy --fail-level WARNING` in production mode."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **os.environ,
            "CONSOLE_MODE": "production",
            "SECRET_KEY": "ci-" + "k3y" * 20,
            "ALLOWED_HOSTS": "console.example.org",
            "CONSOLE_DATA_DIR": str(tmp_path),
            "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/console",
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
