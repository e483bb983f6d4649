"""A campaign is archived (``campaign_archive``), not deleted: hidden from lists and pickers unless asked for, closed
to submissions, its page still open with who archived it; unarchived the same way. Refused while a submission of
it is in progress or it runs. A campaign that ran is never deleted (issue 16)."""

from html import unescape

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.forms import CampaignDiffForm
from campaigns.models import Campaign
from campaigns.selectors import failed_submissions_awaiting_action
from campaigns.services import campaign_archive, campaign_resume, campaign_unarchive, submission_request
from campaigns.services.lifecycle import ARCHIVE_REASON_MAX_LENGTH
from campaigns.views import blocked_campaigns
from committee.forms import DecisionCreateForm
from committee.models import Committee
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from milestones.models import Milestone
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("campaigns:campaign-list")
API_LIST_URL = reverse("api:campaign-list")


def detail_url(campaign) -> str:
    return reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk})


def text(response) -> str:
    return unescape(response.content.decode())


def archived(name: str, by, **fields) -> Campaign:
    campaign = CampaignFactory(name=name, status=CampaignStatus.COMPLETED, **fields)
    return campaign_archive(actor=by, campaign=campaign, reason="superseded by DC2 RC7")


@pytest.fixture
def ran(db) -> Campaign:
    """A completed campaign with a succeeded run: one that ran."""
    campaign = CampaignFactory(name="DC2 RC6", status=CampaignStatus.COMPLETED)
    SubmissionFactory(step=StepFactory(campaign=campaign, name="all"), status=SubmissionStatus.SUCCEEDED)
    return campaign


# The services ---------------------------------------------------------------------------------------------------


def test_it_archives_a_campaign_with_who_when_and_an_audit_row(operator, ran):
    campaign_archive(actor=operator, campaign=ran, reason="  superseded by DC2 RC7 ")

    ran.refresh_from_db()
    assert ran.is_archived and ran.archived_by == operator
    event = AuditEvent.objects.get(action="campaign.archived")
    assert event.object_id == str(ran.pk) and event.actor_name == "operator"
    assert event.after == {"archived": True, "status": "completed", "reason": "superseded by DC2 RC7"}


def test_it_unarchives_with_an_audit_row(task_force_lead, operator, ran):
    campaign_archive(actor=operator, campaign=ran)

    campaign_unarchive(actor=task_force_lead, campaign=ran, reason="needed for the comparison")

    ran.refresh_from_db()
    assert not ran.is_archived and ran.archived_by is None
    event = AuditEvent.objects.get(action="campaign.unarchived")
    assert event.actor_name == "lead" and event.after == {"archived": False, "reason": "needed for the comparison"}


def test_it_refuses_a_campaign_with_a_submission_in_progress_and_names_it(operator):
    campaign = CampaignFactory(name="DC2 RC8", status=CampaignStatus.RUNNING)
    running = SubmissionFactory(step=StepFactory(campaign=campaign, name="step2"), status=SubmissionStatus.RUNNING)

    with pytest.raises(Conflict) as refused:
        campaign_archive(actor=operator, campaign=campaign)

    assert str(refused.value) == (
        f"DC2 RC8 has a submission in progress: submission {running.pk} of step step2 is running. Cancel it or let "
        "it end, then archive the campaign."
    )
    campaign.refresh_from_db()
    assert not campaign.is_archived
    assert not AuditEvent.objects.filter(action="campaign.archived").exists()


def test_it_refuses_a_running_campaign_until_it_is_paused(operator):
    campaign = CampaignFactory(name="DC2 RC8", status=CampaignStatus.RUNNING)
    StepFactory(campaign=campaign)

    with pytest.raises(Conflict, match="DC2 RC8 is running: pause it, cancel it or let it complete"):
        campaign_archive(actor=operator, campaign=campaign)

    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.PAUSED)
    assert campaign_archive(actor=operator, campaign=campaign).is_archived


def test_it_refuses_to_archive_twice_or_to_unarchive_a_campaign_not_archived(operator, ran):
    with pytest.raises(Conflict, match="DC2 RC6 is not archived."):
        campaign_unarchive(actor=operator, campaign=ran)
    campaign_archive(actor=operator, campaign=ran)
    with pytest.raises(Conflict, match="DC2 RC6 was archived already, on "):
        campaign_archive(actor=operator, campaign=ran)


def test_it_refuses_a_reason_too_long(operator, ran):
    with pytest.raises(InvalidInput, match=f"at most {ARCHIVE_REASON_MAX_LENGTH} characters"):
        campaign_archive(actor=operator, campaign=ran, reason="x" * (ARCHIVE_REASON_MAX_LENGTH + 1))


@pytest.mark.parametrize("role", ["viewer", "committee_member", "ccb_member"])
def test_only_those_who_run_campaigns_archive_or_unarchive_them(request, operator, ran, role):
    user = request.getfixturevalue(role)
    with pytest.raises(NotPermitted, match="Only a task force lead or operator may archive campaigns."):
        campaign_archive(actor=user, campaign=ran)
    campaign_archive(actor=operator, campaign=ran)
    with pytest.raises(NotPermitted, match="may unarchive campaigns"):
        campaign_unarchive(actor=user, campaign=ran)


def test_an_archived_campaign_takes_no_submissions_nor_resumes(operator):
    campaign = SubmittableCampaignFactory(name="DC2 RC9", status=CampaignStatus.PAUSED)
    step = StepFactory(campaign=campaign, name="all")
    campaign_archive(actor=operator, campaign=campaign)
    campaign.refresh_from_db()

    assert not campaign.takes_submissions
    assert campaign.submission_refusal() == "DC2 RC9 is archived; it takes no submissions until it is unarchived."
    with pytest.raises(Conflict, match="DC2 RC9 is archived; it takes no submissions"):
        submission_request(actor=operator, step=step, idempotency_key="archived-1")
    with pytest.raises(Conflict, match="DC2 RC9 is archived: unarchive it before resuming it."):
        campaign_resume(actor=operator, campaign=campaign)


# Lists and cards ------------------------------------------------------------------------------------------------


def test_the_list_hides_archived_campaigns_unless_asked(client_for, viewer, operator):
    CampaignFactory(name="DC2 RC7")
    archived("DC2 RC6", operator)
    client = client_for(viewer)

    default = text(client.get(LIST_URL))
    included = text(client.get(LIST_URL, {"archived": "include"}))
    only = text(client.get(LIST_URL, {"archived": "only"}))

    assert "DC2 RC7" in default and "DC2 RC6" not in default
    assert "DC2 RC7" in included and "DC2 RC6" in included and included.count('data-testid="archived-badge"') == 1
    assert "DC2 RC7" not in only and "DC2 RC6" in only
    assert 'name="archived"' in default


def test_the_api_list_hides_archived_campaigns_unless_asked(client_for, viewer, operator):
    CampaignFactory(name="DC2 RC7")
    old = archived("DC2 RC6", operator)
    client = client_for(viewer)

    def names(**query) -> list[str]:
        response = client.get(API_LIST_URL, query)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names() == ["DC2 RC7"]
    assert names(archived="include") == ["DC2 RC6", "DC2 RC7"]
    assert names(archived="only") == ["DC2 RC6"]
    assert client.get(API_LIST_URL, {"archived": "yes"}).status_code == 400
    # One campaign is found by its id, archived or not.
    one = client.get(reverse("api:campaign-detail", kwargs={"pk": old.pk})).json()
    assert one["archived_by"] == "operator" and one["archived_at"]


def test_the_dashboards_cards_leave_archived_campaigns_out(operator):
    failed = CampaignFactory(name="DC2 RC5", status=CampaignStatus.FAILED)
    SubmissionFactory(step=StepFactory(campaign=failed), status=SubmissionStatus.FAILED)
    draft = CampaignFactory(name="DC2 RC4")
    StepFactory(campaign=draft)
    assert list(failed_submissions_awaiting_action())
    assert {blocked.campaign for blocked in blocked_campaigns()} == {draft, failed}

    campaign_archive(actor=operator, campaign=failed)
    campaign_archive(actor=operator, campaign=draft)

    assert not list(failed_submissions_awaiting_action())
    assert blocked_campaigns() == []


# Pickers --------------------------------------------------------------------------------------------------------


def test_the_decision_form_offers_no_archived_campaign_but_keeps_one_chosen(operator):
    CampaignFactory(name="DC2 RC7")
    old = archived("DC2 RC6", operator)

    form = DecisionCreateForm(committees=Committee.objects.all())
    chosen = DecisionCreateForm({"campaigns": [old.pk]}, committees=Committee.objects.all())

    assert [campaign.name for campaign in form.fields["campaigns"].queryset] == ["DC2 RC7"]
    assert old in chosen.fields["campaigns"].queryset


def test_the_milestone_evidence_pickers_offer_no_archived_campaign_nor_its_steps(client_for, task_force_lead):
    Milestone.objects.create(jira_key="PREOPS-158", title="DP0.2 Reprocessing Start", status="To Do")
    StepFactory(campaign=CampaignFactory(name="DC2 RC7"), name="all")
    old = archived("DC2 RC6", task_force_lead)
    StepFactory(campaign=old, name="step1")

    page = client_for(task_force_lead).get(reverse("milestones:milestone-detail", args=["PREOPS-158"]))

    evidence = page.context["evidence_form"]
    assert [str(campaign) for campaign in evidence.fields["campaign"].queryset] == ["DC2 RC7"]
    assert [str(step) for step in evidence.fields["step"].queryset] == ["DC2 RC7 / all"]
    assert [str(campaign) for campaign in page.context["link_form"].fields["campaign"].queryset] == ["DC2 RC7"]


def test_the_comparison_offers_an_archived_campaign_only_when_it_is_named(operator):
    CampaignFactory(name="DC2 RC7")
    old = archived("DC2 RC6", operator)

    assert [str(c) for c in CampaignDiffForm().fields["left"].queryset] == ["DC2 RC7"]
    # "Compare with another campaign" from the archived campaign's page names it.
    opened = CampaignDiffForm(initial={"left": str(old.pk)})
    assert [str(c) for c in opened.fields["left"].queryset] == ["DC2 RC6", "DC2 RC7"]


# The campaign's page ------------------------------------------------------------------------------------------------


def test_an_archived_campaigns_page_says_so_and_offers_unarchive_to_those_who_may(client_for, operator, viewer, ran):
    campaign_archive(actor=operator, campaign=ran, reason="superseded by DC2 RC7")
    ran.refresh_from_db()

    page = text(client_for(operator).get(detail_url(ran)))
    seen = text(client_for(viewer).get(detail_url(ran)))

    when = timezone.localtime(ran.archived_at, timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
    assert f"Archived on {when} UTC by operator: superseded by DC2 RC7." in " ".join(strip_tags(page).split())
    assert 'data-testid="unarchive-form"' in page and 'data-testid="archive-form"' not in page
    assert 'data-testid="campaign-archived"' in seen and 'data-testid="unarchive-form"' not in seen


def test_the_page_offers_archive_or_says_why_not(client_for, operator, viewer, ran):
    running = CampaignFactory(name="DC2 RC8", status=CampaignStatus.RUNNING)
    StepFactory(campaign=running)

    assert 'data-testid="archive-form"' in text(client_for(operator).get(detail_url(ran)))
    assert 'data-testid="archive-form"' not in text(client_for(viewer).get(detail_url(ran)))
    assert "Archive: DC2 RC8 is running: pause it" in text(client_for(operator).get(detail_url(running)))


def test_the_page_actions_archive_and_unarchive(client_for, operator, ran):
    client = client_for(operator)

    archive = client.post(reverse("campaigns:campaign-archive", kwargs={"pk": ran.pk}), {"reason": "done"}, follow=True)
    assert "DC2 RC6 is archived: hidden from lists and pickers" in text(archive)
    ran.refresh_from_db()
    assert ran.is_archived

    unarchive = client.post(reverse("campaigns:campaign-unarchive", kwargs={"pk": ran.pk}), follow=True)
    assert "DC2 RC6 is no longer archived." in text(unarchive)
    ran.refresh_from_db()
    assert not ran.is_archived


# The API --------------------------------------------------------------------------------------------------------


def test_the_api_archives_and_unarchives(client_for, operator, ran):
    client = client_for(operator)

    archive = client.post(
        reverse("api:campaign-archive", kwargs={"pk": ran.pk}), {"reason": "done"}, content_type="application/json"
    )
    assert archive.status_code == 200 and archive.json()["archived_by"] == "operator"

    unarchive = client.post(reverse("api:campaign-unarchive", kwargs={"pk": ran.pk}))
    assert unarchive.status_code == 200 and unarchive.json()["archived_at"] is None


def test_the_api_refuses_a_campaign_with_a_run_in_progress_with_409(client_for, operator):
    campaign = CampaignFactory(name="DC2 RC8", status=CampaignStatus.RUNNING)
    SubmissionFactory(step=StepFactory(campaign=campaign), status=SubmissionStatus.PENDING, launch_token="")

    response = client_for(operator).post(reverse("api:campaign-archive", kwargs={"pk": campaign.pk}))

    assert response.status_code == 409
    assert "has a submission in progress" in response.json()["detail"]


# Never deleted once it ran --------------------------------------------------------------------------------------


def test_a_campaign_that_ran_is_not_deleted_in_the_admin_nor_in_the_database(client_for, staff_user, ran):
    client = client_for(staff_user)

    assert client.get(reverse("admin:campaigns_campaign_change", args=[ran.pk])).status_code == 200
    assert client.post(reverse("admin:campaigns_campaign_delete", args=[ran.pk]), {"post": "yes"}).status_code == 403
    with pytest.raises(ProtectedError):
        ran.delete()
    assert Campaign.objects.filter(pk=ran.pk).exists()


def test_the_api_has_no_delete(client_for, staff_user, ran):
    response = client_for(staff_user).delete(reverse("api:campaign-detail", kwargs={"pk": ran.pk}))

    assert response.status_code == 405
    assert Campaign.objects.filter(pk=ran.pk).exists()
