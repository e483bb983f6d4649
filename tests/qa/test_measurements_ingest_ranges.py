"""Numbers and times past what the database and the run statistics hold are bad rows, named, never a 500.

Run on PostgreSQL and SQLite: PostgreSQL's float8 takes the whole double range but its avg() and
percentile_cont() fail on overflow ("value out of range: overflow"), its timestamptz takes no UTC offset
past 15:59, and Python's datetime has no year before 1 or after 9999 in UTC.
"""

import io
import sys
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from django.urls import reverse

from qa.ingest import BadRows, measurements_ingest
from qa.limits import VALUE_MAX_MAGNITUDE, VALUE_MIN_MAGNITUDE
from qa.models import Measurement, MetricStatistics
from tests.qa.factories import MetricFactory, succeeded_run

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "is out of range: a value is 0 or between 2.2250738585072014e-308 and 1e+100 in magnitude"


def row(value=1.0, measured_at=None) -> dict:
    row = {"metric": "demo.detector_mean", "value": value, "tags": {"band": "r"}}
    return row if measured_at is None else row | {"measured_at": measured_at}


def post(client, run, body: str, content_type: str = "application/json"):
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk})
    if content_type == "text/csv":
        upload = io.BytesIO(body.encode())
        upload.name = "metrics.csv"
        return client.post(url, {"file": upload})
    return client.post(url, body, content_type=content_type)


@pytest.mark.parametrize(
    "value",
    [
        "1.7976931348623157e308",  # the largest double: PostgreSQL's avg() of two of them overflows
        "-1e308",
        "1e101",
        "5e-324",  # subnormal: stored, but "7e-324" would be stored as 1e-323
        "2.2250738585072009e-308",
        "1e-400",  # would be stored as 0
        "-1e-400",
        pytest.param("0." + "0" * 400 + "1", id="0.(400 zeros)1"),
    ],
)
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_value_past_the_range_is_a_bad_row_naming_row_and_field(client_for, operator, value, kind):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    if kind == "json":
        body = f'[{{"metric": "demo.detector_mean", "value": 1}}, {{"metric": "demo.detector_mean", "value": {value}}}]'
    else:
        body = f"metric,value\ndemo.detector_mean,1\ndemo.detector_mean,{value}\n"

    response = post(client_for(operator), run, body, "application/json" if kind == "json" else "text/csv")

    assert response.status_code == 400, response.content
    shown = value if kind == "csv" else None
    assert "row 2: value=" in response.json()["detail"]
    assert OUT_OF_RANGE in response.json()["detail"]
    if shown is not None:
        assert f"row 2: value='{shown[:20]}" in response.json()["detail"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), -float("inf"), 1.7976931348623157e308, 1e-310, sys.float_info.max]
)
def test_floats_past_the_range_are_bad_rows_from_a_parquet_file_and_from_python(client_for, operator, value):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    data = io.BytesIO()
    pd.DataFrame({"metric": ["demo.detector_mean"] * 2, "value": [1.0, value]}).to_parquet(data)
    upload = io.BytesIO(data.getvalue())
    upload.name = "metrics.parquet"

    response = client_for(operator).post(
        reverse("api:submission-measurements", kwargs={"pk": run.pk}), {"file": upload}
    )
    with pytest.raises(BadRows, match="row 2: value="):
        measurements_ingest(submission=run, rows=[row(), row(value)])

    assert response.status_code == 400
    assert "1 of 2 rows are bad" in response.json()["detail"]
    assert "row 2: value=" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_values_at_the_edges_of_the_range_are_stored_with_their_statistics():
    """Many of the largest values either way: PostgreSQL's avg() and percentile_cont() do not overflow."""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    edges = [VALUE_MAX_MAGNITUDE, -VALUE_MAX_MAGNITUDE, VALUE_MIN_MAGNITUDE, -VALUE_MIN_MAGNITUDE, 0.0, -0.0]

    measurements_ingest(submission=run, rows=[row(value) for value in edges * 500])

    assert sorted(set(Measurement.objects.values_list("value", flat=True))) == sorted(set(edges))
    statistics = MetricStatistics.objects.get(run_statistics__tag_key="")
    assert (statistics.count, statistics.min, statistics.max) == (3000, -VALUE_MAX_MAGNITUDE, VALUE_MAX_MAGNITUDE)


@pytest.mark.parametrize(
    "measured_at",
    [
        "0001-01-01T00:00:00+23:59",  # before the year 1 in UTC
        "9999-12-31T23:59:59-23:59",  # after 9999 in UTC
        "0001-01-01T00:00:00+00:01",
    ],
)
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_time_past_the_years_1_to_9999_in_utc_is_a_bad_row(client_for, operator, measured_at, kind):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    if kind == "json":
        body = f'[{{"metric": "demo.detector_mean", "value": 1, "measured_at": "{measured_at}"}}]'
    else:
        body = f"metric,value,measured_at\ndemo.detector_mean,1,{measured_at}\n"

    response = post(client_for(operator), run, body, "application/json" if kind == "json" else "text/csv")

    assert response.status_code == 400, response.content
    assert (
        f"row 1: measured_at='{measured_at}': is out of range: a date and time is between the years 1 and 9999 in UTC"
        in response.json()["detail"]
    )
    assert not Measurement.objects.exists()


def test_a_time_past_the_database_s_offsets_is_stored_in_utc(client_for, operator):
    """PostgreSQL takes no UTC offset past 15:59 ("time zone displacement out of range"): the time was sent
    to it with the offset it came with."""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    body = '[{"metric": "demo.detector_mean", "value": 1, "measured_at": "2026-11-02T23:30:00+23:59"}]'

    response = post(client_for(operator), run, body)

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().measured_at == datetime(2026, 11, 1, 23, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("measured_at", "message"),
    [
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23))), "is out of range: a date and time is between"),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))), "is out of range: a date and time"),
        (pd.Timestamp("2026-11-02T03:04:05.123456789Z"), "is more precise than a microsecond"),
    ],
)
def test_a_datetime_past_the_range_is_a_bad_row(measured_at, message):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")

    with pytest.raises(BadRows, match=f"row 2: measured_at=.*: {message}"):
        measurements_ingest(submission=run, rows=[row(), row(measured_at=measured_at)])

    assert not Measurement.objects.exists()


def test_datetimes_of_any_offset_are_stored_in_utc():
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    times = [
        datetime(2026, 11, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=20))),
        datetime(2026, 11, 2, 3, 4, 5),  # no time zone: UTC
        pd.Timestamp("2026-11-02T03:04:05.123456-08:00"),
    ]

    measurements_ingest(submission=run, rows=[row(float(n), at) for n, at in enumerate(times)])

    assert [at.isoformat() for at in Measurement.objects.order_by("value").values_list("measured_at", flat=True)] == [
        "2026-11-01T07:04:05+00:00",
        "2026-11-02T03:04:05+00:00",
        "2026-11-02T11:04:05.123456+00:00",
    ]
