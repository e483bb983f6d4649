"""The limits of a measurements upload: each one a bad row (or a refused file) naming it, and the README's table."""

import io
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from qa import limits
from qa.models import Measurement, Metric, RunStatistics, Specification
from tests.qa.factories import MetricFactory, succeeded_run

pytestmark = pytest.mark.django_db

METRIC = "demo.detector_mean"


def post(client, run, *, rows=None, csv_text=None, query=""):
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk}) + query
    if rows is not None:
        return client.post(url, json.dumps(rows), content_type="application/json")
    upload = io.BytesIO(csv_text.encode())
    upload.name = "metrics.csv"
    return client.post(url, {"file": upload})


def row(**tags) -> dict:
    return {"metric": METRIC, "value": 1.0, "tags": tags}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({f"k{n}": "x" for n in range(33)}, "row 2: tags=33 tags: has 33 tags: at most 32"),
        ({"k" * 51: "x"}, f"row 2: tags.{'k' * 51}='{'k' * 51}': is a tag key longer than 50 characters"),
        ({"band": "x" * 101}, f"row 2: tags.band='{'x' * 47}...{'x' * 48}': is longer than 100 characters"),
    ],
    ids=["count", "key", "value"],
)
def test_a_tag_past_a_limit_is_a_bad_row(client_for, operator, tags, message):
    run = succeeded_run()
    MetricFactory(name=METRIC)

    response = post(client_for(operator), run, rows=[row(band="r"), row(**tags)])

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_tags_at_the_limits_are_stored(client_for, operator):
    run = succeeded_run()
    MetricFactory(name=METRIC)
    tags = {f"k{n:02}": "x" for n in range(31)} | {"k" * 50: "v" * 100}

    response = post(client_for(operator), run, rows=[row(**tags)])

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().tags == tags


def test_columns_past_the_tag_limit_are_bad_rows_and_past_the_row_s_fields_a_refused_file(client_for, operator):
    run = succeeded_run()
    MetricFactory(name=METRIC)
    header = ",".join(f"k{n}" for n in range(33))
    cells = ",".join("x" for _n in range(33))
    many = ",".join(f"k{n}" for n in range(40))

    response = post(client_for(operator), run, csv_text=f"metric,value,{header}\n{METRIC},1,{cells}\n")
    refused = post(client_for(operator), run, csv_text=f"metric,value,{many}\n")

    assert "row 1: tags=33 tags: has 33 tags: at most 32" in response.json()["detail"]
    assert refused.json()["detail"] == (
        "metrics.csv has 42 columns: at most 36 (metric, value, measured_at, tags or one column per tag, "
        "at most 32 tags)."
    )


def test_a_metric_name_past_the_column_s_length_is_not_registered(client_for, operator):
    """PostgreSQL refused it with a 500 ("value too long"); SQLite registered it."""
    run = succeeded_run()
    name = "demo." + "m" * 196

    response = post(client_for(operator), run, rows=[{"metric": name, "value": 1}], query="?register_unknown=true")
    at_the_limit = post(
        client_for(operator), run, rows=[{"metric": name[:-1], "value": 1}], query="?register_unknown=true"
    )

    assert response.status_code == 400, response.content
    assert f"row 1: metric='demo.{'m' * 42}...{'m' * 48}': is longer than 200 characters" in response.json()["detail"]
    assert at_the_limit.status_code == 201, at_the_limit.content
    assert list(Metric.objects.values_list("name", flat=True)) == [name[:-1]]


def test_a_csv_line_past_the_limit_is_not_read_whole(client_for, operator):
    run = succeeded_run()
    MetricFactory(name=METRIC)
    long_line = f"{METRIC},1,{'x' * limits.CSV_LINE_MAX_CHARS}"

    response = post(client_for(operator), run, csv_text=f"metric,value,band\n{METRIC},1,r\n{long_line}\n")

    assert response.status_code == 400
    assert response.json()["detail"] == ("metrics.csv cannot be read as CSV: line 3 is longer than 65,536 characters.")


def test_the_tag_limits_are_those_a_specification_can_name():
    for model in (Specification, RunStatistics):
        assert model._meta.get_field("tag_key").max_length == limits.TAG_KEY_MAX_CHARS
        assert model._meta.get_field("tag_value").max_length == limits.TAG_VALUE_MAX_CHARS
    assert Metric._meta.get_field("name").max_length == limits.METRIC_NAME_MAX_CHARS


def test_the_readme_s_table_of_limits_says_what_the_code_does():
    readme = (settings.BASE_DIR / "README.md").read_text()
    table = readme.split("| limit of a measurements upload (`qa/limits.py`) | |")[1].split("\n\n")[0]
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|$", table, re.MULTILINE))

    assert rows["tags per row"] == str(limits.TAGS_MAX)
    assert rows["tag key"] == f"{limits.TAG_KEY_MAX_CHARS} characters"
    assert rows["tag value"] == f"{limits.TAG_VALUE_MAX_CHARS} characters"
    assert rows["metric name (registering one)"] == f"{limits.METRIC_NAME_MAX_CHARS} characters"
    assert rows["`tags` column (JSON text)"] == f"{limits.TAGS_TEXT_MAX_CHARS:,} characters"
    assert rows["value"] == (f"0, or {limits.VALUE_MIN_MAGNITUDE!r} to {limits.VALUE_MAX_MAGNITUDE:g} in magnitude")
    assert rows["JSON nesting"].startswith(f"{limits.NESTING_MAX_DEPTH} levels")
    assert rows["CSV line"] == f"{limits.CSV_LINE_MAX_CHARS:,} characters"
    assert rows["columns of a CSV or Parquet file"] == str(limits.ROW_FIELDS_MAX)
