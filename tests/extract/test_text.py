"""extract.text: the fast paths of tidy_markdown give what its regular expressions alone give."""

from __future__ import annotations

import random

import pytest

from extract.text import _BLANK_LINES, _INNER_SPACES, _TRAILING, clean_chars, tidy_markdown


def tidy_reference(markdown: str) -> str:
    """tidy_markdown as it was: every substitution always run."""
    text = clean_chars(markdown).replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING.sub("", text)
    text = _INNER_SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip("\n")
    return text + "\n" if text else ""


@pytest.mark.parametrize("text", [
    "a  b", "a\t\tb", "a \tb", "a\t b", "  indented\n", "a \n", "a\t\nb", "a ", "a\t", "a\n\n\nb",
    "a\r\n\r\n\r\nb", "a\r \rb", "a\u00a0 b", "a \u200b b", "\\\n\n\n", "", "\n\n", " ", "x\n \n\n y",
])
def test_same_as_the_regular_expressions(text: str) -> None:
    assert tidy_markdown(text) == tidy_reference(text)


def test_same_on_random_whitespace() -> None:
    rnd = random.Random(13)
    alphabet = ["a", "b", " ", " ", "\t", "\n", "\n", "\r", "\u00a0", "\u200b", "-"]
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        assert tidy_markdown(text) == tidy_reference(text), repr(text)
