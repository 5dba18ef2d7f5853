"""Real headless Chromium (Debian's) against `policywatch serve` on loopback, via Playwright.

Skipped when /usr/bin/chromium or Playwright is missing, except under CI=true, where that fails.
Screenshots go to the test's tmp folder and to test-output/<test>/ at the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Store
from tests.builders import Target, replay
from tests.web.conftest import SLUG, XSS, linkedin_steps, output_dir, serving, version_id

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(corpus_url: str) -> Iterator[str]:
    with serving(corpus_url) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Watched:
    """A page with every dialog, console error and page error recorded."""

    def __init__(self, browser: Any, shots: list[Path], page: Any = None) -> None:
        self.page = page or browser.new_page(viewport={"width": 1400, "height": 1000})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.shots = shots
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str, full_page: bool = True) -> None:
        first = self.shots[0] / f"{name}.png"
        self.page.screenshot(path=str(first), full_page=full_page)
        for other in self.shots[1:]:
            shutil.copy(first, other / first.name)


def test_dashboard_to_ai_training_diff(server: str, browser: Any, corpus_store: Store,
                                       request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    w = Watched(browser, output_dir(request, tmp_path))
    page = w.page
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("Documents")
    w.shot("1-dashboard")

    page.click(f'a.doc-link[href="/d/{SLUG}"]')
    expect(page).to_have_url(f"{server}/d/{SLUG}")
    expect(page.locator("tr.version").first).to_be_visible()
    w.shot("2-timeline")

    page.select_option("#filter-label", "ai_training")
    page.click("#apply-filters")
    expect(page).to_have_url(re.compile(r"/d/linkedin/privacy-policy\?label=ai_training"))
    expect(page.locator("tr.version")).to_have_count(1)
    w.shot("3-timeline-ai-training")

    page.click('a.diff-link[data-date="2024-09-19"]')
    new = version_id(corpus_store, SLUG, "2024-09-19")
    expect(page).to_have_url(f"{server}/d/{SLUG}/diff/{new - 1}..{new}")
    ai_hunk = page.locator("section.hunk", has=page.locator(".label-ai_training")).first
    mark = ai_hunk.locator("mark.evidence").first
    expect(mark).to_be_visible()
    assert mark.inner_text().lower() in {"ai", "artificial intelligence",
                                         "train artificial intelligence (ai) models"}
    expect(ai_hunk.locator(".section")).to_have_text("2. How We Use Your Data")
    w.shot("4-diff-side-by-side")
    ai_hunk.scroll_into_view_if_needed()
    w.shot("4-diff-ai-training-hunk", full_page=False)

    page.click("#view-inline")
    expect(page.locator("section.hunk .inline mark.evidence").first).to_be_visible()
    w.shot("5-diff-inline")
    assert w.dialogs == [] and w.errors == []


def test_xss_fixture_does_not_execute(server: str, browser: Any, corpus_store: Store,
                                      request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    w = Watched(browser, output_dir(request, tmp_path))
    page = w.page
    v1 = version_id(corpus_store, XSS.id, "2024-01-01")
    v2 = version_id(corpus_store, XSS.id, "2024-01-02")
    page.goto(f"{server}/d/{XSS.id}/v/{v2}?view=source")
    text = page.locator("#policy-text")
    expect(text).to_contain_text("<script>alert(1)</script>")
    expect(text).to_contain_text("<img src=x onerror=alert(2)>")
    expect(text).to_contain_text("[cookie policy](javascript:alert(4))")
    assert page.locator("#policy-text *").count() == 0          # no element came from the text
    w.shot("1-xss-version")
    page.goto(f"{server}/d/{XSS.id}/v/{v2}")              # the reading view: Markdown, no HTML
    expect(page.locator("#policy-html")).to_contain_text("<script>alert(5)</script>")
    assert page.locator("#policy-html script, #policy-html img, #policy-html iframe").count() == 0
    page.locator("#policy-html").hover()
    for view in ("side", "inline"):
        page.goto(f"{server}/d/{XSS.id}/diff/{v1}..{v2}?view={view}&all=1")
        expect(page.locator("mark.evidence").first).to_be_visible()
        assert page.locator("main img, main svg, main iframe, main script").count() == 0
        expect(page.locator("section.hunk").first).to_be_visible()
        w.shot(f"2-xss-diff-{view}")
    page.goto(f"{server}/search?q=%3Cscript%3E")
    expect(page.locator("ol.hits mark").first).to_have_text("<script>")
    page.goto(f"{server}/d/{XSS.id}")
    page.locator("tr.version a.diff-link").first.click()
    page.locator("main").hover()
    assert w.dialogs == [], w.dialogs
    assert w.errors == [], w.errors


@pytest.fixture(scope="module", params=["recorded", "as-the-demo-serves-it"])
def september_2024(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, int]]:
    """A fresh database holding the two versions around LinkedIn's September 2024 AI-training
    change, recorded through the real pipeline and served; yields (base URL, old id, new id).
    The versions are the recorded Markdown, or that Markdown rendered to a page and extracted
    again, as `policywatch demo` serves it (headings then sit inside list items)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('units') / 'september-2024.db'}"
    steps = linkedin_steps(("2024-08-01", "2024-09-19"))
    if request.param != "recorded":
        from demo.pages import render
        from extract import extract_html

        steps = [(when, extract_html(render("Privacy Policy", text))) for when, text in steps]
    store = Store(url)
    replay(store, Target(), steps)
    old, new = version_id(store, SLUG, "2024-08-01"), version_id(store, SLUG, "2024-09-19")
    store.dispose()
    with serving(url) as base:
        yield base, old, new


_WORD = re.compile(r"\w+")


def test_september_2024_change_reads_as_units(september_2024: tuple[str, int, int], browser: Any,
                                              request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The AI-training change reads as a handful of units open on the page, the AI-training
    sentence first under the document's own section, the minor edits folded into one group that
    says how many there are and where (each still reachable), with labelled-change navigation and
    no glued words inline."""
    from playwright.sync_api import expect

    base, old, new = september_2024
    w = Watched(browser, output_dir(request, tmp_path))
    page = w.page
    page.goto(f"{base}/d/{SLUG}/diff/{old}..{new}")
    units = page.locator("section.hunk")
    shown = page.locator("section.hunk:visible")
    labelled = page.locator("nav.labelled-changes li").count()
    assert 0 < shown.count() <= 10, shown.count()     # 60 hunks in the issue, 45 units after
    assert 0 < labelled <= shown.count(), labelled     # every labelled unit is open
    first = shown.first
    expect(first.locator(".section")).to_have_text("2. How We Use Your Data")
    expect(first.locator("header .label-ai_training")).to_have_count(1)
    expect(first.locator("header .sev-high")).to_have_count(1)
    expect(first.locator(".part").first).to_contain_text("develop and train artificial intelligence (AI) models")
    sections = page.locator("section.hunk .section").all_inner_texts()
    assert not [s for s in sections if "Table of Contents" in s]

    # the minor edits: one folded group, its count and sections in its summary, every edit inside
    fold = page.locator("details.minor-edits")
    expect(fold).to_have_count(1)
    assert fold.get_attribute("open") is None
    summary = fold.locator("summary .minor-count").inner_text()
    m = re.fullmatch(r"(\d+) minor edits? in sections? (.+)", summary)
    assert m, summary
    assert int(m.group(1)) == fold.locator(".part").count() > 0
    folded = fold.locator("section.hunk")
    assert folded.count() + shown.count() == units.count()
    assert {t.split(" > ")[0] for t in folded.locator(".section").all_text_contents()} == set(m.group(2).split(", "))
    w.shot("1-units-side-by-side")
    w.shot("1-units-top", full_page=False)

    # a link to a folded unit opens the group
    target = folded.last.get_attribute("id")
    page.goto(f"{base}/d/{SLUG}/diff/{old}..{new}#{target}")
    expect(page.locator(f"#{target}")).to_be_visible()
    page.goto(f"{base}/d/{SLUG}/diff/{old}..{new}")
    page.locator("details.minor-edits > summary").click()
    expect(folded.first).to_be_visible()
    assert page.locator("section.hunk:visible").count() == units.count()   # every unit reachable
    side = {u.get_attribute("id"): set(_WORD.findall(" ".join(u.locator(".side-by-side").all_inner_texts())))
            for u in units.all()}
    w.shot("2-minor-edits-open")
    page.locator("details.minor-edits > summary").click()

    # the labelled changes: a jump to the most severe, then next/previous links, by keyboard
    expect(page.locator("a.jump-first")).to_have_attribute("href", f"#{first.get_attribute('id')}")
    first.locator("a.next-labelled").focus()
    page.keyboard.press("Enter")
    second = shown.nth(1)
    expect(page).to_have_url(re.compile(f"#{second.get_attribute('id')}$"))
    second.locator("a.prev-labelled").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"#{first.get_attribute('id')}$"))

    page.click("#view-inline")
    expect(page.locator("section.hunk .inline").first).to_be_visible()
    page.locator("details.minor-edits > summary").click()
    for unit in page.locator("section.hunk").all():
        text = " ".join(unit.locator(".inline").all_inner_texts())
        assert text.strip(), unit.get_attribute("id")
        glued = set(_WORD.findall(text)) - side[unit.get_attribute("id")]
        assert not glued, (text, glued)     # every inline word is a word of one side
    assert "includingand" not in page.locator("main").inner_text()
    w.shot("3-units-inline")
    assert w.dialogs == [] and w.errors == []
