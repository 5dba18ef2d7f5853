"""PDF extraction on real PDFs (fixtures/pdf: LinkedIn's Cookie Policy printed by Chromium,
6 pages with a running header and "Page N of M" footers)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from extract import ExtractError
from extract.text import clean_chars
from extract.pdf import BrokenPdf, extract_pdf, is_pdf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
OLD = (FIXTURES / "pdf" / "cookie-policy-2022-01-28.pdf").read_bytes()
NEW = (FIXTURES / "pdf" / "cookie-policy-2022-06-03.pdf").read_bytes()


@pytest.fixture(scope="module")
def old_text() -> str:
    return extract_pdf(OLD)


def test_text_is_paragraphs_without_running_headers_and_page_numbers(old_text: str) -> None:
    assert old_text.startswith("Cookie Policy\n\nEffective on January 20, 2022\n\nAt LinkedIn, we believe")
    assert old_text.endswith("\n") and "\n\n\n" not in old_text
    assert "LinkedIn Cookie Policy" not in old_text  # the running header of every page
    assert not re.search(r"Page \d+ of \d+", old_text)  # the footers
    paragraphs = old_text.strip().split("\n\n")
    assert len(paragraphs) > 40
    assert all("\n" not in p for p in paragraphs)  # lines of a paragraph are joined


def test_same_sentences_as_the_source_markdown(old_text: str) -> None:
    """Every prose paragraph of the recorded text is found whole in the PDF's text, even
    those a page break cut in two."""
    source = gzip.decompress((FIXTURES / "devset" / "versions" / "contrib" / "cookie-policy"
                              / "2022-01-28.md.gz").read_bytes()).decode()
    unlinked = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", clean_chars(source))
    unlinked = re.sub(r"^[-=]{3,}$", "", unlinked, flags=re.MULTILINE)  # setext heading rules
    prose = [" ".join(p.split()) for p in unlinked.split("\n\n")]
    prose = [p for p in prose if len(p) > 80 and not p.startswith(("|", "*", "-", "#"))]
    assert len(prose) > 10
    missing = [p[:60] for p in prose if p not in old_text]
    assert not missing


def test_a_change_is_the_changed_sentences_only(old_text: str) -> None:
    new_text = extract_pdf(NEW)
    old_paras, new_paras = old_text.split("\n\n"), new_text.split("\n\n")
    assert len(old_paras) == len(new_paras)
    changed = [(a, b) for a, b in zip(old_paras, new_paras, strict=True) if a != b]
    assert [b for _, b in changed][0] == "Effective on June 3, 2022"
    assert len(changed) == 3
    assert any("until the expiration of the cookie" in b for _, b in changed)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_pdf_is_an_error(cut: float) -> None:
    with pytest.raises(BrokenPdf, match="truncated"):
        extract_pdf(OLD[: int(len(OLD) * cut)])


def test_a_corrupt_pdf_is_an_error_on_one_line() -> None:
    damaged = OLD[:20000] + b"\0" * 10000 + OLD[30000:]
    with pytest.raises(ExtractError) as info:
        extract_pdf(damaged)
    assert str(info.value).startswith("PDF cannot be read: ") and "\n" not in str(info.value)


def test_a_pdf_without_pages_is_an_error() -> None:
    with pytest.raises(BrokenPdf):
        extract_pdf(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")


@pytest.mark.parametrize(("body", "content_type", "declared", "expected"), [
    (b"<html>", "application/pdf", None, True),
    (b"<html>", "application/pdf; qs=0.001", None, True),
    (b"%PDF-1.7\n...", "application/octet-stream", None, True),
    (b"%PDF-1.7\n...", None, None, True),
    (b"<html>", "text/html", None, False),
    (b"<html>", "text/html", "pdf", True),
    (b"%PDF-1.7\n...", "application/pdf", "html", False),
])
def test_is_pdf(body: bytes, content_type: str | None, declared: str | None, expected: bool) -> None:
    assert is_pdf(body, content_type, declared) is expected
