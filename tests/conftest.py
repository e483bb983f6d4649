"""Fixtures shared by every app's tests: users per role, signed-in clients, strict service mode.

With ``CONSOLE_TEST_SERVICES=required`` (CI) a skipped test fails: a test that
needs the browser, PostgreSQL or the broker must run there, not quietly skip.
"""

import os

import pytest
from django.test import Client

from console.roles import Role
from tests.console.factories import UserFactory

STRICT_SERVICES = os.environ.get("CONSOLE_TEST_SERVICES", "").lower() == "required"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CONSOLE_TEST_SERVICES=required forbids skipping: {reason}"


# The fixtures that give a test the database (pytest-django's), besides the django_db mark.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Each test with a database starts with an empty cache: the rate limits count there, per user id and address.

    The embedded default keeps the cache in a table of the database (console/cache.py), so a test without a
    database has no cache to empty; one with it gets it first (pytest-django's own helper, which tells a
    transactional test from one in a transaction as ``db`` and ``transactional_db`` do).
    """
    if not (request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames)):
        return
    request.getfixturevalue("_django_db_helper")
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks enqueued by the code under test run at once, in the test (the worker tests start a real worker)."""
    from project.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_site_limits(settings):
    """No workflow system's concurrency limit (``CAMPAIGN_SITE_LIMITS``, parsl=2 by default) unless a test sets one:
    the tests of the limits and of campaigns that run automatically set theirs."""
    settings.CAMPAIGN_SITE_LIMITS = {}


@pytest.fixture
def task_force_lead(db):
    return UserFactory(username="lead", roles=[Role.TASK_FORCE_LEAD])


@pytest.fixture
def committee_member(db):
    return UserFactory(username="member", roles=[Role.COMMITTEE_MEMBER])


@pytest.fixture
def ccb_member(db):
    return UserFactory(username="ccb", roles=[Role.CCB_MEMBER])


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", roles=[Role.OPERATOR])


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", roles=[Role.VIEWER])


@pytest.fixture
def staff_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for():
    """A test client signed in as the given user."""

    def signed_in(user, **client_options) -> Client:
        client = Client(**client_options)
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def screenshot_dir():
    """Where browser tests leave their screenshots, for a person to look at."""
    from pathlib import Path

    directory = Path(__file__).parent.parent / "test-results" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def pytest_terminal_summary(terminalreporter):
    """The reliability suite's figures (tests/support/reliability.py), when any of its tests ran."""
    from tests.support.reliability import reliability_summary_lines

    lines = reliability_summary_lines()
    if lines:
        terminalreporter.section("reliability summary")
        for line in lines:
            terminalreporter.write_line(line)
