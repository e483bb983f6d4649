"""The decision register: the page, its CSV and Markdown exports, their filters and their escaping."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from committee import exports
from committee.choices import DecisionStatus
from committee.models import Vote
from console.exports import csv_cell, markdown_cell
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_register_page_links_the_exports_with_the_same_filters(client_for, viewer):
    DecisionFactory(
        title="Kept", status=DecisionStatus.APPROVED, outcome_summary="3 approve, 1 reject, 0 abstain of 4 seats"
    )
    DecisionFactory(title="Dropped", committee=ChangeControlBoardFactory())

    response = client_for(viewer).get(reverse("committee:decision-register"), {"committee": "policy", "q": "kep"})

    assert [d.title for d in response.context["decisions"]] == ["Kept"]
    page = response.content.decode()
    assert "3 approve, 1 reject, 0 abstain of 4 seats" in page
    assert f'href="{reverse("committee:decision-register-csv")}?committee=policy&amp;q=kep"' in page
    assert f'href="{reverse("committee:decision-register-markdown")}?committee=policy&amp;q=kep"' in page


def test_the_csv_has_one_header_row_and_applies_the_filters(client_for, viewer):
    policy = PolicyCommitteeFactory()
    closed = DecisionFactory(
        committee=policy,
        title="Adopt v29",
        status=DecisionStatus.APPROVED,
        closed_at=timezone.now(),
        outcome_summary="4 approve, 0 reject, 0 abstain of 4 seats",
    )
    still_open = DecisionFactory(committee=policy, title="Still open")
    seat = policy.seats.first()
    Vote.objects.create(decision=still_open, seat=seat, choice="reject", cast_by=seat.holder, cast_at=timezone.now())
    client = client_for(viewer)

    response = client.get(reverse("committee:decision-register-csv"), {"status": ["approved"]})
    everything = csv_rows(client.get(reverse("committee:decision-register-csv")))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="decision-register-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == list(exports.REGISTER_COLUMNS)
    assert len(rows) == 2
    assert rows[1][0] == str(closed.pk)
    assert rows[1][4:7] == ["Adopt v29", "Approved", "4 approve, 0 reject, 0 abstain of 4 seats"]
    assert len(everything) == 3
    assert "0 approve, 1 reject, 0 abstain of 4 seats so far" in everything[1]


def test_the_csv_neutralises_spreadsheet_formulas(client_for, viewer):
    DecisionFactory(title='=HYPERLINK("http://x")')

    rows = csv_rows(client_for(viewer).get(reverse("committee:decision-register-csv")))

    assert rows[1][4] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"


def test_ordinary_cells_are_left_alone():
    assert csv_cell("Adopt v29 = good") == "Adopt v29 = good"
    assert csv_cell(None) == ""
    assert csv_cell(12) == "12"


def test_the_markdown_is_a_pipe_table_with_markup_escaped(client_for, viewer):
    DecisionFactory(title="<script>|[x](http://y)", status=DecisionStatus.OPEN)
    DecisionFactory(title="Line one\nline *two* `code` _em_ \\", status=DecisionStatus.OPEN)

    response = client_for(viewer).get(reverse("committee:decision-register-markdown"))

    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'decision-register-{timezone.localdate():%Y-%m-%d}.md"')
    lines = response.content.decode().splitlines()
    assert lines[0] == "| " + " | ".join(exports.REGISTER_COLUMNS) + " |"
    assert lines[1] == "|" + "---|" * len(exports.REGISTER_COLUMNS)
    assert len(lines) == 4
    text = response.content.decode()
    assert r"\<script\>\|\[x\](http://y)" in text
    assert "<script>" not in text
    assert "[x](" not in text
    assert r"Line one line \*two\* \`code\` \_em\_ \\" in text
    # Every row has as many cells as the header: no pipe in a title breaks the table.
    assert {line.replace("\\|", "").count("|") for line in lines} == {len(exports.REGISTER_COLUMNS) + 1}


def test_the_markdown_applies_the_filters(client_for, viewer):
    DecisionFactory(title="Policy one")
    DecisionFactory(title="Board one", committee=ChangeControlBoardFactory())

    text = (
        client_for(viewer).get(reverse("committee:decision-register-markdown"), {"committee": "dmccb"}).content.decode()
    )

    assert "Board one" in text
    assert "Policy one" not in text


def test_markdown_cells_turn_newlines_into_spaces():
    assert markdown_cell("a\r\nb\rc\nd") == "a b c d"


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("name", ["decision-register", "decision-register-csv", "decision-register-markdown"])
def test_the_register_and_its_exports_run_a_constant_number_of_queries(
    client_for, viewer, django_assert_num_queries, rows, name
):
    policy = PolicyCommitteeFactory()
    seat = policy.seats.first()
    for _ in range(rows):
        decision = DecisionFactory(committee=policy)
        Vote.objects.create(decision=decision, seat=seat, choice="approve", cast_by=seat.holder, cast_at=timezone.now())
    client = client_for(viewer)

    # session, user, decisions (+ campaigns); the page adds the roles and the committees of the filter
    with django_assert_num_queries(6 if name == "decision-register" else 4):
        response = client.get(reverse(f"committee:{name}"))
    assert response.status_code == 200
