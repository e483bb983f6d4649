"""Headless Chromium (Debian's package) driven by Playwright, for the browser tests."""

import os
import shutil
from contextlib import contextmanager

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
            page.on("requestfailed", lambda request: page.console_errors.append(f"failed: {request.url}"))
            page.on("response", lambda r: r.status >= 400 and page.console_errors.append(f"{r.status}: {r.url}"))
            page.on("pageerror", lambda error: page.console_errors.append(str(error)))
            yield page
        finally:
            browser.close()
            if previous is None:
                del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
