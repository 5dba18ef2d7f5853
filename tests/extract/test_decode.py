"""Charset handling: header, meta, mislabelled and unlabelled bodies."""

from __future__ import annotations

import pytest

from extract import decode_html, extract_html

SAMPLE = "Café Müller – naïve façade"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (SAMPLE.encode("utf-8"), "text/html; charset=utf-8"),
        (SAMPLE.encode("utf-8"), "text/html; charset=iso-8859-1"),  # UTF-8 labelled Latin-1
        (SAMPLE.encode("cp1252"), "text/html; charset=utf-8"),  # Latin-1 labelled UTF-8
        (SAMPLE.encode("cp1252"), "text/html"),  # no charset anywhere
        (SAMPLE.encode("cp1252"), None),
        (b'<meta charset="windows-1252">' + SAMPLE.encode("cp1252"), "text/html"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "text/html; charset=iso-8859-1"),  # BOM wins
    ],
)
def test_decoding(body: bytes, content_type: str | None) -> None:
    assert SAMPLE in decode_html(body, content_type)


def test_cjk_declared_in_header() -> None:
    text = "個人情報保護方針は変更されました。" * 5
    assert text in decode_html(text.encode("shift_jis"), "text/html; charset=shift_jis")


def test_extract_accepts_bytes() -> None:
    body = f"<html><body><p>{SAMPLE}</p></body></html>".encode("cp1252")
    assert extract_html(body, content_type="text/html; charset=utf-8") == SAMPLE + "\n"
