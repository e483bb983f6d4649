"""Metrics with their specifications; the lead and committee members add specifications."""

import csv
import io

import pytest
from django.urls import reverse

from console.models import AuditEvent
from qa.models import Specification
from tests.qa.factories import MetricFactory, SpecificationFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
LIST_URL = reverse("qa:metric-list")
CREATE_URL = reverse("qa:specification-create")


def test_metrics_are_listed_with_their_specifications(client_for, viewer):
    std = MetricFactory(name="demo.measure.std", unit="adu", description="Robust noise")
    SpecificationFactory(metric=std, level="minimum", operator="<=", threshold=12, blocking=True)
    SpecificationFactory(metric=std, level="stretch", operator="<=", threshold=9, tag_key="band", tag_value="r")
    MetricFactory(name="resources.measure.max_rss", unit="MB")

    response = client_for(viewer).get(LIST_URL)

    html = response.content.decode()
    assert [metric.name for metric in response.context["page"]] == ["demo.measure.std", "resources.measure.max_rss"]
    row = html.split('data-metric="demo.measure.std"')[1].split("</tr>")[0]
    assert "median ≤ 12" in row and "blocking" in row and "for band=r" in row
    assert 'data-testid="spec-form"' not in html  # a viewer sets no specification


@pytest.mark.parametrize("editor", ["task_force_lead", "committee_member"])
def test_spec_editors_add_a_specification(client_for, request, editor):
    metric = MetricFactory(name="demo.measure.std")
    release = ReleaseFactory(version="v23.0.1")
    client = client_for(request.getfixturevalue(editor))
    assert 'data-testid="spec-form"' in client.get(LIST_URL).content.decode()

    response = client.post(
        CREATE_URL,
        {
            "metric": metric.pk,
            "level": "design",
            "statistic": "p95",
            "operator": "<",
            "threshold": "11.5",
            "tag_key": " band ",
            "tag_value": "i",
            "min_release": release.pk,
            "blocking": "on",
        },
        follow=True,
    )

    spec = Specification.objects.get()
    assert (spec.level, spec.statistic, spec.operator, spec.threshold) == ("design", "p95", "<", 11.5)
    assert (spec.tag_key, spec.tag_value, spec.min_release, spec.blocking) == ("band", "i", release, True)
    assert "Specification added: demo.measure.std p95 &lt; 11.5 (design [band=i])." in response.content.decode()
    assert AuditEvent.objects.filter(action="qa.specification-created").exists()


def test_a_tag_without_its_value_is_refused_with_a_message(client_for, committee_member):
    metric = MetricFactory()

    response = client_for(committee_member).post(
        CREATE_URL,
        {
            "metric": metric.pk,
            "level": "design",
            "statistic": "median",
            "operator": "<",
            "threshold": "1",
            "tag_key": "band",
        },
        follow=True,
    )

    assert "A tag restriction needs both the tag and its value" in response.content.decode()
    assert not Specification.objects.exists()


def test_a_bad_form_is_refused_with_a_message(client_for, committee_member):
    response = client_for(committee_member).post(CREATE_URL, {"level": "best", "threshold": "x"}, follow=True)

    html = response.content.decode()
    assert "Metric (not sent): This field is required." in html
    assert "Level &#x27;best&#x27;: Select a valid choice." in html
    assert not Specification.objects.exists()


def test_others_may_not_add_specifications(client_for, operator):
    metric = MetricFactory()

    response = client_for(operator).post(
        CREATE_URL, {"metric": metric.pk, "level": "design", "statistic": "median", "operator": "<", "threshold": "1"}
    )

    assert response.status_code == 403
    assert not Specification.objects.exists()


def test_the_csv_export_has_a_row_per_specification(client_for, viewer):
    std = MetricFactory(name="demo.measure.std", unit="adu", description="=2+3 noise")
    SpecificationFactory(metric=std, level="minimum", operator="<=", threshold=12, blocking=True)
    SpecificationFactory(metric=std, level="design", operator="<=", threshold=10)
    MetricFactory(name="demo.unjudged")

    response = client_for(viewer).get(reverse("qa:metric-list-csv"))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["metric", "unit", "better", "description", "level"]
    assert [row[:5] for row in rows[1:]] == [
        ["demo.measure.std", "adu", "lower", "'=2+3 noise", "design"],
        ["demo.measure.std", "adu", "lower", "'=2+3 noise", "minimum"],
        ["demo.unjudged", "mmag", "lower", "", ""],
    ]
    assert rows[2][-1] == "true" and rows[2][7] == "12.0"
