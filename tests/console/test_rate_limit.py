"""The submission endpoints are rate-limited per person: 429 with Retry-After, counted in the shared cache."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Submission
from console.ratelimit import rate_limit_count, submission_limit
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.support.processes import database_url_of_this_test, wait_until

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# The broker's Redis when it is one (CI), else the local one; only this test's own counter is touched.
_BROKER = os.environ.get("CELERY_BROKER_URL", "")
REDIS_URL = _BROKER if _BROKER.startswith("redis://") else "redis://127.0.0.1:6379/13"


@pytest.fixture(autouse=True)
def nothing_dispatched(monkeypatch):
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", lambda submission: None)


@pytest.fixture
def limit_of_three(settings):
    settings.SUBMISSION_RATE_LIMIT = 3
    settings.SUBMISSION_RATE_WINDOW = 60


@pytest.fixture
def campaign():
    campaign = SubmittableCampaignFactory(name="DC2 RC6")
    StepFactory(campaign=campaign, name="all")
    return campaign


def api_submit(client, campaign, key="the-same-request"):
    return client.post(
        reverse("api:campaign-submit", kwargs={"pk": campaign.pk}),
        {"idempotency_key": key},
        content_type="application/json",
    )


def test_the_fourth_api_submission_in_a_minute_gets_429_with_retry_after(
    client_for, operator, campaign, limit_of_three
):
    client = client_for(operator)
    answers = [api_submit(client, campaign).status_code for _ in range(3)]

    refused = api_submit(client, campaign, key="a-new-request")

    assert answers == [202, 202, 202]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Too many submission requests: at most 3 every 60 seconds")
    assert f"Try again in {refused['Retry-After']} second" in refused.json()["detail"]
    assert not Submission.objects.filter(idempotency_key="a-new-request").exists()


def test_pages_and_api_restart_and_cancel_share_one_count(client_for, operator, campaign, limit_of_three):
    client = client_for(operator)
    failed = SubmissionFactory(step=campaign.steps.get(), status="failed")
    pending = SubmissionFactory(step=StepFactory(campaign=campaign, name="two"), status="pending")
    client.post(reverse("campaigns:submission-restart", kwargs={"pk": failed.pk}), {"idempotency_key": "r1"})
    client.post(reverse("api:submission-cancel", kwargs={"pk": pending.pk}), content_type="application/json")
    client.post(reverse("campaigns:campaign-submit", kwargs={"pk": campaign.pk}), {"step": 0, "idempotency_key": "k"})

    refused = client.post(reverse("campaigns:submission-cancel", kwargs={"pk": pending.pk}))

    assert refused.status_code == 429
    assert refused.templates[0].name == "429.html"
    assert int(refused["Retry-After"]) >= 1
    assert "Too many submission requests: at most 3 every 60 seconds per person." in refused.content.decode()
    assert Submission.objects.filter(restarts=failed).count() == 1


def test_one_persons_limit_leaves_the_others_alone(client_for, operator, task_force_lead, campaign, limit_of_three):
    operator_client = client_for(operator)
    for _ in range(4):
        operator_client_answer = api_submit(operator_client, campaign)

    lead_answer = api_submit(client_for(task_force_lead), campaign, key="the-leads-request")

    assert operator_client_answer.status_code == 429
    assert lead_answer.status_code in (202, 409)  # the step is taken by the operator's submission: not limited
    assert lead_answer.status_code != 429


def test_the_count_starts_again_in_the_next_window(client_for, operator, campaign, settings):
    settings.SUBMISSION_RATE_LIMIT = 2
    settings.SUBMISSION_RATE_WINDOW = 2
    client = client_for(operator)
    # Windows are fixed (they start at multiples of their length): begin at the start of one, so that the three
    # requests below fall into the same window, however close to its end the test would otherwise start.
    time.sleep(2 - time.time() % 2)
    api_submit(client, campaign)
    api_submit(client, campaign)
    refused = api_submit(client, campaign)
    assert refused.status_code == 429

    time.sleep(int(refused["Retry-After"]))

    assert api_submit(client, campaign).status_code == 202


def test_anything_but_a_submission_endpoint_is_not_counted(client_for, operator, campaign, limit_of_three):
    client = client_for(operator)
    for _ in range(5):
        client.post(reverse("api:campaign-pause", kwargs={"pk": campaign.pk}), content_type="application/json")

    assert api_submit(client, campaign).status_code == 202


def test_the_limit_is_shared_by_every_process_through_redis(settings, operator):
    """Counted in Redis by this process, the limit holds in another process reading the same cache."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "console",
        }
    }
    settings.SUBMISSION_RATE_LIMIT = 2
    settings.SUBMISSION_RATE_WINDOW = 3600
    limit = submission_limit()
    # Counted at a fixed moment, so that both processes are in the same window.
    moment = time.time()
    counter = f"rate-limit:submission:{operator.pk}:{int(moment // 3600) * 3600}"
    cache.delete(counter)  # left by an earlier run in this hour, with the same user id
    here = [rate_limit_count(limit, operator.pk, now=moment) for _ in range(2)]
    other_process = (
        "from console.ratelimit import rate_limit_count, submission_limit; "
        f"print(rate_limit_count(submission_limit(), {operator.pk}, now={moment}))"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", other_process],
        cwd=ROOT,
        env={
            **os.environ,
            "CACHE_URL": REDIS_URL,
            "SUBMISSION_RATE_LIMIT": "2",
            "SUBMISSION_RATE_WINDOW": "3600",
            "CONSOLE_DATA_DIR": str(django_settings.DATA_DIR),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert here == [None, None]
    assert result.returncode == 0, result.stderr
    assert 1 <= int(result.stdout.split()[-1]) <= 3600
    assert cache.get(counter) == 3
    cache.delete(counter)


def test_a_cache_that_is_down_lets_submissions_through(client_for, operator, campaign, settings, limit_of_three):
    """Redis unreachable (a closed port): the request is not counted, and answered at once rather than 500."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            # As project/settings/ configures Redis.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = client_for(operator)
    started = time.monotonic()

    # Over the limit of three, were it counted; the same request each time, so each is answered 202.
    answers = [api_submit(client, campaign).status_code for _ in range(4)]

    assert answers == [202, 202, 202, 202]
    assert time.monotonic() - started < 8
    assert Submission.objects.filter(idempotency_key="the-same-request").count() == 1


def test_a_cache_url_that_is_not_redis_fails_loudly(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "CACHE_URL": "memcached://127.0.0.1:11211", "CONSOLE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "CACHE_URL='memcached://127.0.0.1:11211': use redis://host:6379/N" in result.stderr


def test_production_counts_in_the_brokers_redis_unless_told_otherwise(tmp_path):
    show = "from django.conf import settings; print(settings.CACHES['default']['LOCATION'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env={
            **{name: value for name, value in os.environ.items() if name != "CACHE_URL"},
            "CONSOLE_MODE": "production",
            "SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://console@127.0.0.1/console",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
            "ALLOWED_HOSTS": "console.example.org",
            "CONSOLE_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "redis://127.0.0.1:6379/3"


@pytest.fixture
def embedded_default_cache(settings):
    """What a process starts with when CACHE_URL is not set (project/settings/): a table in the console's
    database, whatever this test run's own CACHE_URL."""
    settings.CACHES = {"default": {"BACKEND": "console.cache.CountingDatabaseCache", "LOCATION": "console_cache"}}
    call_command("createcachetable", verbosity=0)
    cache.clear()


COUNT_AT_ONCE = """
import os, pathlib, time
from django.core.cache import cache
from console.ratelimit import rate_limit_count, submission_limit
cache.get("connect first")
pathlib.Path({folder!r}, f"ready-{{os.getpid()}}").touch()
while not pathlib.Path({folder!r}, "go").exists():
    time.sleep(0.01)
print("admitted", sum(rate_limit_count(submission_limit(), {user}, now={moment}) is None for _ in range({requests})))
"""


def test_two_processes_on_the_embedded_default_admit_exactly_the_limit_between_them(
    transactional_db, embedded_default_cache, operator, settings, tmp_path
):
    """Two processes count one person's requests at the same moment, with no CACHE_URL: together they admit the
    documented number, not that number each, and every request is counted once (none lost to a race)."""
    settings.SUBMISSION_RATE_WINDOW = 3600
    limit, each = 30, 60
    moment = time.time()
    counter = f"rate-limit:submission:{operator.pk}:{int(moment // 3600) * 3600}"
    script = COUNT_AT_ONCE.format(folder=str(tmp_path), user=operator.pk, moment=moment, requests=each)
    env = {
        **{name: value for name, value in os.environ.items() if name != "CACHE_URL"},
        "DATABASE_URL": database_url_of_this_test(),
        "SUBMISSION_RATE_LIMIT": str(limit),
        "SUBMISSION_RATE_WINDOW": "3600",
        "CONSOLE_DATA_DIR": str(django_settings.DATA_DIR),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        wait_until(
            lambda: len(list(tmp_path.glob("ready-*"))) == 2 or any(p.poll() is not None for p in processes),
            timeout=120,
            what="both processes to start",
        )
        (tmp_path / "go").touch()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            process.kill()

    assert [process.returncode for process in processes] == [0, 0], [stderr[-2000:] for _, stderr in outputs]
    admitted = [int(stdout.split("admitted")[-1]) for stdout, _ in outputs]
    assert sum(admitted) == limit
    assert cache.get(counter) == 2 * each


def test_a_counter_keeps_its_window_however_often_it_is_raised(embedded_default_cache, monkeypatch):
    """Django's own database cache sets an entry's expiry to the default five minutes on every incr: a counter of a
    longer window would lapse early, and the count start again in the middle of the window."""
    cache.add("counter", 0, timeout=3600)
    cache.incr("counter")
    cache.incr("counter", 2)

    ten_minutes_later = timezone.now() + timedelta(minutes=10)
    monkeypatch.setattr("django.core.cache.backends.db.tz_now", lambda: ten_minutes_later)
    monkeypatch.setattr("console.cache.now", lambda: ten_minutes_later)

    assert cache.get("counter") == 3
    assert cache.incr("counter") == 4


def test_incr_of_a_missing_or_expired_counter_says_so(embedded_default_cache):
    cache.add("expired", 5, timeout=-1)

    with pytest.raises(ValueError, match="Key 'missing' not found"):
        cache.incr("missing")
    with pytest.raises(ValueError, match="Key 'expired' not found"):
        cache.incr("expired")
