"""Every page in real headless Chromium (Debian's) at desktop (1366x900) and phone (390x844)
sizes, light and dark: axe-core finds no serious or critical violation, one h1, nothing wider
than the screen; and what a reader does on the new pages, by clicking.

axe-core comes from the PyPI package axe-playwright-python (it bundles axe.min.js; nothing is
fetched at run time). Screenshots go to test-output/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from store import Store
from tests.web.conftest import HI, SLUG, XSS, output_dir, serving, version_id
from tests.web.test_browser import Watched, browser  # noqa: F401  (the shared browser fixture)

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")
REMOVED = "We're updating our terms on November 3, 2025"


@pytest.fixture(scope="module")
def server(editions_url: str) -> Iterator[str]:
    """The corpus plus a Hindi edition, served (version ids are the corpus's: it is a copy)."""
    with serving(editions_url) as base:
        yield base


class Screen(Watched):
    """A watched page of a given size and colour scheme, in a context of its own."""

    def __init__(self, browser: Any, shots: list[Path], size: str, scheme: str = "light") -> None:
        self.context = browser.new_context(viewport=SIZES[size], color_scheme=scheme,
                                           accept_downloads=True)
        super().__init__(browser, shots, self.context.new_page())


@pytest.fixture
def screen(browser: Any, request: pytest.FixtureRequest,  # noqa: F811
           tmp_path: Path) -> Iterator[Callable[..., Screen]]:
    """Opens screens (size, scheme) for a test; each must end with no dialog and no error."""
    opened: list[Screen] = []

    def open_screen(size: str, scheme: str = "light") -> Screen:
        opened.append(Screen(browser, output_dir(request, tmp_path), size, scheme))
        return opened[-1]

    yield open_screen
    for s in opened:
        s.context.close()
    for s in opened:
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)


def blocking_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in BLOCKING]


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def pages(store: Store) -> dict[str, str]:
    ai = version_id(store, SLUG, "2024-09-19")
    first = version_id(store, SLUG, "2021-10-07")
    xss = version_id(store, XSS.id, "2024-01-02")
    return {
        "dashboard": "/",
        "timeline": f"/d/{SLUG}",
        "reading": f"/d/{SLUG}/v/{ai}",
        "reading-xss": f"/d/{XSS.id}/v/{xss}",
        "source": f"/d/{SLUG}/v/{ai}?view=source",
        "diff": f"/d/{SLUG}/diff/{ai - 1}..{ai}",
        "diff-inline": f"/d/{SLUG}/diff/{ai - 1}..{ai}?view=inline&all=1",
        "diff-computed": f"/d/{SLUG}/diff/{first}..{ai}",
        "changes": "/changes",
        "search": "/search?q=train+artificial+intelligence",
        "alerts": "/alerts",
        "api": "/docs/api",
    }


@pytest.mark.parametrize("size,scheme", [("desktop", "light"), ("phone", "light"),
                                         ("desktop", "dark"), ("phone", "dark")])
def test_every_page_is_accessible_and_fits(server: str, screen: Callable[..., Screen],
                                           corpus_store: Store, size: str, scheme: str) -> None:
    s = screen(size, scheme)
    problems: dict[str, list[str]] = {}
    for name, path in pages(corpus_store).items():
        resp = s.page.goto(server + path)
        assert resp is not None and resp.status == 200, (path, resp and resp.status)
        found = blocking_violations(s.page)
        if s.page.locator("h1").count() != 1:
            found.append(f"{s.page.locator('h1').count()} h1 elements")
        if overflow(s.page) > 0:
            found.append(f"{overflow(s.page)} px wider than the {size} screen")
        if found:
            problems[name] = found
        s.shot(f"{name}-{size}-{scheme}")
    assert not problems, problems


def test_dashboard_on_a_phone(server: str, screen: Callable[..., Screen], corpus_store: Store) -> None:
    from playwright.sync_api import expect

    s = screen("phone")
    page = s.page
    page.goto(server + "/")
    box = page.locator(".quick-search input").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    hindi = page.locator("tr", has=page.locator(f'a.doc-link[href="/d/{HI.id}"]'))
    expect(hindi.locator(".edition")).to_have_text("(Hindi edition)")
    row = page.locator("tr", has=page.locator(f'a.doc-link[href="/d/{SLUG}"]'))
    lead = row.locator("td.lead a.change-link").first
    expect(lead).to_have_text("2025-11-03")            # not the later, low 2025-11-20 change
    expect(row.locator("td.lead .sev-medium")).to_have_count(1)
    s.shot("1-dashboard-phone")
    ai = page.locator("#topic-ai_training a.change-link")
    expect(ai).to_have_text("2024-09-19")
    ai.click()
    expect(page).to_have_url(re.compile(r"/diff/\d+\.\.\d+$"))
    expect(page.locator("section.hunk .label-ai_training").first).to_be_visible()
    s.shot("2-ai-training-diff-phone")


def test_reading_view_and_download(server: str, screen: Callable[..., Screen], corpus_store: Store) -> None:
    from playwright.sync_api import expect

    s = screen("desktop")
    page = s.page
    xss = version_id(corpus_store, XSS.id, "2024-01-02")
    page.goto(f"{server}/d/{XSS.id}/v/{xss}")
    article = page.locator("article#policy-html")
    expect(article.locator("h2")).to_contain_text("Privacy Policy <script>alert(1)</script>")
    expect(article).to_contain_text("<img src=x onerror=alert(2)>")
    assert article.locator("script, img, svg, iframe, body, b").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    expect(page.locator(".stated-date time")).to_have_attribute("datetime", "2024-03-01")
    article.hover()
    s.shot("1-reading-xss")
    with page.expect_download() as download:
        page.click("#download-md")
    saved = Path(download.value.path())
    assert saved.read_text("utf-8").startswith("# Privacy Policy <script>alert(1)</script>")
    assert download.value.suggested_filename == f"example-xss-policy-2024-01-02-v{xss}.md"

    ai = version_id(corpus_store, SLUG, "2024-09-19")
    page.goto(f"{server}/d/{SLUG}/v/{ai}")
    expect(page.locator(".stated-date time")).to_have_text("2024-09-18")
    expect(page.locator("a.source-link")).to_have_attribute(
        "href", "https://www.linkedin.com/legal/privacy-policy")
    expect(page.locator("article#policy-html h3", has_text="How We Use Your Data")).to_have_count(1)
    s.shot("2-reading-linkedin")


def test_search_leads_to_the_changes_that_added_and_removed_a_phrase(
        server: str, screen: Callable[..., Screen], corpus_store: Store) -> None:
    from playwright.sync_api import expect

    s = screen("phone")
    page = s.page
    page.goto(f"{server}/search")
    page.fill("#search-q", REMOVED)
    page.press("#search-q", "Enter")
    expect(page).to_have_url(f"{server}/search?q={quote_plus(REMOVED)}")
    expect(page.locator("li.phrase-history")).to_have_count(1)
    s.shot("1-phrase-history")
    added = version_id(corpus_store, SLUG, "2025-09-18")
    page.click("a.introduced-by")
    expect(page).to_have_url(f"{server}/d/{SLUG}/diff/{added - 1}..{added}")
    page.go_back()
    gone = version_id(corpus_store, SLUG, "2025-11-03")
    page.click("a.removed-by")
    expect(page).to_have_url(re.compile(rf"/d/{SLUG}/diff/\d+\.\.{gone}$"))
    s.shot("2-the-change-that-removed-it")


def test_timeline_picture_links_to_the_changes(server: str, screen: Callable[..., Screen]) -> None:
    from playwright.sync_api import expect

    s = screen("desktop", "dark")
    page = s.page
    page.goto(f"{server}/d/{SLUG}")
    dot = page.locator('svg.label-chart a[aria-label="AI training, 2024: 1 material change"]')
    expect(dot).to_have_count(1)
    s.shot("1-timeline-picture-dark", full_page=False)
    dot.click()
    expect(page).to_have_url(re.compile(r"label=ai_training&since=2024-01-01&until=2024-12-31"))
    expect(page.locator("tr.version")).to_have_count(1)
    page.goto(f"{server}/")
    expect(page.locator("#chart-all svg circle").first).to_be_visible()
    s.shot("2-dashboard-dark")
