"""Every page fits its width (issue 16): each demo user walks the pages of the role walk
(tests/browser/test_browser_role_walk.py) and each page is looked at 360, 390 and 1,400 px wide.

At each width the page must not scroll sideways (``document.documentElement.scrollWidth`` within the viewport:
tables scroll inside their card, long words break, the navigation collapses) and no part of the navigation bar may
stand beyond the right edge. On each user's dashboard, at each width, "Sign out" is reached as a person reaches it
(the menu button on a narrow screen, then the user's menu) and is on screen. Screenshots at 390 and 1,400 px are in
``test-results/screenshots/widths/<role>/``.
"""

import shutil
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from tests.browser.test_browser_role_walk import (  # noqa: F401 - `demo` is a fixture
    DEMO_USERNAMES,
    Walk,
    demo,
    walk_every_role,
)
from tests.support.browser import chromium_page, sign_in

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

NARROWEST = 360
PHONE = 390
DESKTOP = 1400
WIDTHS = (NARROWEST, PHONE, DESKTOP)
PHOTOGRAPHED = (PHONE, DESKTOP)
HEIGHT = 900

# What makes the page wider than the screen: the outermost elements that reach beyond its right edge and are not
# inside a box that scrolls or clips them (a `.table-responsive`), and the parts of the navigation bar past the edge.
OVERFLOW_SCRIPT = """() => {
    const width = document.documentElement.clientWidth;
    const describe = (element) => {
        const id = element.id ? `#${element.id}` : "";
        const testid = element.dataset.testid ? `[data-testid=${element.dataset.testid}]` : "";
        const classes = [...element.classList].slice(0, 3).map((name) => `.${name}`).join("");
        const text = (element.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 40);
        const right = Math.round(element.getBoundingClientRect().right);
        return `<${element.tagName.toLowerCase()}${id}${testid}${classes}> right edge at ${right} px: "${text}"`;
    };
    const beyond = (element) => {
        const rect = element.getBoundingClientRect();
        return rect.width > 0 && rect.height > 0 && rect.right > width + 0.5;
    };
    const contained = (element) => {
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
            if (getComputedStyle(parent).overflowX !== "visible") {
                return true;
            }
        }
        return false;
    };
    const culprits = [];
    for (const element of document.body.querySelectorAll("*")) {
        if (beyond(element) && !(element.parentElement && beyond(element.parentElement)) && !contained(element)) {
            culprits.push(describe(element));
        }
    }
    const navigation = [...document.querySelectorAll("nav.navbar *")].filter(beyond).map(describe);
    return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 5), navigation};
}"""

# After a resize: two animation frames for the layout, then the charts, which Plotly redraws to their new width a
# moment after the window's resize event (it waits for the resizing to stop); at most two seconds.
LAID_OUT_SCRIPT = """async () => {
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    await frame();
    await frame();
    const redrawn = () => [...document.querySelectorAll(".js-plotly-plot")].every((chart) => {
        const svg = chart.querySelector(".main-svg");
        return !svg || svg.getBoundingClientRect().width <= chart.clientWidth + 1;
    });
    for (let waited = 0; waited < 2000 && !redrawn(); waited += 50) {
        await new Promise((done) => setTimeout(done, 50));
    }
}"""


class WidthWalk(Walk):
    """The role walk's pages, each measured at every width instead of checked for controls."""

    def check(self, label: str = "") -> None:
        page = self.page
        self.settle()
        name = label or resolve(urlsplit(page.url).path).view_name.replace(":", "-")
        self.visited.append(page.url)
        for width in WIDTHS:
            self.at_width(width)
            found = page.evaluate(OVERFLOW_SCRIPT)
            shown = f"{page.url} ({name}) at {width} px"
            if found["scrollWidth"] > found["width"]:
                culprits = "; ".join(found["culprits"]) or "no single element found"
                self.problems.append(f"{shown}: the page is {found['scrollWidth']} px wide: {culprits}")
            if found["navigation"]:
                self.problems.append(f"{shown}: the navigation reaches beyond the edge: {found['navigation'][:3]}")
            if width in PHOTOGRAPHED:
                page.screenshot(path=str(self.folder / f"{len(self.visited):02d}-{name}-{width}.png"), full_page=True)

    def at_width(self, width: int) -> None:
        self.page.set_viewport_size({"width": width, "height": HEIGHT})
        self.page.evaluate(LAID_OUT_SCRIPT)

    def sign_out_reachable(self) -> None:
        """At each width, open the menus a person opens to sign out; "Sign out" is then shown, within the screen."""
        page = self.page
        for width in WIDTHS:
            page.goto(self.base_url + "/")
            self.settle()
            self.at_width(width)
            toggler = page.locator("nav.navbar .navbar-toggler")
            if toggler.is_visible():
                toggler.click()
                page.wait_for_selector("#main-nav.show", state="attached")
                page.wait_for_selector("#main-nav:not(.collapsing)", state="attached")
            sign_out = page.locator("nav.navbar button:has-text('Sign out')")
            try:
                page.click("[data-testid=user-menu]", timeout=5_000)
                sign_out.wait_for(state="visible", timeout=5_000)
            except PlaywrightTimeout as error:
                self.problems.append(f"at {width} px: 'Sign out' cannot be reached: {error.message.splitlines()[0]}")
                continue
            box = sign_out.bounding_box()
            if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
                self.problems.append(f"at {width} px: 'Sign out' is not within the screen: {box}")
            if width in PHOTOGRAPHED:
                page.screenshot(path=str(self.folder / f"00-sign-out-{width}.png"))


@pytest.mark.browser
def test_every_page_of_every_role_fits_390_and_1400_px(demo, live_server, screenshot_dir, monkeypatch):  # noqa: F811
    # Playwright's sync API runs an event loop in each walker's thread; their ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Made once before the walkers open the API page together (see the role walk).
    SchemaGenerator().get_schema(request=None, public=True)

    def walk_as(role: str) -> WidthWalk:
        folder = screenshot_dir / "widths" / role
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            with chromium_page() as page:
                page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
                page.set_default_timeout(30_000)
                username = DEMO_USERNAMES[role]
                walk = WidthWalk(page, live_server.url, role, folder)
                sign_in(page, live_server.url, username, demo[username])
                walk.through_navigation()
                walk.sign_out_reachable()
                return walk
        finally:
            connections.close_all()

    _, failures = walk_every_role(walk_as)
    assert failures == [], "\n".join(failures)
