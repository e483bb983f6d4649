"""Bulk ingest: all rows or none, bad rows named by number, field and value."""

import io
import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from qa.api.parsers import StreamingJSONParser
from qa.ingest import BadRows, measurements_ingest
from qa.models import Measurement, Metric
from tests.qa.factories import MetricFactory, succeeded_run

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


def test_tags_and_values_are_stored_exactly_whatever_characters_they_hold():
    """PostgreSQL's COPY text format gives backslashes, tabs and newlines a meaning: none may leak."""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    awkward = {
        "path": "C:\\data\\raw\\n1",
        "quote": 'say "hi"',
        "tab": "a\tb",
        "lines": "one\ntwo\r\n",
        "escape": "\\u0000 is not NUL",
        "band": "ʁ∂ 🙂",
        "empty": "",
    }
    rows = [
        {
            "metric": "demo.detector_mean",
            "value": 1e-300,
            "tags": awkward,
            "measured_at": "2026-11-02T03:04:05.123456Z",
        },
        {
            "metric": "demo.detector_mean",
            "value": -123456789.125,
            "tags": {},
            "measured_at": "2026-11-02T03:04:05+02:00",
        },
    ]

    measurements_ingest(submission=run, rows=rows)

    stored = list(Measurement.objects.order_by("pk").values_list("value", "tags", "measured_at"))
    assert [(value, tags) for value, tags, _ in stored] == [(1e-300, awkward), (-123456789.125, {})]
    assert [at.isoformat() for _, _, at in stored] == ["2026-11-02T03:04:05.123456+00:00", "2026-11-02T01:04:05+00:00"]


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


@pytest.mark.parametrize(
    ("kind", "dates"),
    [
        ("csv", pd.to_datetime(["2026-11-02T03:04:05Z", None])),
        ("parquet", pd.to_datetime(["2026-11-02T03:04:05Z", None])),  # an empty cell is NaT
        ("parquet", pd.array(["2026-11-02T03:04:05Z", None], dtype="string")),  # pandas' NA
    ],
)
def test_a_file_s_empty_cells_are_missing_values(client_for, operator, kind, dates):
    """An empty measured_at cell means now, as a missing value does in JSON; an empty tag cell is no tag."""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    frame = pd.DataFrame(
        {
            "metric": ["demo.detector_mean"] * 2,
            "value": [1.0, 2.0],
            "measured_at": dates,
            "visit": pd.array([903342, None], dtype="Int64"),
        }
    )
    data = io.BytesIO()
    frame.to_csv(data, index=False) if kind == "csv" else frame.to_parquet(data)
    data.seek(0)
    data.name = f"metrics.{kind}"
    before = timezone.now()

    response = client_for(operator).post(reverse("api:submission-measurements", kwargs={"pk": run.pk}), {"file": data})

    assert response.status_code == 201, response.content
    (given, given_tags), (empty, empty_tags) = Measurement.objects.order_by("value").values_list("measured_at", "tags")
    assert (given.isoformat(), given_tags) == ("2026-11-02T03:04:05+00:00", {"visit": "903342"})
    assert before <= empty <= timezone.now()
    assert empty_tags == {}


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


# Bad uploads: too large, of the wrong format, or with a bad row anywhere -----------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


def measurements_url(run) -> str:
    return reverse("api:submission-measurements", kwargs={"pk": run.pk})


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def csv_bytes(batch: list[dict]) -> bytes:
    frame = pd.DataFrame([{"metric": row["metric"], "value": row["value"], **row["tags"]} for row in batch])
    return frame.to_csv(index=False).encode()


def test_an_upload_over_the_measurement_limit_is_refused_with_413_naming_the_limit(client_for, operator, settings):
    settings.MEASUREMENT_UPLOAD_MAX_BYTES = 4096
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    content = csv_bytes(rows(400))
    assert len(content) > 4096

    response = client_for(operator).post(measurements_url(run), {"file": upload("metrics.csv", content)})

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "this accepts at most 4,096 bytes" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_the_measurement_upload_takes_more_than_other_requests(client_for, operator, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    content = csv_bytes(rows(400))

    response = client_for(operator).post(measurements_url(run), {"file": upload("metrics.csv", content)})

    assert len(content) > 1024
    assert response.status_code == 201, response.content
    assert Measurement.objects.count() == 400


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("metrics.csv", PNG, "metrics.csv is not a CSV file: it is not UTF-8 text (byte 0x89 at position 0)."),
        ("metrics.parquet", PNG, "metrics.parquet is not a Parquet file that can be read: Parquet magic bytes"),
        ("metrics.parquet", b"metric,value\ndemo.detector_mean,1\n", "metrics.parquet is not a Parquet file"),
        ("metrics.csv", b"metric;value\ndemo.detector_mean;1\n", "metrics.csv has no metric or value column"),
        ("metrics.csv", b"metric,amount\ndemo.detector_mean,1\n", "has no value column (its columns: metric, amount)"),
        ("metrics.csv", b"", "metrics.csv cannot be read as CSV: No columns to parse from file"),
        (
            "metrics.csv",
            b'metric,value\n"demo.detector_mean,1\n',
            "metrics.csv cannot be read as CSV: Error tokenizing",
        ),
        ("metrics.png", PNG, "metrics.png: upload a .csv or .parquet file"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_naming_the_problem(client_for, operator, name, content, message):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")

    response = client_for(operator).post(measurements_url(run), {"file": upload(name, content)})

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        ({"metric": "demo.detector_mean", "value": 1.0}, "a JSON object"),
        ("demo.detector_mean", "a JSON string"),
        (12.5, "a JSON number"),
    ],
)
def test_json_that_is_not_a_list_of_rows_is_refused_naming_what_was_sent(client_for, operator, body, sent):
    run = succeeded_run()

    response = client_for(operator).post(measurements_url(run), json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Send a JSON list of measurements (objects with metric and value), or a CSV or Parquet file as `file`; "
        f"this request sent {sent}."
    )


def test_a_list_of_things_that_are_not_rows_names_each_row(client_for, operator):
    response = client_for(operator).post(
        measurements_url(succeeded_run()), [1, ["demo.detector_mean", 1.0]], content_type="application/json"
    )

    assert response.status_code == 400
    assert "row 1: row='int': is not an object with metric and value" in response.json()["detail"]
    assert "row 2: row='list': is not an object with metric and value" in response.json()["detail"]


BAD_VALUES = {
    "value": ("value", "n/a", "row {n}: value='n/a': is not a finite number"),
    "measured_at": ("measured_at", "2021-02-30T10:00:00", "row {n}: measured_at='2021-02-30T10:00:00': is not a date"),
}


def sent_as(kind: str, batch: list[dict]) -> dict:
    """The keyword arguments of the test client's post for the batch sent as JSON, CSV or Parquet."""
    if kind == "json":
        return {"data": batch, "content_type": "application/json"}
    flat = pd.DataFrame([{key: value for key, value in row.items() if key != "tags"} | row["tags"] for row in batch])
    content = io.BytesIO()
    flat.to_csv(content, index=False) if kind == "csv" else flat.astype(str).to_parquet(content)
    return {"data": {"file": upload(f"metrics.{kind}", content.getvalue())}}


@pytest.mark.parametrize("kind", ["json", "csv", "parquet"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("bad", BAD_VALUES)
def test_a_bad_row_anywhere_rejects_the_batch_and_writes_nothing(client_for, operator, kind, where, bad):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    measurements_ingest(submission=run, rows=rows(3))
    batch = [row | {"measured_at": "2021-06-01T10:00:00"} for row in rows(300)]
    index = {"first": 0, "middle": 150, "last": 299}[where]
    field, value, message = BAD_VALUES[bad]
    batch[index][field] = value

    response = client_for(operator).post(measurements_url(run), **sent_as(kind, batch))

    assert response.status_code == 400
    assert response.json()["detail"].startswith("1 of 300 rows are bad; nothing was written.")
    assert message.format(n=index + 1) in response.json()["detail"]
    assert Measurement.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"value": 10**400}, "row 2: value=100000000000000000000"),  # then: is out of range
        ({"value": 1e308 * 10}, "row 2 could not be read as JSON (lexical error: invalid char"),  # Infinity
        ({"tags": {"band": "r\x00"}}, "row 2: tags={'band': 'r\\x00'}: contains a NUL character"),
        ({"tags": {"\x00": "r"}}, "row 2: tags={'\\x00': 'r'}: contains a NUL character"),
    ],
)
def test_values_no_database_column_can_hold_are_bad_rows(client_for, operator, row, message):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    batch = rows(3)
    batch[1] |= row

    response = client_for(operator).post(measurements_url(run), batch, content_type="application/json")

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_a_tag_that_is_not_unicode_text_is_a_bad_row():
    """Python's json.loads (the stack-side reader's output) accepts half of a UTF-16 pair; PostgreSQL does not.
    (The API's JSON body: test_measurements_ingest_no_silent_changes.py; a CSV file cannot hold one, being UTF-8.)"""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    batch = rows(3)
    batch[1]["tags"] = json.loads('{"band": "r\\ud800"}')

    with pytest.raises(BadRows, match=r"row 2: tags=\{'band': 'r\\ud800'\}: contains a lone surrogate"):
        measurements_ingest(submission=run, rows=batch)

    assert not Measurement.objects.exists()


class CountingStream(io.BytesIO):
    """A request body that counts how much of it was read."""

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read = getattr(self, "bytes_read", 0) + len(chunk)
        return chunk


def test_a_json_list_is_read_row_by_row_as_the_body_streams_in():
    body = json.dumps(rows(20_000)).encode()
    stream = CountingStream(body)

    parsed = StreamingJSONParser().parse(stream)
    first = next(iter(parsed))

    assert first == rows(1)[0]
    assert stream.bytes_read < len(body) / 4  # the rest of the list is still unread


def test_json_broken_after_some_rows_names_the_row_and_writes_nothing(client_for, operator):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    body = json.dumps(rows(500))[:-200]  # cut inside row 498 or so: the upload was interrupted

    response = client_for(operator).post(measurements_url(run), body, content_type="application/json")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("row 49") and "could not be read as JSON" in detail and "nothing was written" in detail
    assert not Measurement.objects.exists()
