"""Request bodies that broke the API (issue 13): each is refused with 400 naming the problem, and nothing is written.

A body nested a thousand deep was a ``RecursionError`` in ``json.load`` and a 500 on every JSON endpoint;
``1e400`` and ``"NaN"`` were stored as infinities and NaN, and every later read of the row was a 500; DRF
turned ``12`` into the text ``"12"``, ``"12"`` into the number 12 and ``true`` into the seat 1.
"""

import json

import pytest
from django.urls import reverse

from committee.models import Vote
from console.bounded import MAX_DEPTH
from qa.models import Specification
from releases.models import Release
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.qa.factories import MetricFactory

pytestmark = pytest.mark.django_db


def post_json(client, url: str, body: str):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000], ids=["lists", "objects"])
def test_a_deeply_nested_body_is_refused_with_400_naming_the_depth(client_for, task_force_lead, body):
    response = post_json(client_for(task_force_lead), reverse("api:release-list"), body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON parse error - it nests lists and objects deeper than {MAX_DEPTH} levels"
    }
    assert not Release.objects.exists()


def test_a_body_nested_just_past_the_bound_is_refused_and_one_at_it_is_read(client_for, task_force_lead):
    client = client_for(task_force_lead)
    deep = {"version": "v1.0.0", "notes": "n"}  # an object: 1 level
    for _ in range(MAX_DEPTH - 1):
        deep = [deep]

    past = post_json(client, reverse("api:release-list"), json.dumps([deep]))
    at = post_json(client, reverse("api:release-list"), json.dumps(deep))

    assert past.status_code == 400
    # Read, then refused by the serializer for what it is (a list), not for its depth.
    assert at.status_code == 400
    assert "nests" not in at.content.decode()


@pytest.mark.parametrize(
    ("threshold", "problem"),
    [
        ("1e400", "JSON parse error - 1e400 is beyond the range of a double-precision number"),
        ("NaN", "JSON parse error - NaN is not a JSON number"),
        ("-Infinity", "JSON parse error - -Infinity is not a JSON number"),
    ],
)
def test_a_number_beyond_a_double_is_refused_before_it_is_stored(client_for, task_force_lead, threshold, problem):
    MetricFactory(name="demo.measure.std")
    body = f'{{"metric": "demo.measure.std", "level": "minimum", "operator": "<=", "threshold": {threshold}}}'

    response = post_json(client_for(task_force_lead), reverse("api:specification-list"), body)

    assert response.status_code == 400
    assert response.json() == {"detail": problem}
    assert not Specification.objects.exists()


@pytest.mark.parametrize("threshold", ["NaN", "Infinity", "12", True])
def test_a_threshold_that_is_not_a_finite_json_number_is_refused_naming_it(client_for, task_force_lead, threshold):
    MetricFactory(name="demo.measure.std")
    body = {"metric": "demo.measure.std", "level": "minimum", "operator": "<=", "threshold": threshold}

    response = post_json(client_for(task_force_lead), reverse("api:specification-list"), json.dumps(body))

    assert response.status_code == 400
    assert list(response.json()) == ["threshold"]
    assert not Specification.objects.exists()


def test_a_lone_surrogate_in_a_body_is_refused(client_for, task_force_lead):
    body = '{"version": "v1.0.0", "notes": "half a pair: \\ud800"}'

    response = post_json(client_for(task_force_lead), reverse("api:release-list"), body)

    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]
    assert not Release.objects.exists()


def test_text_sent_as_a_number_is_refused_not_turned_into_text(client_for, task_force_lead):
    response = post_json(client_for(task_force_lead), reverse("api:release-list"), '{"version": "v1.0.0", "notes": 12}')

    assert response.status_code == 400
    assert response.json() == {"notes": ["Send text (a JSON string), not a number."]}
    assert not Release.objects.exists()


def test_text_keeps_the_whitespace_it_was_sent_with(client_for, task_force_lead):
    response = post_json(
        client_for(task_force_lead), reverse("api:release-list"), '{"version": "v1.0.0", "notes": "  two spaces "}'
    )

    assert response.status_code == 201
    assert Release.objects.get().notes == "  two spaces "


@pytest.mark.parametrize("seat", [True, "1"])
def test_a_seat_named_by_anything_but_a_number_is_refused(client_for, committee_member, seat):
    policy = PolicyCommitteeFactory()
    seat_of_member = policy.seats.order_by("id").first()
    seat_of_member.holder = committee_member
    seat_of_member.save()
    decision = DecisionFactory(committee=policy)

    response = post_json(
        client_for(committee_member),
        reverse("api:decision-vote", kwargs={"pk": decision.pk}),
        json.dumps({"choice": "approve", "seat": seat}),
    )

    assert response.status_code == 400
    assert list(response.json()) == ["seat"]
    assert not Vote.objects.exists()
