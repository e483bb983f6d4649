"""The tables of the release, QA metrics, milestone report and people pages become lists on a phone, as the other
lists do (``table-stack`` in static/console/console.css): each cell after a row's first names its column
(``data-label``), which the narrow layout shows before it. tests/browser/test_page_widths.py checks the widths."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dashboard.demo import load_demo
from releases.models import Release

pytestmark = pytest.mark.django_db


class StackedTables(HTMLParser):
    """The ``table-stack`` tables of a page: their data-testid, and for each body row with several cells, whether each
    cell after the first has a ``data-label``."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[bool]]] = {}
        self.current: list[list[bool]] | None = None
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "table-stack" in (attrs.get("class") or "").split():
            self.current = self.tables.setdefault(attrs.get("data-testid") or f"table-{len(self.tables)}", [])
        elif self.current is not None and tag == "tbody":
            self.in_body = True
        elif self.current is not None and self.in_body and tag == "tr":
            self.current.append([])
        elif self.current is not None and self.in_body and tag == "td":
            self.current[-1].append("data-label" in attrs)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.current = None


def stacked_tables(client, url: str) -> dict[str, list[list[bool]]]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = StackedTables()
    parser.feed(response.content.decode())
    return parser.tables


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_demo()


@pytest.mark.parametrize(
    ("url", "tables"),
    [
        (lambda: Release.objects.get(version="v23.0.0").get_absolute_url(), {"patch-table", "decision-table"}),
        (lambda: Release.objects.get(version="w.2021.40").get_absolute_url(), {"releases-cut-table"}),
        (lambda: reverse("qa:metric-list"), {"metric-list"}),
        (lambda: reverse("milestones:report"), {"table-0", "table-1"}),
        (lambda: reverse("console:people-list"), {"people-table"}),
    ],
    ids=["release-patches", "release-cut", "qa-metrics", "milestone-report", "people"],
)
def test_the_pages_tables_are_lists_on_a_phone_with_each_cell_named(client_for, demo, url, tables):
    found = stacked_tables(client_for(User.objects.get(username="lead")), url())

    assert tables <= set(found)
    for name in tables:
        assert any(len(cells) > 1 for cells in found[name]), f"{name} has no row to show"
    for name, rows in found.items():
        assert all(all(cells[1:]) for cells in rows), f"{name} has a cell with no data-label"
