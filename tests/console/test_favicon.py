"""The console has a favicon: linked from every page, and /favicon.ico (which browsers ask for) leads to it."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon(client_for, viewer):
    page = client_for(viewer).get(reverse("dashboard:home")).content.decode()

    assert f'<link rel="icon" href="{static("console/favicon.svg")}" type="image/svg+xml">' in page


def test_favicon_ico_redirects_to_the_icon_without_sign_in(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("console/favicon.svg")
    assert "max-age=86400" in response["Cache-Control"]


def test_the_icon_is_served_and_is_an_svg(client):
    response = client.get(static("console/favicon.svg"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    assert content.rstrip().endswith(b"</svg>")
    assert finders.find("console/favicon.svg")
