"""A bad identifier already in the database breaks no page (issue 13, "One write that breaks pages for everyone").

A milestone keyed ``ABC/12`` made ``/milestones/`` and the dashboard answer 500 for everyone: ``reverse()``
cannot build an address from it. The entry points now refuse such values, but rows written before (or by
hand in the database) stay; here they are stored bypassing every check (``QuerySet.update``,
``bulk_create``), in each kind of identifier that ends up in a URL at once, and every page that lists or
links them is opened: each answers 200, shows the value escaped and links nowhere with it; the addresses
made of such a value answer 404.
"""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionStatus
from committee.models import Committee
from console.identifiers import shown
from milestones.choices import EvidenceKind, ProposalState
from milestones.models import EvidenceProposal, Milestone
from releases.models import BackportRequest, Release
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory
from tests.qa.factories import succeeded_run
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

BAD_VALUES = {
    "slash": "ABC/12",
    "dot-dot": "..",
    "dot": ".",
    "bidi-override": "PREOPS-1\u202e",
    "zero-width-space": "PRE\u200bOPS-1",
    "newline": "PREOPS-1\n",
    "nul": "PREOPS-1\x00",
    "space": "PREOPS 1",
}
if connection.vendor == "postgresql":
    del BAD_VALUES["nul"]  # PostgreSQL cannot store NUL in text: no such row can exist there
# Characters that must never reach a page raw: they would act on the text instead of being shown.
ACTIVE_CHARACTERS = ("\u202e", "\u200b", "\x00")


def store_bad_identifiers(bad: str, lead: User) -> dict:
    """Every kind of identifier set to ``bad`` bypassing the checks, each linked from good objects."""
    today = timezone.localdate()
    base = SupportedReleaseFactory(version="v23.0.0")
    bad_release = ReleaseFactory(version="v23.0.7", base_release=base)
    Release.objects.filter(pk=bad_release.pk).update(version=bad)
    good_backport = BackportRequestFactory(rfc_id="RFC-812", target_release=base)
    bad_backport = BackportRequestFactory(rfc_id="RFC-813", target_release=base)
    BackportRequest.objects.filter(pk=bad_backport.pk).update(rfc_id=bad)
    BackportRequest.objects.filter(pk=good_backport.pk).update(target_release=bad_release)

    committee = PolicyCommitteeFactory()
    Committee.objects.filter(pk=committee.pk).update(slug=bad)
    decision = DecisionFactory(
        committee=committee, release_id=bad_release.pk, backport_request_id=bad_backport.pk, status=DecisionStatus.OPEN
    )
    campaign = CampaignFactory(name="DC2 bad release", release_id=bad_release.pk)
    run = succeeded_run(campaign)

    UserFactory(username="someone")
    User.objects.filter(username="someone").update(username=bad)

    good_milestone, bad_milestone = Milestone.objects.bulk_create(
        [
            Milestone(jira_key="PREOPS-154", title="Linked to the bad release", due_date=today + timedelta(days=3)),
            Milestone(jira_key=bad, title="Stored before keys were checked", due_date=today - timedelta(days=5)),
        ]
    )
    good_milestone.releases.add(bad_release)
    EvidenceProposal.objects.create(
        milestone=bad_milestone,
        kind=EvidenceKind.CAMPAIGN_STARTED,
        event="Campaign DC2 started",
        proposed_status="Done",
        state=ProposalState.PENDING,
        observed_at=timezone.now(),
    )
    return {
        "base": base,
        "backport": good_backport,
        "decision": decision,
        "campaign": campaign,
        "run": run,
        "milestone": good_milestone,
    }


def pages(objects: dict) -> list[str]:
    return [
        reverse("dashboard:home"),
        reverse("console:people-list"),
        reverse("console:audit-list"),
        reverse("milestones:report"),
        *(reverse("milestones:report-section", kwargs={"key": key}) for key in ("overdue", "due_30")),
        reverse("milestones:report-markdown"),
        reverse("milestones:report-csv"),
        reverse("milestones:dashboard-card"),
        objects["milestone"].get_absolute_url(),
        reverse("releases:release-list"),
        objects["base"].get_absolute_url(),
        reverse("releases:backport-list"),
        objects["backport"].get_absolute_url(),
        reverse("committee:decision-list"),
        objects["decision"].get_absolute_url(),
        reverse("committee:decision-register"),
        reverse("committee:decision-register-csv"),
        reverse("committee:decision-register-markdown"),
        reverse("committee:committee-list"),
        reverse("campaigns:campaign-list"),
        objects["campaign"].get_absolute_url(),
        reverse("qa:run-list"),
        reverse("qa:run-qa", kwargs={"submission_id": objects["run"].pk}),
    ]


@pytest.mark.parametrize("bad", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_pages_show_a_stored_bad_identifier_escaped_and_unlinked(client_for, task_force_lead, staff_user, bad):
    objects = store_bad_identifiers(bad, task_force_lead)
    client = client_for(staff_user)

    for url in pages(objects):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for character in ACTIVE_CHARACTERS:
            assert character not in body, f"{url} shows {character!r} raw"
        for prefix in ("/milestones/", "/releases/", "/releases/backports/", "/committee/committees/", "/people/"):
            assert f'href="{prefix}{quote(bad)}/"' not in body, f"{url} links to {bad!r}"

    # Each page that lists the bad values shows them, escaped.
    shown_html = shown(bad).replace("'", "&#x27;")
    for url in (
        reverse("milestones:report"),
        reverse("milestones:dashboard-card"),
        reverse("releases:release-list"),
        reverse("releases:backport-list"),
        objects["decision"].get_absolute_url(),
        reverse("console:people-list"),
    ):
        assert shown_html in client.get(url).content.decode(), url


@pytest.mark.parametrize("bad", ["PREOPS-1\u202e", "PRE\u200bOPS-1", "PREOPS-1\n", "PREOPS 1"])
def test_the_address_of_a_stored_bad_identifier_is_not_found(client_for, staff_user, bad):
    Milestone.objects.bulk_create([Milestone(jira_key=bad, title="Stored before keys were checked")])
    release = ReleaseFactory(version="v23.0.7")
    Release.objects.filter(pk=release.pk).update(version=bad)
    client = client_for(staff_user)

    for prefix in ("/milestones/", "/releases/", "/releases/backports/", "/committee/committees/", "/people/"):
        assert client.get(f"{prefix}{quote(bad)}/").status_code == 404, prefix


def test_the_exports_show_a_stored_bad_jira_key_escaped(client_for, viewer):
    Milestone.objects.bulk_create(
        [Milestone(jira_key="PREOPS-1\u202e", title="Late", due_date=timezone.localdate() - timedelta(days=1))]
    )
    client = client_for(viewer)

    markdown = client.get(reverse("milestones:report-markdown")).content.decode()
    table = client.get(reverse("milestones:report-csv")).content.decode()

    assert "\u202e" not in markdown and "\u202e" not in table
    assert "PREOPS-1\\\\u202e" in markdown  # the escape's backslash, escaped for Markdown
    assert "'PREOPS-1\\u202e'" in table
