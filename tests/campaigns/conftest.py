"""Campaigns ready to submit, and a stand-in for the stack's commands for tests of the process handling."""

import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from campaigns.services import campaign_create
from campaigns.workflow.base import stack_environment
from committee.models import ReleaseApproval
from tests.committee.factories import DecisionFactory
from tests.releases.factories import SupportedReleaseFactory

FAKE_STACK = Path(__file__).parent / "fake_stack"
DEMO_TEMPLATE = Path(django_settings.BASE_DIR) / "console_stack" / "bps" / "demo-parsl.yaml"
TEMPLATE = """\
pipelineYaml: demo.yaml
wmsServiceClass: lsst.ctrl.bps.parsl.ParslService
computeSite: local
"""


@pytest.fixture
def dispatched(monkeypatch) -> list:
    """Nothing is launched: the submissions whose dispatch a request would enqueue on commit, in order."""
    calls = []
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", calls.append)
    return calls


@pytest.fixture
def butler_repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "butler.yaml").write_text("datastore: {}\n")
    return repo


@pytest.fixture
def make_ready_campaign(operator, tmp_path):
    """Makes one-step campaigns whose release the policy committee approved for them; each has a Butler
    repository of its own unless one is given, and ``definition`` overrides the campaign's fields."""

    def make(name: str, *, butler_repo: Path | None = None, **definition):
        if butler_repo is None:
            butler_repo = tmp_path / f"repo-{len(list(tmp_path.glob('repo-*')))}"
            butler_repo.mkdir()
            (butler_repo / "butler.yaml").write_text("datastore: {}\n")
        release = SupportedReleaseFactory(version="v23.0.0")
        fields = {
            "input_collections": ["demo/raw"],
            "output_prefix": "u/operator/dp02",
            "data_query": "visit < 3",
            "pipeline": "console_stack/pipelines/demo.yaml",
            "bps_template": TEMPLATE,
            **definition,
        }
        campaign = campaign_create(actor=operator, name=name, butler_repo=str(butler_repo), release=release, **fields)
        decision = DecisionFactory(kind="pipeline-version", release=release, status="endorsed")
        ReleaseApproval.objects.create(
            release=release, campaign=campaign, decision=decision, approved_at=timezone.now()
        )
        return campaign

    return make


@pytest.fixture
def ready_campaign(make_ready_campaign, butler_repo):
    """A one-step campaign whose release the policy committee approved for it."""
    return make_ready_campaign("DP0.2 mini run", butler_repo=butler_repo)


@pytest.fixture
def fake_stack(settings, tmp_path, monkeypatch):
    """The stand-in `bps` and `python`; returns a helper to read how many bps processes were started."""
    settings.STACK_ENV_DIR = FAKE_STACK
    settings.CAMPAIGN_RUNS_DIR = tmp_path / "runs"
    log = tmp_path / "bps-starts.log"
    log.touch()
    status, report = tmp_path / "status.json", tmp_path / "report.json"
    status.write_text(json.dumps({"tasks": {"detector": {"expected": 4, "succeeded": 1, "running": 1}}}))
    report.write_text(json.dumps({"tasks": {"detector": {"expected": 4, "succeeded": 4, "failed": 0, "blocked": 0}}}))
    monkeypatch.setenv("FAKE_BPS_LOG", str(log))
    monkeypatch.setenv("FAKE_STATUS_JSON", str(status))
    monkeypatch.setenv("FAKE_REPORT_JSON", str(report))
    monkeypatch.setenv("FAKE_BPS_SECONDS", "30")

    class FakeStack:
        report_file = report

        @staticmethod
        def starts() -> list[str]:
            return log.read_text().splitlines()

    return FakeStack


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory) -> Path:
    if not (Path(django_settings.STACK_ENV_DIR) / "bin" / "bps").exists():
        pytest.skip(f"no stack environment at {django_settings.STACK_ENV_DIR}: run `make stack`")
    repo = tmp_path_factory.mktemp("butler") / "demo-repo"
    subprocess.run(
        [str(Path(django_settings.STACK_ENV_DIR) / "bin" / "python"), "-m", "console_stack.make_demo_repo", str(repo)],
        env=stack_environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return repo


@pytest.fixture
def demo_campaign(operator, demo_repo, settings, tmp_path):
    settings.CAMPAIGN_RUNS_DIR = tmp_path / "runs"

    def make(name: str, overrides: str = ""):
        release = SupportedReleaseFactory(version="v23.0.0")
        campaign = campaign_create(
            actor=operator,
            name=name,
            butler_repo=str(demo_repo),
            input_collections=["DemoCam/defaults"],
            output_prefix=f"u/operator/{name}",
            release=release,
            bps_template=DEMO_TEMPLATE.read_text(),
            bps_overrides=overrides,
        )
        decision = DecisionFactory(kind="pipeline-version", release=release, status="endorsed")
        ReleaseApproval.objects.create(
            release=release, campaign=campaign, decision=decision, approved_at=timezone.now()
        )
        return campaign

    return make
