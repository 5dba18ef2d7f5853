"""Text the other version still says is no change; a copy's removal puts the other copy in effect.

Synthetic texts in the shape of real cases in ../shared/labelled (X's policies printed twice while an
update is announced, LinkedIn's Key Terms moved from 3.6 to 1.1): the rules must hold for the shape,
not for one platform's sentences.
"""

from __future__ import annotations

from changes import compare
from changes.echo import SentenceIndex, novel_spans

BODY = [
    "We collect the information you provide when you create an account on the service.",
    "We use the information we collect to operate, improve and personalize our products.",
    "We share information with service providers who process it on our behalf under contract.",
    "We keep the information for as long as your account stays open on the service.",
    "You can access, correct or delete the information in your account at any time online.",
    "We may change this policy and will tell you about material changes before they apply.",
    "Our products are not directed to children under the age of thirteen in any country.",
    "We protect the information with technical and organizational measures against loss.",
    "We respond to lawful requests for information from authorities as required by the law.",
    "We keep logs of the requests we receive from authorities for at least two full years.",
    "We receive information about you from partners who have the right to share it with us.",
    "You can contact our privacy team by writing to the address given at the end of this page.",
]
AI = "We may use the information we collect to train our machine learning and artificial intelligence models."


def doc(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def test_sentence_found_elsewhere_in_the_other_version_is_not_new() -> None:
    old = SentenceIndex(doc(*BODY))
    ctx = BODY[3] + " " + BODY[4]
    assert novel_spans(ctx, [(0, len(ctx))], old) == []


def test_nearly_the_same_sentence_keeps_only_its_edits() -> None:
    old = SentenceIndex(doc(*BODY))
    ctx = BODY[3].replace("as long as", "ten years after")
    kept = [ctx[a:b] for a, b in novel_spans(ctx, [(0, len(ctx))], old)]
    assert kept == ["ten years after"]


def test_short_sentence_found_elsewhere_is_still_new_on_its_own() -> None:
    old = SentenceIndex(doc("You can opt out at any time.", *BODY))
    ctx = "You can opt out at any time."
    assert novel_spans(ctx, [(0, len(ctx))], old) == [(0, len(ctx) - 1)]


def test_block_moved_to_another_section_with_one_edit_reads_as_that_edit() -> None:
    defs = ["Affiliates. Affiliates are companies controlling, controlled by or under common control with us, "
            "including, for example, Example Ireland and Example Singapore.",
            "Designated Countries. We use the term Designated Countries to refer to countries in the "
            "European Union (EU), European Economic Area (EEA), and Switzerland."]
    old = doc("# 1. Introduction", *BODY[:6], "# 3. Key Terms", *defs)
    new_defs = [defs[0].replace("Example Singapore.", "Example Singapore and their subsidiaries."), defs[1]]
    new = doc("# 1. Introduction", *new_defs, *BODY[:6], "# 3. Key Terms")
    r = compare(old, new)
    assert r.material and r.labels == []


def test_update_announced_with_both_copies_labels_only_what_the_new_copy_changes() -> None:
    old = doc("# Privacy Policy", *BODY)
    new_copy = [s.replace("two full years", "five full years") for s in BODY]
    new = doc("# Privacy Policy", "**We have updated our Privacy Policy. The new version applies from 1 May.**",
              *new_copy, "## Current Privacy Policy", *BODY)
    r = compare(old, new)
    assert r.material and r.labels == []
    assert any("five" in h.new for h in r.changes if h.material)


def test_removing_the_old_copy_puts_the_new_copys_additions_into_effect() -> None:
    new_copy = [*BODY[:2], AI, *BODY[2:]]
    old = doc("# Privacy Policy", "**We have updated our Privacy Policy. The new version applies from 1 May.**",
              *new_copy, "## Current Privacy Policy", *BODY)
    new = doc("# Privacy Policy", *new_copy)
    r = compare(old, new)
    assert r.labels == ["ai_training"]
    effective = [h for h in r.changes if h.labels]
    assert effective and all(h.kind == "added" and "train" in h.new for h in effective)


def test_a_restructured_document_is_no_copy() -> None:
    old = doc(*BODY)
    new = doc(*BODY[6:], AI, *BODY[:6])
    r = compare(old, new)
    assert r.labels == ["ai_training"]
    assert len([h for h in r.changes if h.material]) == 1


def test_edit_in_a_region_specific_section_is_regions() -> None:
    old = doc("# Your rights", *BODY[:3], "## California privacy rights", "To make a request, call 1-800-555-0100.")
    new = doc("# Your rights", *BODY[:3], "## California privacy rights", "To make a request, call 1-800-555-0199.")
    assert compare(old, new).labels == ["opt_out", "regions"]  # how to exercise a right, for California


def test_edit_in_a_regional_edition_of_the_whole_document_is_not_regions() -> None:
    title = "# User Agreement if you live in the EEA, United Kingdom, or Switzerland"
    old = doc(title, "## 10. Paid Services", "Refunds are issued within 30 days of a request.")
    new = doc(title, "## 10. Paid Services", "Refunds are issued within 14 days of a request.")
    assert compare(old, new).labels == []


def test_new_controller_for_users_in_a_region_is_regions() -> None:
    old = ("If you live in the European Union, EFTA States, or the United Kingdom, the data controller "
           "responsible for your personal data is Example International Unlimited Company.")
    new = old.replace("Example International Unlimited Company", "Example Internet Unlimited Company")
    assert compare(old, new).labels == ["regions"]


def test_ai_output_in_a_warranty_disclaimer_is_not_ai_training() -> None:
    old = "WE PROVIDE THE SERVICES (INCLUDING CONTENT AND INFORMATION) ON AN AS IS BASIS."
    new = "WE PROVIDE THE SERVICES (INCLUDING CONTENT, OUTPUT AND INFORMATION) ON AN AS IS BASIS."
    assert compare(old, new).labels == []


def test_sentences_are_cut_as_in_a_joined_context() -> None:
    """The per-line (cached) sentence cutting gives exactly what cutting the whole document with its
    lines joined by spaces gives, on every recorded LinkedIn version."""
    import gzip

    from changes.echo import _WORD, _low, sentence_ranges, sentences
    from changes.text import to_display
    from tests.changes.conftest import DEVSET

    checked = 0
    for path in sorted((DEVSET / "versions").rglob("*.md.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        low = _low(to_display(text).replace("\n", " "))
        joined = [ws for a, b in sentence_ranges(low) if (ws := tuple(_WORD.findall(low, a, b)))]
        assert sentences(text)[1] == joined, path.name
        checked += 1
    assert checked > 100


def test_candidate_ties_go_to_the_lowest_key_whatever_the_insertion_order() -> None:
    """Counter.most_common breaks ties by insertion order, which followed a set's hash order:
    three real pairs (Roblox, Deezer, AdopteUnMec terms) gave other hunks under another
    PYTHONHASHSEED. The candidates are now the same on every run."""
    from collections import Counter

    from changes.echo import top_hits

    forward, backward = Counter(), Counter()
    for k in (5, 3, 9, 1, 7):
        forward[k] += 2
    for k in (7, 1, 9, 3, 5):
        backward[k] += 2
    forward[4] = backward[4] = 3
    assert top_hits(forward, 3) == top_hits(backward, 3) == [4, 1, 3]


def test_compare_is_the_same_under_any_hash_seed() -> None:
    """`classify OLD NEW` on the 113 -> 128 KB bench pair gives the same JSON in processes with
    different PYTHONHASHSEED (sets of words order candidates; ties must not follow hash order)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + '/bench')\n"
        "from classify_speed import text\nfrom changes import compare\n"
        "old = text('pga/privacy-policy/2025-09-18') + '\\n\\n' + text('contrib/privacy-policy/2024-08-01')\n"
        "new = text('pga/privacy-policy/2025-11-04') + '\\n\\n' + text('contrib/privacy-policy/2024-09-19')\n"
        "print(json.dumps(compare(old, new).to_dict(), sort_keys=True))\n")
    outs = {subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "2")}
    assert len(outs) == 1 and '"labels"' in next(iter(outs))
