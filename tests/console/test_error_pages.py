"""Errors are the console's own pages (400, 403, 404, 413, 429, 500), each with the navigation and a way back:
the previous page when the Referer is this site, and the nearest page above the address; JSON under /api/."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee.models import Decision
from console import error_pages
from tests.committee.factories import PolicyCommitteeFactory

pytestmark = pytest.mark.django_db

NAVIGATION = 'data-testid="current-user"'


def ways_back(html: str) -> dict[str, str]:
    """The links of the page's ways back, by their test id."""
    block = re.search(r'<ul [^>]*data-testid="ways-back">(.*?)</ul>', html, re.S)
    assert block, "the page offers no way back"
    links = re.findall(r'href="([^"]*)"[^>]*data-testid="([^"]+)"', block.group(1))
    return {testid: href for href, testid in links}


# 404 -------------------------------------------------------------------------------------------------------------


def test_an_unknown_object_is_a_404_page_with_the_navigation_and_its_list(client_for, viewer):
    response = client_for(viewer).get("/campaigns/999999/")

    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    html = response.content.decode()
    assert NAVIGATION in html
    assert "There is nothing at this address" in html
    # The nearest page above that names no object: the object may be what is missing.
    assert ways_back(html) == {"nearest-link": reverse("campaigns:campaign-list"), "dashboard-link": "/"}


def test_an_unknown_address_leads_to_the_dashboard(client_for, viewer):
    response = client_for(viewer).get("/no-such-page/at-all/")

    assert response.status_code == 404
    assert ways_back(response.content.decode()) == {"nearest-link": "/"}
    assert "Go to the dashboard" in response.content.decode()


def test_the_way_back_is_the_previous_page_when_it_is_this_site(client_for, viewer):
    client = client_for(viewer)

    ours = client.get("/campaigns/999999/", HTTP_REFERER="http://testserver/qa/?page=2")
    theirs = client.get("/campaigns/999999/", HTTP_REFERER="https://elsewhere.example/campaigns/")
    itself = client.get("/campaigns/999999/", HTTP_REFERER="http://testserver/campaigns/999999/")

    assert ways_back(ours.content.decode())["back-link"] == "http://testserver/qa/?page=2"
    assert "data-history-back" in ours.content.decode()
    assert "back-link" not in ways_back(theirs.content.decode())
    assert "elsewhere.example" not in theirs.content.decode()
    assert "back-link" not in ways_back(itself.content.decode())


def test_an_unknown_api_address_stays_json(client_for, viewer):
    response = client_for(viewer).get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_an_anonymous_visitor_gets_the_page_without_the_navigation(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is nothing at this address" in html
    assert NAVIGATION not in html
    assert ways_back(html)


# 403 -------------------------------------------------------------------------------------------------------------


def test_a_refused_action_is_a_403_page_naming_the_rule_with_a_way_back(client_for, viewer):
    response = client_for(viewer).post(
        reverse("console:person-role-grant", args=["viewer"]),
        {"role": "operator"},
        HTTP_REFERER="http://testserver/people/viewer/",
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert NAVIGATION in html
    assert "Only a task force lead may grant roles." in html
    links = ways_back(html)
    assert links["back-link"] == "http://testserver/people/viewer/"
    assert links["nearest-link"] == reverse("console:person-detail", args=["viewer"])


@pytest.mark.urls("tests.console.error_urls")
def test_a_permission_denied_is_the_403_page(client_for, viewer):
    response = client_for(viewer).get("/errors/denied/")

    assert response.status_code == 403
    assert NAVIGATION in response.content.decode()
    assert "Not permitted" in response.content.decode()


def test_a_form_refused_by_the_csrf_check_is_the_403_page_saying_what_to_do(viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    committee = PolicyCommitteeFactory()

    response = client.post(
        reverse("committee:decision-create"),
        {"committee": committee.pk, "title": "t", "proposal": "p"},
        HTTP_REFERER="http://testserver/committee/new/",
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert NAVIGATION in html
    assert "The form could not be sent" in html
    assert "reload the page and send the form again" in html
    assert ways_back(html)["back-link"] == "http://testserver/committee/new/"
    assert not Decision.objects.exists()


# 400 -------------------------------------------------------------------------------------------------------------


@pytest.mark.urls("tests.console.error_urls")
def test_a_suspicious_request_is_the_400_page(client_for, viewer):
    response = client_for(viewer).get("/errors/bad/")

    assert response.status_code == 400
    html = response.content.decode()
    assert NAVIGATION in html
    assert "The console could not read this request" in html
    assert "a made-up suspicious request" not in html  # what was suspicious is for the logs only
    assert ways_back(html) == {"nearest-link": "/"}


# 413 -------------------------------------------------------------------------------------------------------------


def test_a_form_over_the_size_limit_is_the_413_page_naming_the_limit_and_what_was_sent(
    client_for, committee_member, settings
):
    settings.UPLOAD_MAX_BYTES = 2048
    committee = PolicyCommitteeFactory()

    response = client_for(committee_member).post(
        reverse("committee:decision-create"),
        {"committee": committee.pk, "title": "Long", "proposal": "x" * 5000},
        HTTP_REFERER="http://testserver/committee/new/",
    )

    assert response.status_code == 413
    html = response.content.decode()
    assert NAVIGATION in html
    limit = re.search(r'data-testid="size-limit">(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(r"You sent 5\.\d KiB; the console takes at most <strong>2 KiB</strong> .*", limit), limit
    assert "this accepts at most 2,048 bytes (2 KiB)." in html
    assert ways_back(html)["back-link"] == "http://testserver/committee/new/"
    assert "what you typed is kept" in html


# 429 -------------------------------------------------------------------------------------------------------------


def test_the_429_page_has_a_way_back_too(rf):
    request = rf.get("/campaigns/1/submit/", HTTP_REFERER="http://testserver/campaigns/1/")
    request.user = AnonymousUser()
    response = error_pages.error_page(request, "429.html", 429, reason="Too many submissions.")

    assert ways_back(response.content.decode())["back-link"] == "http://testserver/campaigns/1/"


# 500 -------------------------------------------------------------------------------------------------------------


@pytest.mark.urls("tests.console.error_urls")
def test_a_fault_is_the_500_page_with_the_navigation_and_the_request_id(client_for, viewer, settings):
    settings.DEBUG = False
    client = client_for(viewer, raise_request_exception=False)

    response = client.get("/errors/boom/", HTTP_REFERER="http://testserver/qa/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "a made-up fault" not in html
    assert f'href="{reverse("campaigns:campaign-list")}"' in html  # the navigation, without the user's part
    assert f'data-testid="request-id">{response["X-Request-ID"]}<' in html
    assert ways_back(html) == {"back-link": "http://testserver/qa/", "dashboard-link": "/"}


def test_the_500_page_runs_no_query():
    request = RequestFactory().get("/campaigns/1/")
    request.id = "0123456789abcdef"

    with CaptureQueriesContext(connection) as queries:
        response = error_pages.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert list(queries) == []


def test_the_500_page_falls_back_to_plain_html_when_it_cannot_be_rendered(monkeypatch):
    def broken(name):
        raise RuntimeError("the templates are broken too")

    monkeypatch.setattr(error_pages.loader, "get_template", broken)

    response = error_pages.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert response.content.decode() == error_pages.BARE_500


@pytest.mark.urls("tests.console.error_urls")
def test_a_fault_of_the_api_stays_json(client_for, viewer):
    response = client_for(viewer, raise_request_exception=False).get("/api/v1/errors/boom/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert response["X-Request-ID"] in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "form"),
    [
        (reverse("milestones:milestone-import"), 'data-testid="import-form"'),
        (reverse("committee:decision-create"), 'data-testid="decision-create-form"'),
        (reverse("campaigns:campaign-create"), 'data-testid="campaign-create-form"'),
        (reverse("releases:release-list"), f'action="{reverse("releases:release-create")}"'),
        (reverse("releases:backport-list"), f'action="{reverse("releases:backport-create")}"'),
    ],
)
def test_forms_that_could_pass_the_limit_check_their_size_before_they_are_sent(
    client_for, task_force_lead, settings, url, form
):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    PolicyCommitteeFactory()

    html = client_for(task_force_lead).get(url).content.decode()

    tag = re.search(rf"<form [^>]*{re.escape(form)}[^>]*>", html)
    assert tag, f"no form {form} on {url}"
    assert 'data-max-bytes="3145728"' in tag.group(0)
    assert f'<script src="{static("console/body-limit.js")}" defer></script>' in html


def test_the_import_page_says_how_large_a_table_may_be(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024

    html = client_for(task_force_lead).get(reverse("milestones:milestone-import")).content.decode()

    assert '<div class="form-text" data-testid="import-size-limit">At most 3 MiB.</div>' in html
