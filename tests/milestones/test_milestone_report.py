"""The status report as of a date: its sections, summaries, filters, charts, exports and query counts."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from milestones import reports
from milestones.charts import burndown_series
from milestones.choices import OPEN_STATUSES
from milestones.models import Milestone
from milestones.selectors import milestone_list, milestone_report_rows
from milestones.services import milestone_import

pytestmark = pytest.mark.django_db

AS_OF = date(2021, 7, 14)
OVERDUE_ON_AS_OF = ["PREOPS-154", "PREOPS-156", "PREOPS-150", "PREOPS-155", "PREOPS-157"]


@pytest.fixture
def seeded(seed_text):
    milestone_import(actor=None, text=seed_text)


def seed_report(as_of: date = AS_OF) -> reports.StatusReport:
    return reports.status_report(milestone_report_rows(milestone_list(), as_of=as_of), as_of=as_of)


def keys(section: reports.Section) -> set[str]:
    return {row.jira_key for row in section.rows}


def group_labels(response, key: str) -> list[str]:
    """The group headings of one section of the page."""
    part = next(part for part in response.context["sections"] if part["section"].key == key)
    return [label for label, _, _ in part["groups"]]


def test_as_of_2021_07_14_exactly_the_open_milestones_due_before_it_are_overdue(seeded):
    report = seed_report()

    expected = set(
        Milestone.objects.filter(status__in=OPEN_STATUSES, due_date__lt=AS_OF).values_list("jira_key", flat=True)
    )
    assert keys(report.section("overdue")) == expected == set(OVERDUE_ON_AS_OF)
    assert {row.jira_key: row.days_overdue for row in report.section("overdue").rows}["PREOPS-154"] == 105


def test_the_other_sections_as_of_2021_07_14(seeded):
    report = seed_report()

    assert keys(report.section("due_30")) == {"PREOPS-153"}
    assert keys(report.section("due_90")) == {"PREOPS-152", "PREOPS-159", "PREOPS-158", "PREOPS-160", "PREOPS-147"}
    assert len(report.section("done").rows) == 9
    assert keys(report.section("wont_fix")) == {"PREOPS-294"}
    assert report.section("slipped").rows == []
    totals = report.totals.counts
    assert (totals["total"], totals["open"], totals["overdue"], totals["done"]) == (32, 22, 5, 9)


def test_the_report_is_summed_up_by_team_and_by_level(seeded):
    report = seed_report()

    middleware = next(line for line in report.by_team if line.label == "Science Users Middleware")
    assert (middleware.counts["total"], middleware.counts["open"], middleware.counts["overdue"]) == (7, 4, 3)
    assert [line.label for line in report.by_level] == ["Level 1", "Level 2", "Level 3", "No level"]
    assert next(line for line in report.by_level if line.label == "No level").counts == {"total": 1, "open": 1}


def test_the_page_shows_the_report_as_of_the_chosen_date_grouped_by_team(seeded, client_for, viewer):
    response = client_for(viewer).get(reverse("milestones:report"), {"as_of": "2021-07-14"})

    assert response.status_code == 200
    assert keys(response.context["report"].section("overdue")) == set(OVERDUE_ON_AS_OF)
    page = response.content.decode()
    for key in OVERDUE_ON_AS_OF:
        assert f'data-testid="row-overdue-{key}"' in page
    assert group_labels(response, "overdue") == [
        "Community Engagement",
        "Science Platform and Reliability Engineering",
        "Science Users Middleware",
    ]
    assert 'data-testid="chart-milestone-gantt"' in page
    assert 'data-testid="chart-milestone-burndown"' in page
    assert "vendor/plotly/plotly.min.js" in page


def test_a_long_section_shows_its_first_rows_and_loads_the_rest_on_demand(seeded, client_for, viewer, monkeypatch):
    monkeypatch.setattr("milestones.views.SECTION_ROWS_SHOWN", 4)
    query = {"as_of": "2021-07-14", "group": "level"}
    client = client_for(viewer)

    page = client.get(reverse("milestones:report"), query).content.decode()

    done = seed_report().section("done").rows
    assert len(done) == 9
    done_section = page.split('data-testid="section-done"')[1].split('<div class="card mb-3"')[0]
    assert done_section.count('data-testid="row-done-') == 4
    assert "The first 4 of 9 shown." in done_section
    section_url = reverse("milestones:report-section", kwargs={"key": "done"})
    assert f'hx-get="{section_url}?as_of=2021-07-14&amp;group=level"' in done_section
    # Sections that fit show no button.
    wont_fix = page.split('data-testid="section-wont_fix"')[1].split('<div class="card mb-3"')[0]
    assert "section-more" not in wont_fix

    full = client.get(section_url, query, HTTP_HX_REQUEST="true").content.decode()
    assert {key for key in (row.jira_key for row in done) if f'data-testid="row-done-{key}"' in full} == {
        row.jira_key for row in done
    }
    assert "section-more" not in full
    assert client.get(reverse("milestones:report-section", kwargs={"key": "nonsense"})).status_code == 404


def test_the_page_groups_by_level_and_filters(seeded, client_for, viewer):
    response = client_for(viewer).get(
        reverse("milestones:report"),
        {"as_of": "2021-07-14", "group": "level", "team": ["Science Users Middleware"], "level": ["3"]},
    )

    report = response.context["report"]
    assert {row.team for row in report.rows} == {"Science Users Middleware"}
    assert {row.level for row in report.rows} == {3}
    assert report.filters == "team Science Users Middleware; level 3"
    assert group_labels(response, "overdue") == ["Level 3"]


def test_a_level_of_none_can_be_filtered(seeded, client_for, viewer):
    response = client_for(viewer).get(reverse("milestones:report"), {"level": ["none"]})

    assert [row.jira_key for row in response.context["report"].rows] == ["PREOPS-518"]


def test_the_page_links_the_downloads_with_the_same_date_and_filters(seeded, client_for, viewer):
    page = client_for(viewer).get(reverse("milestones:report"), {"as_of": "2021-07-14", "level": "2"}).content.decode()

    assert f'href="{reverse("milestones:report-markdown")}?as_of=2021-07-14&amp;level=2"' in page
    assert f'href="{reverse("milestones:report-csv")}?as_of=2021-07-14&amp;level=2"' in page


def test_the_markdown_download_and_command_give_the_same_report(seeded, client_for, viewer, capsys):
    response = client_for(viewer).get(reverse("milestones:report-markdown"), {"as_of": "2021-07-14"})
    call_command("milestone_report", "--as-of", "2021-07-14", "--format", "md")

    text = response.content.decode()
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="milestone-report-2021-07-14.md"'
    assert capsys.readouterr().out == text
    assert text.startswith("# Milestone status report as of 2021-07-14\n")
    assert "32 milestones: 22 open, 5 overdue, 1 due within 30 days" in text
    overdue = text.split("## Overdue (5)\n", 1)[1].split("\n## ", 1)[0]
    assert sorted(line.split(" | ")[0].removeprefix("| ") for line in overdue.splitlines()[3:] if line) == sorted(
        OVERDUE_ON_AS_OF
    )
    assert "| PREOPS-154 | L3-MW-0050 | PanDA based workflow system in place |" in overdue


def test_the_csv_has_a_row_per_milestone_and_section_and_neutralises_formulas(seeded, client_for, viewer, capsys):
    Milestone.objects.filter(jira_key="PREOPS-154").update(title='=HYPERLINK("http://evil","x")', team="@SUM(A1)")

    response = client_for(viewer).get(reverse("milestones:report-csv"), {"as_of": "2021-07-14"})
    call_command("milestone_report", "--as-of", "2021-07-14", "--format", "csv")

    assert capsys.readouterr().out == response.content.decode()
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(reports.CSV_COLUMNS)
    overdue = [row for row in rows[1:] if row[0] == "Overdue"]
    assert sorted(row[1] for row in overdue) == sorted(OVERDUE_ON_AS_OF)
    panda = next(row for row in overdue if row[1] == "PREOPS-154")
    assert panda[3] == '\'=HYPERLINK("http://evil","x")'
    assert panda[4] == "'@SUM(A1)"
    assert panda[11] == "105"
    assert len(rows) == 1 + 5 + 1 + 5 + 9 + 1  # the header; overdue, due in 30, in 31 to 90 days, done, won't fix


def test_the_markdown_escapes_what_people_typed(seeded):
    Milestone.objects.filter(jira_key="PREOPS-154").update(title="a | b [x](http://evil) <script>")

    text = reports.report_markdown(seed_report())

    assert "a \\| b \\[x\\](http://evil) \\<script\\>" in text


def test_the_charts_draw_the_timeline_by_team_and_the_burndown(seeded, client_for, viewer):
    response = client_for(viewer).get(reverse("milestones:report"), {"as_of": "2021-07-14"})

    gantt = json.loads(response.context["gantt"])
    names = [trace["name"] for trace in gantt["data"]]
    assert names == ["Overdue", "Open", "Done", "Won't fix"]
    overdue = gantt["data"][0]
    assert sorted(overdue["y"][1]) == sorted(OVERDUE_ON_AS_OF)  # the second level of the team / key axis
    assert "Science Users Middleware" in overdue["y"][0]
    burndown = json.loads(response.context["burndown"])
    assert [trace["name"] for trace in burndown["data"]] == [
        "Baseline (first due dates)",
        "Forecast (forecast or due dates)",
        "Actual (completions)",
    ]


def test_the_burndown_counts_open_milestones_by_baseline_forecast_and_completion(seeded):
    rows = milestone_report_rows(milestone_list(), as_of=AS_OF)

    series = burndown_series(rows, as_of=AS_OF)

    on = dict(zip(series.dates, zip(series.baseline, series.forecast, series.actual, strict=True), strict=True))
    assert on[AS_OF] == (17, 17, 22)  # planned: 31 in scope less 14 due by then; really open: 22
    assert series.actual[-1] is None  # no actuals after the report's date
    assert series.completion_unknown == 9


def test_the_command_refuses_a_bad_date():
    with pytest.raises(Exception, match="is not a date like 2021-07-14"):
        call_command("milestone_report", "--as-of", "14/07/2021")
