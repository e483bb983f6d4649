"""A measurements upload's JSON: what is nested is never built, and a body nested past the limit is not read on."""

import io
import json

import pytest
from django.urls import reverse

from qa.api.parsers import StreamingJSONParser
from qa.limits import NESTING_MAX_DEPTH, TAGS_MAX
from qa.models import Measurement
from tests.qa.factories import MetricFactory, succeeded_run

pytestmark = pytest.mark.django_db


def good_row(n: int = 0) -> str:
    return json.dumps({"metric": "demo.detector_mean", "value": float(n), "tags": {"band": "r", "visit": str(n)}})


def post(client, run, body: str):
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk})
    return client.post(url, body, content_type="application/json")


class CountingStream(io.BytesIO):
    """A request body that counts how much of it was read."""

    bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_tag_value_nested_a_hundred_thousand_deep_stops_the_reading_at_the_limit_naming_the_row():
    """Before, ijson built every level with its prefix (a path as long as the depth: the square of the depth
    in work, minutes for this body) and ingest then turned the whole into text."""
    depth = 100_000
    nested = '{"metric": "demo.detector_mean", "value": 1, "tags": {"band": ' + "[" * depth + "]" * depth + "}}"
    body = f"[{good_row()}, {nested}, {good_row(2)}]".encode()
    stream = CountingStream(body)

    rows = iter(StreamingJSONParser().parse(stream))
    first = next(rows)
    with pytest.raises(Exception) as refused:
        next(rows)

    assert first["tags"] == {"band": "r", "visit": "0"}
    assert (
        str(refused.value) == f"row 2: tags.band: nested deeper than {NESTING_MAX_DEPTH} levels; nothing was written."
    )
    assert stream.bytes_read < len(body) / 2  # the rest of the body was not read


def test_a_body_of_nested_lists_is_refused_with_400_naming_the_row(client_for, operator):
    run = succeeded_run()
    depth = 50_000

    response = post(client_for(operator), run, "[" * depth + "]" * depth)

    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"row 1: row: nested deeper than {NESTING_MAX_DEPTH} levels; nothing was written."
    )


ROW = '{"metric": "demo.detector_mean", "value": 1, '


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ROW + '"tags": {"band": ["r", "g"]}}', "row 2: tags.band=[...]: is a list; a tag's value is text or a"),
        (ROW + '"tags": {"band": {"name": "r"}}}', "row 2: tags.band={...}: is an object; a tag's value is text"),
        (ROW + '"band": [[["r"]]]}', "row 2: band=[...]: is a list; a tag's value is text or a number"),
        (ROW + '"tags": [["band", "r"]]}', "row 2: tags=[...]: is a list, not an object of tag: value"),
        (ROW + '"measured_at": ["2026-11-02"]}', "row 2: measured_at=[...]: is a list, not a date and time"),
        ('{"metric": "demo.detector_mean", "value": [1.5]}', "row 2: value=[...]: is a list, not a finite"),
        (
            '{"metric": "demo.detector_mean", "value": {"mean": 1}}',
            "row 2: value={'mean': 1}: is an object, not a finite number",
        ),
        ('{"metric": ["demo.detector_mean"], "value": 1}', "row 2: metric=[...]: is a list, not a metric name"),
    ],
)
def test_a_list_or_object_where_a_row_holds_a_value_is_a_bad_row_naming_the_field(client_for, operator, row, message):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")

    response = post(client_for(operator), run, f"[{good_row()}, {row}, {good_row(2)}, {row}]")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("2 of 4 rows are bad; nothing was written.")  # the rows after it were read
    assert message in detail
    assert not Measurement.objects.exists()


def test_a_row_with_more_tags_than_the_limit_is_a_bad_row_and_they_are_not_all_kept(client_for, operator):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    many = {f"key{n}": "x" for n in range(10_000)}
    row = json.dumps({"metric": "demo.detector_mean", "value": 1, "tags": many})

    response = post(client_for(operator), run, f"[{good_row()}, {row}]")

    assert response.status_code == 400
    assert f"row 2: tags=10000 tags: has 10000 tags: at most {TAGS_MAX}" in response.json()["detail"]


def test_a_huge_tag_value_is_a_bad_row_shown_in_short(client_for, operator):
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    row = json.dumps({"metric": "demo.detector_mean", "value": 1, "tags": {"band": "r" * 1_000_000}})

    response = post(client_for(operator), run, f"[{good_row()}, {row}]")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert f"row 2: tags.band='{'r' * 47}...{'r' * 48}': is longer than 100 characters" in detail
    assert len(detail) < 500


def test_a_tags_column_nested_deeply_is_a_bad_row(client_for, operator):
    """A file's `tags` column holds a JSON object as text; Python's parser hit its recursion limit (a 500)."""
    run = succeeded_run()
    MetricFactory(name="demo.detector_mean")
    deep = "[" * 5_000 + "]" * 5_000
    csv = f'metric,value,tags\ndemo.detector_mean,1,"{{""band"": ""r""}}"\ndemo.detector_mean,2,{deep}\n'
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk})
    upload = io.BytesIO(csv.encode())
    upload.name = "metrics.csv"

    response = client_for(operator).post(url, {"file": upload})

    assert response.status_code == 400
    assert "row 2: tags='[[[[" in response.json()["detail"]
    assert "is not a JSON object of tag: value" in response.json()["detail"]
