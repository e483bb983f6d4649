"""Query and path parameters are held to what the OpenAPI schema says each operation takes (issue 13).

DRF and django-filter ignored a parameter they did not know (``?campaign=3`` listed every submission: the
filter was called ``step__campaign``), fell back on the default for a value they could not use
(``?page_size=0.5``: 50 rows) and took dates in any of Django's formats. Now each is a 400 naming the
parameter (``console.api.query``), the filters take what the schema documents, and an id that names nothing
matches nothing.
"""

import pytest
from django.urls import reverse

from console.api import query
from milestones.rows import MilestoneRow
from milestones.services import milestone_upsert
from tests.campaigns.factories import StepFactory, SubmissionFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.qa.factories import succeeded_run

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = "99999999999999999999"


@pytest.fixture
def api(client_for, viewer):
    return client_for(viewer)


def test_an_unknown_query_parameter_is_refused_naming_it_and_what_the_endpoint_takes(api):
    response = api.get(reverse("api:submission-list"), {"step__campaign": "1"})

    assert response.status_code == 400
    assert response.json() == {
        "step__campaign": ["Unknown query parameter; this takes campaign, page, page_size, status."]
    }


def test_an_operation_without_query_parameters_refuses_any(api):
    response = api.get(reverse("api:me"), {"format": "json"})

    assert response.status_code == 400
    assert response.json() == {"format": ["Unknown query parameter; this takes no query parameters."]}


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        ({"page_size": "0.5"}, {"page_size": ["Enter a whole number."]}),
        ({"page_size": "501"}, {"page_size": ["501 is greater than the maximum of 500"]}),
        ({"page": "0"}, {"page": ["0 is less than the minimum of 1"]}),
        ({"page": BEYOND_64_BITS}, {"page": [f"{BEYOND_64_BITS} is greater than the maximum of 9223372036854775807"]}),
        ({"page": ["1", "2"]}, {"page": ["Give this parameter once."]}),
        (
            {"status": "finished"},
            {
                "status": [
                    "'finished' is not one of ['approved', 'candidate', 'end-of-support', 'supported', 'withdrawn']"
                ]
            },
        ),
    ],
    ids=["fraction", "too-large", "zero", "beyond-64-bits", "twice", "not-a-status"],
)
def test_a_value_the_schema_does_not_allow_is_refused_naming_the_parameter(api, parameters, problem):
    response = api.get(reverse("api:release-list"), parameters)

    assert response.status_code == 400
    assert response.json() == problem


@pytest.mark.parametrize("day", ["10/25/2006", "2006-10-25T00:00", "2006-02-30", ""])
def test_a_date_is_taken_only_as_yyyy_mm_dd(api, day):
    response = api.get(reverse("api:audit-event-list"), {"occurred_after": day})

    assert response.status_code == 400
    assert response.json() == {"occurred_after": ["Enter a date as YYYY-MM-DD."]}


def test_a_boolean_is_true_or_false(api):
    assert api.get(reverse("api:specification-list"), {"blocking": "1"}).json() == {
        "blocking": ["Enter true or false."]
    }
    assert api.get(reverse("api:specification-list"), {"blocking": "true"}).status_code == 200


def test_an_id_beyond_64_bits_is_refused_naming_it(api):
    in_query = api.get(reverse("api:submission-list"), {"campaign": BEYOND_64_BITS})
    in_path = api.get(f"/api/v1/decisions/{BEYOND_64_BITS}/")

    assert in_query.status_code == 400
    assert list(in_query.json()) == ["campaign"]
    assert in_path.status_code == 400
    assert list(in_path.json()) == ["id"]


def test_submissions_are_filtered_by_their_campaign(api):
    mine, other = SubmissionFactory(), SubmissionFactory()

    response = api.get(reverse("api:submission-list"), {"campaign": mine.step.campaign_id})

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert other.pk != mine.pk


def test_an_id_that_names_nothing_matches_nothing(api):
    DecisionFactory()

    votes = api.get(reverse("api:vote-list"), {"decision": "424242"})
    submissions = api.get(reverse("api:submission-list"), {"campaign": "424242"})

    assert (votes.status_code, votes.json()["count"]) == (200, 0)
    assert (submissions.status_code, submissions.json()["count"]) == (200, 0)


def test_a_team_that_owns_no_milestone_matches_nothing(api):
    milestone_upsert(actor=None, row=MilestoneRow(jira_key="PREOPS-1", title="One", team="Pipelines"), source="test")

    response = api.get(reverse("api:milestone-list"), {"team": "Nobody"})

    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_a_milestone_level_is_chosen_by_its_text(api):
    response = api.get(reverse("api:milestone-list"), {"level": ["1", "none"]})

    assert response.status_code == 200


def test_awaiting_my_vote_takes_the_filters_it_documents(client_for, committee_member):
    policy = PolicyCommitteeFactory()
    seat = policy.seats.order_by("id").first()
    seat.holder = committee_member
    seat.save()
    DecisionFactory(committee=policy)

    everything = client_for(committee_member).get(reverse("api:decision-awaiting-my-vote"))
    of_another = client_for(committee_member).get(reverse("api:decision-awaiting-my-vote"), {"committee": "dmccb"})

    assert everything.json()["count"] == 1
    assert of_another.json()["count"] == 0


def test_the_measurements_upload_takes_register_unknown_as_true_or_false(client_for, operator):
    run = succeeded_run()

    response = client_for(operator).post(
        reverse("api:submission-measurements", kwargs={"pk": run.pk}) + "?register_unknown=yes",
        "[]",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"register_unknown": ["Enter true or false."]}


def test_the_campaign_to_compare_with_is_required_and_found(api):
    step = StepFactory()
    url = reverse("api:campaign-diff", kwargs={"pk": step.campaign_id})

    assert api.get(url).json() == {"other": ["This parameter is required."]}
    assert api.get(url, {"other": "424242"}).status_code == 404
    assert api.get(url, {"other": str(step.campaign_id)}).status_code == 200


def test_the_check_knows_every_operation_of_the_schema(client_for, viewer):
    schema = client_for(viewer).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = sum(len(methods) for methods in schema["paths"].values())

    assert len(query._operations()) == operations


def test_a_number_is_written_in_ascii_digits(api):
    response = api.get(reverse("api:release-list"), {"page": "\u0661"})  # ARABIC-INDIC DIGIT ONE

    assert response.status_code == 400
    assert response.json() == {"page": ["Enter a whole number."]}
