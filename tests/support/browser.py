"""Headless Chromium (Debian's package) driven by Playwright, for the browser tests."""

import os
import shutil
from contextlib import contextmanager
from urllib.parse import quote

import pytest

CHROMIUM = os.environ.get("CONSOLE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page():
    """A fresh page whose ``console_errors`` lists every error the page logged or raised."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (make test does)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    # Playwright runs an event loop in this thread; the ORM calls of the test itself are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Playwright gives each launch a new, empty profile.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.console_errors = []
            page.on(
                "console",
                lambda message: message.type == "error"
                and page.console_errors.append(f"{message.text} at {message.location.get('url')}"),
            )
            page.on(
                "requestfailed",
                lambda request: page.console_errors.append(f"failed: {request.url} ({request.failure})"),
            )
            page.on("response", lambda r: r.status >= 400 and page.console_errors.append(f"{r.status}: {r.url}"))
            page.on("pageerror", lambda error: page.console_errors.append(str(error)))
            yield page
        finally:
            browser.close()
            if previous is None:
                del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def sign_in(page, base_url: str, username: str, password: str, next_path: str = "/") -> None:
    """Sign in through the login page, as a person does, and wait for the page it leads to."""
    page.goto(f"{base_url}/login/?next={quote(next_path)}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url.startswith(f"{base_url}/login/"):
        raise AssertionError(f"{username} could not sign in: {page.inner_text('main')}")


# The controls of a page that change something: POST forms (their action, or the page itself when they name
# none) and elements that send a POST, PUT, PATCH or DELETE through htmx (an empty hx-post posts to the page).
MUTATING_CONTROLS_SCRIPT = """() => {
    const controls = [];
    for (const form of document.querySelectorAll("form")) {
        if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
            controls.push({kind: "form", url: new URL(form.getAttribute("action") || "", location.href).href});
        }
    }
    for (const verb of ["post", "put", "patch", "delete"]) {
        for (const element of document.querySelectorAll(`[hx-${verb}], [data-hx-${verb}]`)) {
            const target = element.getAttribute(`hx-${verb}`) ?? element.getAttribute(`data-hx-${verb}`);
            controls.push({kind: `hx-${verb}`, url: new URL(target || "", location.href).href});
        }
    }
    return controls;
}"""


def mutating_controls(page) -> list[dict[str, str]]:
    """Every control of the page that changes something, as ``{"kind": "form" | "hx-post" | ..., "url": ...}``."""
    return page.evaluate(MUTATING_CONTROLS_SCRIPT)
