"""The lxml front end (extract.tree) gives exactly the BeautifulSoup path's Markdown, on recorded
pages and on the awkward cases each of its shortcuts has to get right; where it cannot be sure
it hands over to the BeautifulSoup path."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import extract_html
from extract.filters import get_filters
from extract.html import _convert_lxml, _convert_soup
from extract.text import tidy_markdown
from extract.tree import Unsupported
from tests.extract.test_real_pages import CORPUS_BURSTS, HELP, _declaration_for

REPO = Path(__file__).resolve().parents[2]
BASE = "https://www.linkedin.com/legal/privacy-policy"


def both(html: str, select: tuple[str, ...] = (), remove: tuple[str, ...] = (),
         filters: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    named = get_filters(filters)
    return (_convert_lxml(html, select, remove, named, BASE), _convert_soup(html, select, remove, named, BASE))


def _recorded() -> list[Path]:
    pages = sorted((REPO / "fixtures" / "html").rglob("*.html")) + sorted((REPO / "fixtures" / "pages").glob("*.html"))
    shared = sorted(CORPUS_BURSTS.parent.rglob("*.html")) if CORPUS_BURSTS.exists() else []
    return pages + shared[::12]  # a sample of the shared corpus: every document, not every day


RECORDED = _recorded()


@pytest.mark.parametrize("path", RECORDED, ids=[p.name if p.is_relative_to(REPO) else f"shared-{p.parent.name}-{p.name}"
                                                 for p in RECORDED])
def test_recorded_page_same_markdown(path: Path) -> None:
    options = HELP if "help" in path.name else _declaration_for(path.parent)
    text = path.read_bytes().decode("utf-8", "replace")
    try:
        fast, slow = both(text, tuple(options["select"]), tuple(options.get("remove", ())),
                          tuple(options.get("filters", ())))
    except Exception as exc:  # the same error on both paths (a page without the selected element)
        with pytest.raises(type(exc)):
            _convert_soup(text, options["select"], options.get("remove", ()), get_filters(options.get("filters", ())), BASE)
        return
    assert fast == slow


CASES = {
    # A comment whose cleaning changes it: the BeautifulSoup path turns it into text (kept as is).
    "comment": ("<html><body><p>Hello<!-- secret  comment --> world</p><p>x<!--same-->y</p></body></html>", (), ()),
    # Text on both sides of a removed element stays two strings (whitespace handled per string).
    "split strings": ("<body><div><p>\n  <svg><text>t</text></svg> Text <span>  </span> more</p>"
                      "<p>ENTER A <b>SUMMARY</b></p><p><img src=x>  lead</p></div></body>", (), ()),
    "pre and code": ("<body><div><pre>  a\n   b  <code> x  y </code>\n\n</pre><p>in  <code> c   d </code> line</p>"
                     "<pre>\n\n</pre></div></body>", (), ()),
    "links": ('<body><div><a href="javascript:void(0)">click</a> <a href="/x?b=1">rel</a> <a>none</a> '
              '<a href="#frag">frag</a> <a href="https://e.org/"><img src=i></a></div></body>', (), ()),
    "tables": ("<body><section><table><tr><td>a<br>b</td><td><p>p1</p><p>p2</p></td></tr>"
               "<tr><th></th><td> </td></tr></table></section></body>", (), ()),
    "lists": ("<body><ul><li>one</li><li><p>two</p><ul><li>nested</li></ul></li></ul><ol start=3><li>x</li></ol>"
              "</body>", (), ()),
    "blank elements": ("<body><div>   </div><hr><div><hr></div><p>a<span>\u00a0</span>b<span>\u200b</span></p>"
                       "<div><b> </b></div><p>t</p></body>", (), ()),
    "nested and ordered selection": ('<body><div id="a"><p>A</p><div id="b"><p>B</p></div></div><p id="c">C</p>'
                                     '</body>', ("#c", "#b, #a"), ()),
    # libxml2 parses a processing instruction in HTML as a comment.
    "processing instruction": ("<body><div><?php echo  1 ?><p>b</p><?x?></div></body>", (), ()),
    "remove selectors": ('<body><main><div class="callout x"><svg></svg><p>keep</p></div>'
                         '<p data-a="xqx">drop</p><p data-a="z">stay</p></main></body>', ("main",),
                         (".callout > svg", '[data-a*="q"]')),
}


@pytest.mark.parametrize("name", list(CASES))
def test_case_same_markdown(name: str) -> None:
    html, select, remove = CASES[name]
    for filters in ((), ("remove-cms-placeholders", "remove-links", "remove-relative-timestamps")):
        fast, slow = both(html, select, remove, filters)
        assert fast == slow, f"{name} with filters {filters}"


def test_comment_text_as_before() -> None:
    """Pinned: the BeautifulSoup path's behaviour, which the lxml path reproduces."""
    assert extract_html(CASES["comment"][0]) == "Hello secret comment world\n\nxy\n"


@pytest.mark.parametrize(("html", "select", "expected"), [
    ("<body><div><p>a<ruby>漢<rt>kan</rt></ruby></p></div></body>", (), "a漢kan\n"),  # ruby text
    ("<body><ul><li>one</li><li>two</li></ul></body>", ("li",), "- one\n\n- two\n"),  # list items selected
    ("<body><div><p>a</p><p>b</p></div></body>", ("p:not(:first-child)",), "b\n"),  # a pseudo-class
    ("<body><div><h2>t</h2><p>b</p></div></body>", ("h2 + p",), "b\n"),  # a sibling combinator
])
def test_hands_over_where_unsure(html: str, select: tuple[str, ...], expected: str) -> None:
    with pytest.raises(Unsupported):
        _convert_lxml(html, select, (), [], BASE)
    text = extract_html(html, select=select)  # the BeautifulSoup path, through the public function
    assert text == tidy_markdown("\n\n".join(_convert_soup(html, select, (), [], BASE)))
    assert text == expected


def test_invalid_selector_still_an_extract_error() -> None:
    from extract import ExtractError

    with pytest.raises(ExtractError, match="invalid select selector"):
        extract_html("<body><p>x</p></body>", select=["p[["])


def test_built_tree_is_linked_as_by_append() -> None:
    """The BeautifulSoup tree the lxml path builds (its own sibling and document-order links)
    reads the same as one BeautifulSoup parsed: every descendant, in order, with its parent and
    siblings."""
    from bs4 import BeautifulSoup

    from extract.tree import Page, parse

    html = CASES["lists"][0].replace("<body>", "<body><section>").replace("</body>", "<p>t <b>b</b></p></section></body>")
    page = Page(parse(html))
    built = page.soup(next(page.root.iter("section")), BASE)
    parsed = BeautifulSoup(html, "lxml").section
    assert parsed is not None

    def shape(root: object) -> list[tuple[str, str | None, str | None, str | None]]:
        out = []
        for node in root.descendants:  # type: ignore[attr-defined]
            name = lambda n: None if n is None else (n.name or str(n))  # noqa: E731
            out.append((name(node), name(node.parent), name(node.previous_sibling), name(node.next_element)))
        return out

    assert shape(built) == shape(parsed)
    assert built.find_parent("x") is None and built.b.find_parent("section") is built  # type: ignore[union-attr]
