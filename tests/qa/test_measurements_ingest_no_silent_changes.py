"""What was sent is stored as it was sent, or refused as a bad row naming row, field and value: never changed
to fit (JSON, CSV and Parquet alike)."""

import io
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from qa.api.parsers import StreamingJSONParser
from qa.ingest import BadRows, measurements_ingest
from qa.models import Measurement, Metric
from tests.qa.factories import MetricFactory, succeeded_run

pytestmark = pytest.mark.django_db

METRIC = "demo.detector_mean"


@pytest.fixture
def run():
    MetricFactory(name=METRIC)
    return succeeded_run()


def post(client, run, data=None, *, json_text: str | None = None, csv_text: str | None = None, table=None, query=""):
    url = reverse("api:submission-measurements", kwargs={"pk": run.pk}) + query
    if json_text is not None:
        return client.post(url, json_text, content_type="application/json")
    if csv_text is not None:
        upload = io.BytesIO(csv_text.encode("utf-8", "surrogatepass") if isinstance(csv_text, str) else csv_text)
        upload.name = "metrics.csv"
    else:
        content = io.BytesIO()
        pq.write_table(table, content)
        upload = io.BytesIO(content.getvalue())
        upload.name = "metrics.parquet"
    return client.post(url, {"file": upload})


def refused(response, message: str) -> str:
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert message in detail, detail
    assert not Measurement.objects.exists()
    return detail


# Numbers ---------------------------------------------------------------------------------------------------

NOT_NUMBERS = [
    "1_000",
    " 12 ",
    "12 ",
    "\t12",
    "0x10",
    "١٢",
    "\uff11\uff12",
    "nan",
    "NaN",
    "inf",
    "Infinity",
    "-infinity",
    "12\x00",
    "1e",
    "",
    "1,5",
]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_text_that_float_takes_but_that_is_not_a_decimal_is_a_bad_value_in_json(client_for, operator, run, text):
    body = json.dumps([{"metric": METRIC, "value": 1}, {"metric": METRIC, "value": text}])

    refused(post(client_for(operator), run, json_text=body), f"row 2: value={text!r}: is not a finite number")


@pytest.mark.parametrize("text", [t for t in NOT_NUMBERS if t])  # an empty cell is a missing value
def test_text_that_float_takes_but_that_is_not_a_decimal_is_a_bad_value_in_csv(client_for, operator, run, text):
    csv_text = f'metric,value\n{METRIC},1\n{METRIC},"{text}"\n'

    refused(post(client_for(operator), run, csv_text=csv_text), f"row 2: value={text!r}: is not a finite number")


@pytest.mark.parametrize("text", ["1_000", " 12 ", "true"])
def test_text_that_is_not_a_decimal_is_a_bad_value_in_parquet(client_for, operator, run, text):
    table = pa.table({"metric": [METRIC, METRIC], "value": ["1", text]})

    refused(post(client_for(operator), run, table=table), f"row 2: value={text!r}: is not a finite number")


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("json", {"json_text": f'[{{"metric": "{METRIC}", "value": 1}}, {{"metric": "{METRIC}", "value": true}}]'}),
        ("parquet", {"table": pa.table({"metric": [METRIC, METRIC], "value": [False, True]})}),
        ("csv", {"csv_text": f"metric,value\n{METRIC},1\n{METRIC},true\n"}),
    ],
)
def test_true_is_not_a_number_in_any_format(client_for, operator, run, kind, payload):
    detail = refused(post(client_for(operator), run, **payload), "row 2: value=")

    assert "row 2: value=True: is true or false, not a finite number" in detail or "value='true'" in detail


def test_a_decimal_in_every_form_the_grammar_allows_is_stored_as_its_number(client_for, operator, run):
    texts = ["1e5", "+1.5", ".5", "5.", "-0", "1E-3", "-2.5e+2", "007", "0.1"]
    csv_text = "metric,value\n" + "".join(f"{METRIC},{text}\n" for text in texts)
    body = json.dumps([{"metric": METRIC, "value": text} for text in texts])

    csv_response = post(client_for(operator), run, csv_text=csv_text)
    json_response = post(client_for(operator), run, json_text=body)

    assert (csv_response.status_code, json_response.status_code) == (201, 201)
    stored = sorted(Measurement.objects.values_list("value", flat=True))
    assert stored == sorted([1e5, 1.5, 0.5, 5.0, -0.0, 1e-3, -250.0, 7.0, 0.1] * 2)


# Tags ------------------------------------------------------------------------------------------------------


def test_a_csv_cell_is_a_tag_as_written(client_for, operator, run):
    """pandas read "007" as 7 and "1.0" as 1, and a NUL ended the cell."""
    response = post(client_for(operator), run, csv_text=f"metric,value,visit,ccd\n{METRIC},1,007,1.0\n")

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().tags == {"visit": "007", "ccd": "1.0"}


@pytest.mark.parametrize("cell", ["r\x00x", '"r\x00x"', "\x00"])
def test_a_nul_in_a_csv_cell_is_a_bad_row_not_the_end_of_the_cell(client_for, operator, run, cell):
    response = post(client_for(operator), run, csv_text=f"metric,value,band\n{METRIC},1,r\n{METRIC},2,{cell}\n")

    refused(response, "row 2: tags={'band': ")
    assert "contains a NUL character" in response.json()["detail"]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pa.array([["r"], ["g", "i"]]), "row 1: band=array(['r'], dtype=object): is a list; a tag's value is text"),
        (pa.array([{"name": "r"}, {"name": "g"}]), "row 1: band={'name': 'r'}: is an object; a tag's value is text"),
        (pa.array([b"r", b"g"], pa.binary()), "row 1: band=b'r': is bytes; a tag's value is text or a number"),
        (pa.array([[("a", 1)], [("b", 2)]], pa.map_(pa.string(), pa.int64())), "row 1: band=[('a', 1)]: is a list"),
        (pa.array([True, False]), "row 1: band=True: is true or false; a tag's value is text or a number"),
        (pa.array([datetime(2026, 1, 1), datetime(2026, 1, 2)]), "row 1: band=Timestamp('2026-01-01 00:00:00'): is"),
    ],
    ids=["list", "struct", "binary", "map", "bool", "timestamp"],
)
def test_a_parquet_column_that_is_not_text_or_numbers_is_a_bad_row_not_its_repr(
    client_for, operator, run, column, message
):
    table = pa.table({"metric": [METRIC, METRIC], "value": [1.0, 2.0], "band": column})

    detail = refused(post(client_for(operator), run, table=table), message)

    assert detail.startswith("2 of 2 rows are bad")


def test_a_parquet_dictionary_column_is_read_as_its_values(client_for, operator, run):
    band = pa.array(["r", "g", "r"]).dictionary_encode()
    table = pa.table({"metric": [METRIC] * 3, "value": [1.0, 2.0, 3.0], "band": band, "visit": [7, 8, 9]})

    response = post(client_for(operator), run, table=table)

    assert response.status_code == 201, response.content
    assert list(Measurement.objects.order_by("value").values_list("tags", flat=True)) == [
        {"band": "r", "visit": "7"},
        {"band": "g", "visit": "8"},
        {"band": "r", "visit": "9"},
    ]


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ('{"flag": true}', "row 2: tags.flag=True: is true or false; a tag's value is text or a number"),
        ('{"band": "r", "band": "g"}', "row 2: tags.band='r', then 'g': is given twice"),
        ('{"band": 1e400}', "row 2: tags.band=Decimal('1E+400'): is longer than 100 characters"),
    ],
)
def test_a_json_tag_that_is_not_text_or_a_number_is_a_bad_row(client_for, operator, run, tags, message):
    body = f'[{{"metric": "{METRIC}", "value": 1}}, {{"metric": "{METRIC}", "value": 1, "tags": {tags}}}]'

    refused(post(client_for(operator), run, json_text=body), message)


# measured_at -----------------------------------------------------------------------------------------------

NOT_TIMES = [
    "2026-11-02T03:04:05\x00",
    "2026-11-02T03:04:05Z\x00",
    "2026-11-02",  # no time: midnight in which zone?
    "20261102T030405Z",
    "2026-11-02T03Z",
    "\uff12\uff10\uff12\uff16-11-02T03:04:05Z",
    "١٩٩٩-01-01T00:00:00Z",
    " 2026-11-02T03:04:05Z",
    "2026-11-02T03:04:05Z ",
    "2026-11-02t03:04:05z",
    "2026-11-02T03:04:05.1234567Z",  # the 7 would be dropped
    "2026-11-02T03:04:05+05:30:15",
    "2026-02-30T03:04:05Z",
    "2026-11-02T24:00:00Z",
]


@pytest.mark.parametrize("text", NOT_TIMES)
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_text_that_is_not_an_iso_date_and_time_is_a_bad_row(client_for, operator, run, text, kind):
    if kind == "json":
        payload = {"json_text": json.dumps([{"metric": METRIC, "value": 1, "measured_at": text}])}
    else:
        payload = {"csv_text": f'metric,value,measured_at\n{METRIC},1,"{text}"\n'}

    refused(post(client_for(operator), run, **payload), f"row 1: measured_at={text!r}: is ")


def test_iso_dates_and_times_in_every_allowed_form_are_stored_in_utc(client_for, operator, run):
    texts = [
        "2026-11-02T03:04:05Z",
        "2026-11-02 03:04:05+00:00",  # as pandas writes a CSV
        "2026-11-02T05:04:05+02:00",
        "2026-11-02T05:04:05+0200",
        "2026-11-02T05:04:05+02",
        "2026-11-02T03:04:05.000000000Z",
        "2026-11-02T03:04:05,000Z",
        "2026-11-02T03:04:05",  # no offset: UTC
    ]
    body = json.dumps([{"metric": METRIC, "value": n, "measured_at": text} for n, text in enumerate(texts)])

    response = post(client_for(operator), run, json_text=body)

    assert response.status_code == 201, response.content
    assert set(Measurement.objects.values_list("measured_at", flat=True)) == {
        datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)
    }


def test_a_parquet_timestamp_with_a_time_zone_is_stored_in_utc_and_nanoseconds_are_refused(client_for, operator, run):
    stamps = pa.array([1_793_588_645_000_000_000, 1_793_588_645_123_456_000], pa.timestamp("ns", tz="Asia/Tokyo"))
    table = pa.table({"metric": [METRIC] * 2, "value": [1.0, 2.0], "measured_at": stamps})
    precise = pa.table({"metric": [METRIC], "value": [3.0], "measured_at": pa.array([1], pa.timestamp("ns"))})

    response = post(client_for(operator), run, table=table)
    too_precise = post(client_for(operator), run, table=precise)

    assert response.status_code == 201, response.content
    assert [at.isoformat() for at in Measurement.objects.order_by("value").values_list("measured_at", flat=True)] == [
        "2026-11-02T03:04:05+00:00",
        "2026-11-02T03:04:05.123456+00:00",
    ]
    assert too_precise.status_code == 400
    assert (
        "row 1: measured_at=Timestamp('1970-01-01 00:00:00.000000001'): is more precise than a microsecond"
        in (too_precise.json()["detail"])
    )


# Lone surrogates: the JSON body's escapes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escaped", "message"),
    [
        ('"tags": {"band": "r\\ud800"}', "row 2: tags={'band': 'r\\ud800'}: contains a lone surrogate"),
        ('"tags": {"band": "\\ud800\\u0041"}', "row 2: tags={'band': '\\ud800A'}: contains a lone surrogate"),
        ('"tags": {"band": "\\udc00"}', "row 2: tags={'band': '\\udc00'}: contains a lone surrogate"),
        ('"tags": {"\\ud800": "r"}', "row 2: tags={'\\ud800': 'r'}: contains a lone surrogate"),
        ('"tags": {}, "measured_at": "2026-11-02T03:04:05\\udfff"', "row 2: measured_at='2026-11-02T03:04:05\\udfff'"),
    ],
)
def test_a_lone_surrogate_escaped_in_json_is_a_bad_row_not_a_question_mark(client_for, operator, run, escaped, message):
    """yajl made "\\ud800" a "?", "\\ud800\\u0041" one character U+10041, and "\\udc00" a 500."""
    body = f'[{{"metric": "{METRIC}", "value": 1}}, {{"metric": "{METRIC}", "value": 1, {escaped}}}]'

    refused(post(client_for(operator), run, json_text=body), message)


def test_a_pair_of_surrogate_escapes_is_the_character_it_encodes(client_for, operator, run):
    body = f'[{{"metric": "{METRIC}", "value": 1, "tags": {{"band": "\\ud83d\\ude00 \\\\ud800 \\u00e9"}}}}]'

    response = post(client_for(operator), run, json_text=body)

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().tags == {"band": "😀 \\ud800 é"}


class Trickle(io.BytesIO):
    """A body that arrives a few bytes at a time."""

    def __init__(self, content: bytes, size: int):
        super().__init__(content)
        self.size = size

    def read(self, size=-1):
        return super().read(self.size)


@pytest.mark.parametrize("size", [*range(1, 16), 64 * 1024])
def test_surrogate_escapes_are_read_the_same_wherever_the_body_s_chunks_end(size):
    strings = [
        "\\ud800",
        "a\\ud83d\\ude00b",
        "\\ud800\\u0041",
        "\\\\ud800",
        "\\\\\\ud800",
        "\\\\\\\\\\ud83d\\ude00",
        "\\udc00\\ud800",
        "\\ud83d\\ud83d\\ude00",
        "x\\\\",
        "\\ud83d",
    ]
    body = "[" + ", ".join(f'{{"metric": "m", "value": 1, "tags": {{"k": "{s}"}}}}' for s in strings) + "]"

    rows = list(StreamingJSONParser().parse(Trickle(body.encode(), size)))

    assert rows == [{**row, "value": 1} for row in json.loads(body)]


def test_the_stack_readers_lone_surrogate_is_a_bad_row_too():
    """json.loads, as the stack-side reader's lines are read, keeps a lone surrogate as one."""
    run = succeeded_run()
    MetricFactory(name=METRIC)

    with pytest.raises(BadRows, match="contains a lone surrogate"):
        measurements_ingest(
            submission=run, rows=[json.loads(f'{{"metric": "{METRIC}", "value": 1, "band": "\\ud800"}}')]
        )


# The shape of a row or a table -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f'{{"metric": "{METRIC}", "value": 1, "value": 2}}', "row 2: value=1, then 2: is given twice"),
        (
            f'{{"metric": "{METRIC}", "value": 1, "tags": {{}}, "band": "r"}}',
            "row 2: band='r': is not a field of a row",
        ),
    ],
)
def test_a_json_row_that_says_two_things_is_a_bad_row(client_for, operator, run, row, message):
    refused(post(client_for(operator), run, json_text=f'[{{"metric": "{METRIC}", "value": 1}}, {row}]'), message)


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("metric,value,band\n{m},1,r,extra\n", "row 1: row=4 fields: has 4 fields; the header has 3"),
        ("metric,value,band\n{m},1\n", "row 1: row=2 fields: has 2 fields; the header has 3"),
    ],
)
def test_a_csv_line_of_another_length_than_the_header_is_a_bad_row_not_shifted(
    client_for, operator, run, csv_text, message
):
    """pandas took the first of five fields as the index and the rest one column to the left."""
    refused(post(client_for(operator), run, csv_text=csv_text.format(m=METRIC)), message)


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("metric,value,band,band\n{m},1,r,g\n", "metrics.csv has the column 'band' twice."),
        ("metric,value,value\n{m},1,2\n", "metrics.csv has the column 'value' twice."),
        ("metric,value,\n{m},1,r\n", "metrics.csv: column 3 has no name."),
        ('metric,value,band\n{m},1,"r"g\n', "metrics.csv cannot be read as CSV: Error tokenizing row 1 (line 2)"),
    ],
)
def test_a_csv_table_that_pandas_renamed_or_mended_is_refused(client_for, operator, run, csv_text, message):
    """pandas named them band and band.1, "Unnamed: 2", and read "r"g as rg."""
    refused(post(client_for(operator), run, csv_text=csv_text.format(m=METRIC)), message)


def test_a_parquet_file_with_a_column_named_twice_is_refused(client_for, operator, run):
    table = pa.Table.from_arrays(
        [pa.array([METRIC]), pa.array([1.0]), pa.array(["r"]), pa.array(["g"])], names=["metric", "value", "b", "b"]
    )

    refused(post(client_for(operator), run, table=table), "metrics.parquet has the column 'b' twice.")


def test_a_csv_with_a_byte_order_mark_is_read(client_for, operator, run):
    response = post(client_for(operator), run, csv_text=f"\ufeffmetric,value,band\n{METRIC},1,r\n".encode())

    assert response.status_code == 201, response.content
    assert Measurement.objects.get().tags == {"band": "r"}


def test_a_metric_name_with_a_trailing_newline_is_not_registered(client_for, operator, run):
    body = json.dumps([{"metric": "demo.new_metric\n", "value": 1}])

    refused(post(client_for(operator), run, json_text=body, query="?register_unknown=true"), "is not a metric name")
    assert not Metric.objects.filter(name__startswith="demo.new_metric").exists()


def test_a_key_with_a_lone_surrogate_is_named_escaped_in_the_answer(client_for, operator, run):
    body = f'[{{"metric": "{METRIC}", "value": 1, "tags": {{"b\\ud800": true}}}}]'

    refused(post(client_for(operator), run, json_text=body), "row 1: tags.b\\ud800=True: is true or false")
