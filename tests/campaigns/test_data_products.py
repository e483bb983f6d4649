"""A campaign's data products (issue 17): the dataset types it must deliver, declared from a CSV (the page) or a list
(the API); counted in the Butler in its output runs after each successful run or when asked; all delivered, they
are a milestone's evidence."""

from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns import events
from campaigns.choices import SubmissionStatus
from campaigns.models import CampaignDataProduct, StepGroup
from campaigns.services.products import (
    MAX_PRODUCTS,
    campaign_products_count,
    campaign_products_count_request,
    campaign_products_declare,
    parse_products_csv,
)
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from milestones.models import EvidenceProposal, Milestone, MilestoneEvidence
from milestones.services import evidence_link_create
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

DP01_COUNTS = Path(django_settings.BASE_DIR) / "dashboard" / "demo_data" / "dp01_dataset_counts.csv"


@pytest.fixture
def campaign(db):
    return CampaignFactory(name="DP0.2 reprocessing", butler_repo="/repo/dp02")


class StackCount:
    """Stands in for the stack's count: notes each call (repository, collections, types) and answers ``answer``
    (a type it leaves out counts 0)."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.answer: dict[str, int] = {}

    def __call__(self, repo, collections, types):
        self.calls.append((repo, collections, types))
        return {name: self.answer.get(name, 0) for name in types}


@pytest.fixture
def counted(monkeypatch) -> StackCount:
    count = StackCount()
    monkeypatch.setattr("campaigns.products.count_datasets", count)
    return count


def declared(campaign) -> dict:
    return {
        product.dataset_type: (product.expected_count, product.delivered_count)
        for product in CampaignDataProduct.objects.filter(campaign=campaign)
    }


def succeeded(step, run_collection, **fields):
    return SubmissionFactory(step=step, status=SubmissionStatus.SUCCEEDED, run_collection=run_collection, **fields)


# Parsing the CSV -------------------------------------------------------------------------------------------------


def test_it_parses_the_dp01_planning_counts():
    rows = parse_products_csv(DP01_COUNTS.read_text())

    assert len(rows) == 40
    assert rows[:2] == [("skyMap", 1), ("raw", 3652567)]
    assert ("cal_ref_cat_2_2", 1213) in rows


def test_an_empty_count_is_not_known_and_blank_lines_a_bom_and_spaces_are_ignored():
    text = "\ufeffDataset_Type , Count\n\ncalexp, 3651777\nsrc,\n  deepCoadd  \n"

    assert parse_products_csv(text) == [("calexp", 3651777), ("src", None), ("deepCoadd", None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("type,n\ncalexp,1\n", "The first line must be the header dataset_type,count; it is 'type,n'."),
        ("", "The first line must be the header dataset_type,count; it is '(nothing)'."),
        ("dataset_type,count\ncalexp,1\nsrc,1.5\n", "Line 3: the count '1.5' of 'src' is not a whole number"),
        ("dataset_type,count\nsrc,-2\n", "Line 2: the count '-2' of 'src' is not a whole number"),
        ("dataset_type,count\ncalexp src,2\n", "Line 2: the dataset type 'calexp src' is not a dataset type name"),
        ("dataset_type,count\ncalexp,1,x\n", "Line 2: 'calexp,1,x' has 3 values"),
        ("dataset_type,count\ncalexp,1\n\nsrc,2\ncalexp,3\n", "Line 5: 'calexp' is declared twice (also line 2)."),
    ],
)
def test_a_bad_csv_is_refused_naming_the_line_and_the_value(text, message):
    with pytest.raises(InvalidInput) as refused:
        parse_products_csv(text)

    assert str(refused.value).startswith(message)


# Declaring -------------------------------------------------------------------------------------------------------


def test_a_declaration_replaces_the_list_keeping_the_counts_of_the_types_kept_and_is_audited(operator, campaign):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", None)])
    CampaignDataProduct.objects.filter(campaign=campaign).update(delivered_count=7, counted_at=timezone.now())

    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 12), ("deepCoadd", 4)])

    assert declared(campaign) == {"calexp": (12, 7), "deepCoadd": (4, None)}
    event = AuditEvent.objects.filter(action="campaign.data-products-declared").order_by("pk").last()
    assert (event.actor, event.object_id) == (operator, str(campaign.pk))
    assert event.before == {"products": {"calexp": 10, "src": None}}
    assert event.after == {"declared": 2, "products": {"calexp": 12, "deepCoadd": 4}, "removed": ["src"]}


@pytest.mark.parametrize(
    ("products", "message"),
    [
        ([("calexp", 1), ("src", 2), ("calexp", 3)], "Product 3: 'calexp' is declared twice (also product 1)."),
        ([("calexp", -1)], "Product 1: the expected count -1 of 'calexp' is not between 0 and"),
        ([("src", 1), ("2src", 1)], "Product 2: the dataset type '2src' is not a dataset type name"),
        ([("a" * 201, 1)], "Product 1: the dataset type 'aaaa"),
        ([(f"type{n}", None) for n in range(MAX_PRODUCTS + 1)], "501 data products declared; at most 500 are."),
    ],
)
def test_a_bad_declaration_is_refused_naming_the_product_and_changes_nothing(operator, campaign, products, message):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("raw", 5)])

    with pytest.raises(InvalidInput) as refused:
        campaign_products_declare(actor=operator, campaign=campaign, products=products)

    assert str(refused.value).startswith(message)
    assert declared(campaign) == {"raw": (5, None)}


def test_a_viewer_declares_nothing(viewer, campaign):
    with pytest.raises(NotPermitted):
        campaign_products_declare(actor=viewer, campaign=campaign, products=[("calexp", 1)])
    assert not CampaignDataProduct.objects.exists()


# Counting --------------------------------------------------------------------------------------------------------


def test_it_counts_in_the_newest_successful_run_of_each_step_and_group(operator, campaign, counted):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", None)])
    step1, step2 = StepFactory(campaign=campaign, name="step1"), StepFactory(campaign=campaign, name="step2")
    succeeded(step1, "u/op/dp02/step1-1")
    succeeded(step1, "u/op/dp02/step1-2")  # redone: the newer run is the step's output
    SubmissionFactory(step=step1, status=SubmissionStatus.FAILED, run_collection="u/op/dp02/step1-3")
    north = StepGroup.objects.create(step=step2, name="north", position=1, data_query="tract < 10")
    south = StepGroup.objects.create(step=step2, name="south", position=2, data_query="tract >= 10")
    succeeded(step2, "u/op/dp02/step2-north-1", group=north)
    succeeded(step2, "u/op/dp02/step2-south-1", group=south)
    counted.answer = {"calexp": 10}

    products = campaign_products_count(campaign=campaign)

    assert counted.calls == [
        (
            "/repo/dp02",
            ["u/op/dp02/step1-2", "u/op/dp02/step2-north-1", "u/op/dp02/step2-south-1"],
            ["calexp", "src"],
        )
    ]
    assert declared(campaign) == {"calexp": (10, 10), "src": (None, 0)}
    assert [product.delivered for product in products] == [True, False]
    assert all(product.counted_at is not None for product in CampaignDataProduct.objects.all())


def test_a_campaign_without_a_successful_run_counts_zero_without_asking_the_stack(operator, campaign, counted):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])

    campaign_products_count(campaign=campaign)

    assert counted.calls == []
    assert declared(campaign) == {"calexp": (10, 0)}


def test_an_older_count_stored_last_does_not_overwrite_a_newer_one(operator, campaign, counted):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")
    later = timezone.now() + timedelta(minutes=1)
    CampaignDataProduct.objects.update(delivered_count=10, counted_at=later)  # a count that started after this one
    counted.answer = {"calexp": 6}

    campaign_products_count(campaign=campaign)

    product = CampaignDataProduct.objects.get()
    assert (product.delivered_count, product.counted_at) == (10, later)


def test_a_count_asked_for_before_another_started_is_not_made(operator, campaign, counted):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", None)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")
    asked = timezone.now()
    campaign_products_count(campaign=campaign, requested_at=asked - timedelta(seconds=1))
    assert len(counted.calls) == 1

    # Asked before the count above started (many groups ended together): that count covers it.
    campaign_products_count(campaign=campaign, requested_at=asked - timedelta(seconds=1))
    assert len(counted.calls) == 1
    # Asked after it started (a later run ended): counted again.
    campaign_products_count(campaign=campaign, requested_at=timezone.now())
    assert len(counted.calls) == 2


def test_a_product_expected_at_zero_is_delivered_once_counted(operator, campaign, counted):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("skyMap", 0)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")

    (product,) = campaign_products_count(campaign=campaign)

    assert product.delivered_count == 0 and product.delivered


def test_all_delivered_publishes_once_and_proposes_the_linked_milestone(operator, task_force_lead, campaign, counted):
    milestone = Milestone.objects.create(jira_key="PREOPS-160", title="DP0.2 catalogs delivered", status="To Do")
    evidence_link_create(actor=task_force_lead, milestone=milestone, kind="data-products", target=campaign)
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", None)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")

    counted.answer = {"calexp": 10}  # src: none yet
    campaign_products_count(campaign=campaign)
    assert not EvidenceProposal.objects.exists()
    assert not AuditEvent.objects.filter(action="campaign.data-products-delivered").exists()

    counted.answer = {"calexp": 10, "src": 3}
    campaign_products_count(campaign=campaign)
    campaign_products_count(campaign=campaign)  # still delivered: not again

    proposal = EvidenceProposal.objects.get()
    assert (proposal.milestone, proposal.kind, proposal.proposed_status, proposal.state) == (
        milestone,
        "data-products",
        "Done",
        "pending",
    )
    assert proposal.event == "Campaign DP0.2 reprocessing delivered all its data products"
    delivered = AuditEvent.objects.get(action="campaign.data-products-delivered")
    assert (delivered.actor_name, delivered.after) == ("butler-count", {"calexp": 10, "src": 3})


def test_a_declaration_that_needs_more_makes_the_next_delivery_publish_again(operator, campaign, counted, monkeypatch):
    published = []
    monkeypatch.setattr(events.data_products_delivered, "_handlers", [lambda **payload: published.append(payload)])
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")
    counted.answer = {"calexp": 10, "src": 5}
    campaign_products_count(campaign=campaign)

    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", 5)])
    campaign_products_count(campaign=campaign)

    assert published == [{"campaign": campaign}, {"campaign": campaign}]


def test_a_successful_run_has_the_products_of_its_campaign_counted_after_commit(operator, campaign, monkeypatch):
    from campaigns.services import submission_finish
    from campaigns.workflow import RunState

    enqueued = []
    monkeypatch.setattr("campaigns.services.products.count_products_on_commit", enqueued.append)
    without = CampaignFactory(name="DP0.2 without products")
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])
    for owner in (campaign, without):
        run = SubmissionFactory(step=StepFactory(campaign=owner), status=SubmissionStatus.RUNNING)
        counts = {"calibrate": {"expected": 1, "succeeded": 1}}
        submission_finish(submission_id=run.pk, state=RunState("succeeded", counts), now=timezone.now())

    assert enqueued == [campaign]


def test_count_now_enqueues_the_count_which_runs_in_the_task(
    operator, campaign, counted, django_capture_on_commit_callbacks
):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])
    succeeded(StepFactory(campaign=campaign, name="all"), "u/op/dp02/all-1")
    counted.answer = {"calexp": 4}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        campaign_products_count_request(actor=operator, campaign=campaign)

    assert len(callbacks) == 1
    assert declared(campaign) == {"calexp": (10, 4)}  # the task ran (Celery is eager in tests)


def test_count_now_is_refused_without_products_or_repository(operator, viewer, campaign):
    with pytest.raises(Conflict, match="declares no data products"):
        campaign_products_count_request(actor=operator, campaign=campaign)
    no_repo = CampaignFactory(name="No repository", butler_repo="")
    campaign_products_declare(actor=operator, campaign=no_repo, products=[("calexp", 1)])
    with pytest.raises(Conflict, match="names no Butler repository"):
        campaign_products_count_request(actor=operator, campaign=no_repo)
    with pytest.raises(NotPermitted):
        campaign_products_count_request(actor=viewer, campaign=no_repo)


@pytest.mark.stack
def test_it_counts_the_demo_repositorys_raws_with_the_real_butler(operator, demo_repo):
    campaign = CampaignFactory(name="Demo counts", butler_repo=str(demo_repo))
    campaign_products_declare(
        actor=operator, campaign=campaign, products=[("demo_raw", 8), ("demo_calexp", 8), ("demo_unknown", None)]
    )
    # The demo repository's input run stands for a run's output: it holds 2 visits x 4 detectors of demo_raw.
    succeeded(StepFactory(campaign=campaign, name="all"), "DemoCam/raw/all")
    succeeded(StepFactory(campaign=campaign, name="lost"), "demo/never-registered-1")

    campaign_products_count(campaign=campaign)

    assert declared(campaign) == {"demo_raw": (8, 8), "demo_calexp": (8, 0), "demo_unknown": (None, 0)}


# Pages -------------------------------------------------------------------------------------------------------------


def page(client, campaign) -> str:
    return unescape(client.get(reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk})).content.decode())


def test_the_campaign_page_shows_delivered_against_expected_and_a_viewer_gets_no_form(
    operator, viewer, campaign, client_for
):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10), ("src", 4)])
    CampaignDataProduct.objects.filter(dataset_type="calexp").update(delivered_count=10, counted_at=timezone.now())
    CampaignDataProduct.objects.filter(dataset_type="src").update(delivered_count=1, counted_at=timezone.now())

    html = page(client_for(viewer), campaign)

    assert "1 of 2 delivered" in html
    assert 'aria-valuenow="1" aria-valuemin="0" aria-valuemax="4"' in html and "width: 25%" in html
    assert html.count('data-testid="product-delivered"') == 1
    assert 'data-testid="data-products-form"' not in html and "Count now" not in html
    operator_html = page(client_for(operator), campaign)
    assert 'data-testid="data-products-form"' in operator_html and "Count now" in operator_html
    assert "dataset_type,count\ncalexp,10\nsrc,4\n" in operator_html  # the form holds the current declaration


def test_an_operator_declares_by_pasting_or_uploading_the_csv(operator, campaign, client_for):
    client = client_for(operator)
    url = reverse("campaigns:data-products-declare", kwargs={"pk": campaign.pk})

    response = client.post(url, {"csv": "dataset_type,count\ncalexp,10\nsrc,\n"})

    assert response.status_code == 302 and response["Location"].endswith("#data-products")
    assert declared(campaign) == {"calexp": (10, None), "src": (None, None)}
    upload = SimpleUploadedFile("dp01.csv", DP01_COUNTS.read_bytes(), content_type="text/csv")
    client.post(url, {"csv": "", "csv_file": upload})
    assert len(declared(campaign)) == 40


def test_a_refused_csv_is_shown_again_with_the_line_named(operator, campaign, client_for):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("raw", 5)])
    client = client_for(operator)
    text = "dataset_type,count\ncalexp,10\nsrc,many\n"

    client.post(reverse("campaigns:data-products-declare", kwargs={"pk": campaign.pk}), {"csv": text})

    html = page(client, campaign)
    assert "Line 3: the count 'many' of 'src' is not a whole number" in html
    assert f">\n{text.strip()}</textarea>" in html  # not to be typed again
    assert '<details class="flex-grow-1" open' in html
    assert declared(campaign) == {"raw": (5, None)}
    html = page(client, campaign)  # shown once: then the declaration again
    assert "dataset_type,count\nraw,5\n</textarea>" in html and '<details class="flex-grow-1" open' not in html


def test_count_now_from_the_page_enqueues_and_a_viewer_is_refused(
    operator, viewer, campaign, client_for, django_capture_on_commit_callbacks
):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])
    url = reverse("campaigns:data-products-count", kwargs={"pk": campaign.pk})

    assert client_for(viewer).post(url).status_code == 403
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(operator).post(url)

    assert response.status_code == 302 and len(callbacks) == 1


# API ---------------------------------------------------------------------------------------------------------------


def api_url(campaign, *, count: bool = False) -> str:
    name = "api:campaign-data-products-count" if count else "api:campaign-data-products"
    return reverse(name, kwargs={"pk": campaign.pk})


def test_the_api_reads_and_replaces_the_declaration(operator, viewer, campaign, client_for):
    body = [{"dataset_type": "calexp", "expected_count": 10}, {"dataset_type": "src"}]

    assert client_for(viewer).put(api_url(campaign), body, content_type="application/json").status_code == 403
    response = client_for(operator).put(api_url(campaign), body, content_type="application/json")

    assert response.status_code == 200
    document = client_for(viewer).get(api_url(campaign)).json()
    assert (document["declared"], document["delivered"], document["counted_at"]) == (2, 0, None)
    assert document["products"] == [
        {
            "dataset_type": "calexp",
            "expected_count": 10,
            "delivered_count": None,
            "counted_at": None,
            "delivered": False,
        },
        {
            "dataset_type": "src",
            "expected_count": None,
            "delivered_count": None,
            "counted_at": None,
            "delivered": False,
        },
    ]
    assert response.json() == document


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            [{"dataset_type": "calexp"}, {"dataset_type": "calexp"}],
            {"detail": "Product 2: 'calexp' is declared twice (also product 1).", "code": "invalid"},
        ),
        (
            [{"dataset_type": "calexp", "expected_count": -1}],
            {"product 1": {"expected_count": ["Ensure this value is greater than or equal to 0."]}},
        ),
        (
            [{"dataset_type": "src"}, {"dataset_type": "calexp src"}],
            {"product 2": {"dataset_type": ["A dataset type name: a letter, then letters, digits and _."]}},
        ),
        ({"dataset_type": "calexp"}, {"non_field_errors": ['Expected a list of items but got type "dict".']}),
        (
            [{"dataset_type": f"t{n}"} for n in range(MAX_PRODUCTS + 1)],
            {"non_field_errors": ["Ensure this field has no more than 500 elements."]},
        ),
    ],
)
def test_the_api_refuses_a_bad_declaration_with_400_naming_the_problem(operator, campaign, client_for, body, problem):
    response = client_for(operator).put(api_url(campaign), body, content_type="application/json")

    assert (response.status_code, response.json()) == (400, problem)
    assert not CampaignDataProduct.objects.exists()


def test_the_api_counts_now_in_the_background(operator, campaign, client_for, django_capture_on_commit_callbacks):
    campaign_products_declare(actor=operator, campaign=campaign, products=[("calexp", 10)])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(operator).post(api_url(campaign, count=True))

    assert response.status_code == 202 and response.json()["declared"] == 1
    assert len(callbacks) == 1
    assert client_for(operator).get(reverse("api:campaign-data-products", kwargs={"pk": 999999})).status_code == 404


# Milestones --------------------------------------------------------------------------------------------------------


def test_the_evidence_form_links_a_campaigns_data_products(task_force_lead, campaign, client_for):
    milestone = Milestone.objects.create(jira_key="PREOPS-160", title="DP0.2 catalogs delivered", status="To Do")
    client = client_for(task_force_lead)

    html = unescape(client.get(milestone.get_absolute_url()).content.decode())
    assert '<option value="data-products">Data products delivered</option>' in html
    client.post(
        reverse("milestones:evidence-create", kwargs={"jira_key": milestone.jira_key}),
        {"kind": "data-products", "campaign": campaign.pk, "proposed_status": "Done"},
    )

    evidence = MilestoneEvidence.objects.get()
    assert (evidence.kind, evidence.campaign, evidence.step, evidence.release) == (
        "data-products",
        campaign,
        None,
        None,
    )
