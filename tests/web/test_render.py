"""The escaping and highlighting helpers, on hostile input."""

from __future__ import annotations

from markupsafe import Markup

from web.render import highlight, hunk_view, word_diff, _phrase_pattern


def test_highlight_escapes_and_marks_whole_words() -> None:
    out = highlight("AI <script>x</script> said AI-driven", _phrase_pattern(["AI"]))
    assert isinstance(out, Markup)
    assert str(out) == ('<mark class="evidence">AI</mark> &lt;script&gt;x&lt;/script&gt; said '
                        '<mark class="evidence">AI</mark>-driven')


def test_phrase_with_markup_is_escaped_inside_the_mark() -> None:
    out = str(highlight("a <b>bold</b> move", _phrase_pattern(["<b>bold</b>"])))
    assert out == 'a <mark class="evidence">&lt;b&gt;bold&lt;/b&gt;</mark> move'


def test_word_diff_sides_and_inline() -> None:
    old, new, inline = word_diff("we sell <i>data</i>", "we never sell <i>data</i>")
    assert str(old) == "we sell &lt;i&gt;data&lt;/i&gt;"
    assert str(new) == "we<ins> never</ins> sell &lt;i&gt;data&lt;/i&gt;"
    assert str(inline) == str(new)
    old, new, inline = word_diff("keep it", "drop it")
    assert (str(old), str(new)) == ("<del>keep</del> it", "<ins>drop</ins> it")
    assert str(inline) == "<del>keep</del> <ins>drop</ins> it"  # never glued: "keepdrop"


def test_hunk_view_marks_evidence_phrases() -> None:
    h = hunk_view(0, {"section": "2. Use", "kind": "added", "old": "", "labels": ["ai_training"],
                      "new": "We train AI models.<br><img onerror=x>",
                      "evidence": {"ai_training": ["AI — We train AI models."]}})
    assert '<mark class="evidence">AI</mark>' in str(h.new)
    assert "&lt;img onerror=x&gt;" in str(h.new) and "\n" in str(h.new)
    (ev,) = h.evidence
    assert ev.phrases == ["AI"]
    assert ev.label == "ai_training" and '<mark class="evidence">AI</mark>' in str(ev.sentence)
