"""Settings come from the environment and a bad value stops the start-up with its name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from console.env import env_bool, env_int, env_networks

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with the given environment on top of ours."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_boolean_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")

    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


def test_a_number_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")

    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_PORT='twenty-five' is not a whole number"):
        env_int("EMAIL_PORT", 25)


def test_a_proxy_address_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("AUTH_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example.org")

    with pytest.raises(ImproperlyConfigured, match=r"'proxy.example.org' is not an IP address"):
        env_networks("AUTH_TRUSTED_PROXIES")


def test_header_mode_without_trusted_proxies_refuses_to_start(tmp_path):
    result = run_manage("check", AUTH_PROXY_HEADER="1", AUTH_TRUSTED_PROXIES="", CONSOLE_DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "AUTH_PROXY_HEADER is on but AUTH_TRUSTED_PROXIES is empty" in result.stderr


def test_production_mode_without_a_secret_key_refuses_to_start(tmp_path):
    result = run_manage(
        "check",
        CONSOLE_MODE="production",
        SECRET_KEY="",
        DATABASE_URL="postgres://console@127.0.0.1/console",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="console.example.org",
        CONSOLE_DATA_DIR=str(tmp_path),
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_passes_the_deployment_checks(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        CONSOLE_MODE="production",
        SECRET_KEY="x" * 20 + "a-long-and-random-enough-production-key-0123456789",
        DATABASE_URL="postgres://console@127.0.0.1/console",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="console.example.org",
        CONSOLE_DATA_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_development_secret_key_is_generated_once_and_kept(tmp_path):
    env = {"CONSOLE_DATA_DIR": str(tmp_path), "SECRET_KEY": ""}
    show_key = "from django.conf import settings; print(settings.SECRET_KEY)"

    first = run_manage("shell", "-c", show_key, **env)
    second = run_manage("shell", "-c", show_key, **env)

    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip()) >= 50
    assert first.stdout == second.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit_compilation():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (CI runs it)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
