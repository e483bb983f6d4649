"""Bulk ingest: all rows or none, bad rows named by number, field and value."""

import io
import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from qa.ingest import BadRows, measurements_ingest
from qa.models import Measurement, Metric
from qa.tests.factories import MetricFactory, succeeded_run

pytestmark = pytest.mark.django_db


def rows(count: int) -> list[dict]:
    return [
        {"metric": "demo.detector_mean", "value": float(n), "tags": {"visit": "1001", "detector": str(n % 4)}}
        for n in range(count)
    ]


def test_a_batch_with_one_bad_row_in_a_thousand_is_rejected_with_that_row_named():
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    batch = rows(1000)
    batch[736]["value"] = "n/a"

    with pytest.raises(BadRows) as refused:
        measurements_ingest(submission=run, rows=batch)

    assert str(refused.value).startswith("1 of 1000 rows are bad; nothing was written.")
    assert "row 737: value='n/a': is not a finite number" in str(refused.value)
    assert not Measurement.objects.exists()


def test_unknown_metrics_are_refused_unless_asked_to_register_them():
    run = succeeded_run()

    with pytest.raises(BadRows, match="row 1: metric='demo.detector_mean': is not a known metric"):
        measurements_ingest(submission=run, rows=rows(3))
    report = measurements_ingest(submission=run, rows=rows(3), register_unknown=True)

    assert report.rows == 3
    assert report.registered_metrics == ["demo.detector_mean"]
    assert Measurement.objects.filter(submission=run).count() == 3


def test_tags_can_come_as_columns_and_numbers_become_strings():
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")

    measurements_ingest(
        submission=run, rows=[{"metric": "demo.detector_mean", "value": 1, "band": "r", "visit": 1001.0}]
    )

    assert Measurement.objects.get().tags == {"band": "r", "visit": "1001"}


def test_the_api_takes_a_json_list_and_answers_with_the_bad_rows(client_for, operator):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk})
    client = client_for(operator)

    bad = client.post(url, [*rows(2), {"metric": "demo.detector_mean"}], content_type="application/json")
    good = client.post(url, rows(5), content_type="application/json")

    assert bad.status_code == 400
    assert "row 3: value=None: is not a finite number" in bad.json()["detail"]
    assert good.status_code == 201
    assert good.json() == {"ingested": 5, "registered_metrics": []}
    assert Measurement.objects.count() == 5


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_api_takes_csv_and_parquet_files(client_for, operator, kind):
    run = succeeded_run()
    frame = pd.DataFrame({"metric": ["demo.detector_mean"] * 4, "value": [1.0, 2.0, 3.0, 4.0], "band": list("griz")})
    data = io.BytesIO()
    frame.to_csv(data, index=False) if kind == "csv" else frame.to_parquet(data)
    data.seek(0)
    data.name = f"metrics.{kind}"

    response = client_for(operator).post(
        reverse("api:submission-measurements", kwargs={"pk": run.pk}) + "?register_unknown=true", {"file": data}
    )

    assert response.status_code == 201, response.content
    assert sorted(Measurement.objects.values_list("tags__band", flat=True)) == ["g", "i", "r", "z"]


def test_a_viewer_cannot_upload(client_for, viewer):
    run = succeeded_run()

    response = client_for(viewer).post(
        reverse("api:submission-measurements", kwargs={"pk": run.pk}), rows(1), content_type="application/json"
    )

    assert response.status_code == 403


def test_the_command_ingests_a_file_and_names_bad_rows(tmp_path, capsys):
    run = succeeded_run()
    good = tmp_path / "good.csv"
    good.write_text("metric,value,detector\ndemo.x,1.5,1\ndemo.x,2.5,2\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("metric,value,detector\ndemo.x,1.5,1\ndemo.x,oops,2\n")

    call_command("ingest_metrics", str(good), "--submission", str(run.pk), "--register-unknown")
    with pytest.raises(CommandError, match="row 2: value='oops'"):
        call_command("ingest_metrics", str(bad), "--submission", str(run.pk))

    assert "Ingested 2 measurements" in capsys.readouterr().out
    assert Measurement.objects.count() == 2
    assert Metric.objects.filter(name="demo.x").exists()


def test_a_file_of_another_format_gets_a_clear_message(client_for, operator):
    run = succeeded_run()
    upload = io.BytesIO(json.dumps(rows(1)).encode())
    upload.name = "metrics.xlsx"

    response = client_for(operator).post(
        reverse("api:submission-measurements", kwargs={"pk": run.pk}), {"file": upload}
    )

    assert response.status_code == 400
    assert "upload a .csv or .parquet file" in response.json()["detail"]
