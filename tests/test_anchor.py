"""Tests for loaders.anchor: finding, checking and (re)writing quote anchors.

The texts are written here (not the article) so the tests do not depend on ../shared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from loaders.anchor import (
    AmbiguousQuote,
    Anchor,
    QuoteNotFound,
    anchor,
    anchor_quotes,
    check_quotes,
    dump_quotes,
    main,
    read_text,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]

TEXT = (
    "Talks opened in spring.\n\n"
    "The first track should settle the border. The second track should “ease sanctions” "
    "in stages – not at once.\n"
    "The first track should settle the border. A last line.\u00a0\n"
)


# ---------------------------------------------------------------- anchor()

def test_anchor_unique_quote_offsets_and_context() -> None:
    a = anchor("The second track", TEXT, context=10)
    assert TEXT[a.start:a.end] == "The second track"
    assert a.end - a.start == len("The second track")
    assert a.prefix == "he border. "[-10:]
    assert TEXT[a.start - 10:a.start] == a.prefix
    assert TEXT[a.end:a.end + 10] == a.suffix
    assert verify(a, TEXT) == []


def test_anchor_counts_characters_not_bytes() -> None:
    # curly quotes and the en dash are one character each
    a = anchor("“ease sanctions” in stages – not", TEXT)
    assert TEXT[a.start:a.end] == a.exact
    assert a.start == TEXT.index("“")
    assert len(a.exact.encode("utf-8")) > a.end - a.start


def test_anchor_context_is_cut_at_the_ends_of_the_text() -> None:
    a = anchor("Talks", TEXT)
    assert (a.start, a.prefix) == (0, "")
    b = anchor("A last line.", TEXT, context=50)
    assert b.suffix == "\u00a0\n"
    assert anchor("Talks", TEXT, context=0).suffix == ""


def test_missing_quote_raises_quote_not_found_naming_it() -> None:
    with pytest.raises(QuoteNotFound, match="settle the frontier") as info:
        anchor("settle the frontier", TEXT)
    assert info.value.exact == "settle the frontier"
    assert isinstance(info.value, ValueError)


def test_straight_quotes_do_not_match_curly_ones() -> None:
    with pytest.raises(QuoteNotFound):
        anchor('"ease sanctions"', TEXT)


def test_empty_quote_is_rejected() -> None:
    with pytest.raises(QuoteNotFound):
        anchor("", TEXT)


def test_repeated_quote_is_ambiguous_without_a_hint() -> None:
    quote = "The first track should settle the border."
    with pytest.raises(AmbiguousQuote) as info:
        anchor(quote, TEXT)
    assert info.value.starts == (25, TEXT.rindex(quote))


def test_prefix_or_suffix_hint_picks_one_occurrence() -> None:
    quote = "The first track should settle the border."
    second = TEXT.rindex(quote)
    assert anchor(quote, TEXT, prefix="at once.\n").start == second
    assert anchor(quote, TEXT, suffix=" The second").start == TEXT.index(quote)
    with pytest.raises(QuoteNotFound, match="not with the given prefix"):
        anchor(quote, TEXT, prefix="nowhere")


def test_overlapping_occurrences_count_as_ambiguous() -> None:
    with pytest.raises(AmbiguousQuote) as info:
        anchor("aa", "xaaay")
    assert info.value.starts == (1, 2)


@given(st.text(min_size=1, max_size=200), st.data())
def test_any_unique_slice_anchors_and_verifies(text: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    exact = text[i:j]
    try:
        a = anchor(exact, text, context=8)
    except AmbiguousQuote:
        assert text.find(exact, text.find(exact) + 1) != -1  # occurs again (maybe overlapping)
        return
    assert a.start == i and a.end == j
    assert verify(a, text) == []


# ---------------------------------------------------------------- verify()

def test_verify_reports_a_shifted_anchor() -> None:
    a = anchor("The second track", TEXT)
    moved = Anchor(a.exact, a.prefix, a.suffix, a.start + 1, a.end + 1)
    problems = verify(moved, TEXT)
    assert any("not the quote" in p and f"at {a.start}" in p for p in problems)
    assert any(p.startswith("prefix") for p in problems)


def test_verify_reports_a_quote_not_in_the_text() -> None:
    problems = verify(Anchor("ease tariffs", "", "", 0, 12), TEXT)
    assert problems == [
        "text[0:12] is 'Talks opened', not the quote 'ease tariffs' (the quote is not in the text)"
    ]


def test_verify_reports_wrong_context_and_bad_offsets() -> None:
    a = anchor("The second track", TEXT)
    assert verify(Anchor(a.exact, "XX", a.suffix, a.start, a.end), TEXT)[0].startswith("prefix")
    assert verify(Anchor(a.exact, a.prefix, "YY", a.start, a.end), TEXT)[0].startswith("suffix")
    assert "out of range" in verify(Anchor("x", "", "", 5, 10_000), TEXT)[0]
    assert "span" in verify(Anchor(a.exact, "", "", a.start, a.end + 1), TEXT)[0]
    assert verify(Anchor("", "", "", 0, 0), TEXT) == ["the quote is empty"]


# ---------------------------------------------------------------- the quotes file

def test_dump_quotes_round_trips_awkward_strings() -> None:
    records = [
        {"id": "q-one", "source": "s", "exact": 'a “b” "c" \\ # : - x', "prefix": "\n\n  lead",
         "suffix": "\u00a0\ttail\u2028", "start": 0, "end": 3, "note": "kept", "tags": ["a", 1]},
        {"id": "no", "exact": "yes", "prefix": "", "suffix": "", "start": 1, "end": 4},
    ]
    out = dump_quotes(records, header="# header\n")
    assert out.startswith("# header\n- id: q-one\n")
    assert "\\u00a0" in out  # the no-break space stays visible
    assert yaml.safe_load(out) == records


def test_anchor_quotes_keeps_order_ids_and_other_fields() -> None:
    records = [
        {"id": "q-b", "source": "s", "exact": "The second track", "note": "x"},
        {"id": "q-a", "source": "s", "exact": "Talks opened"},
        {"id": "q-other", "source": "t", "exact": "not in this text"},
    ]
    new, problems = anchor_quotes(records, TEXT, source="s")
    assert problems == []
    assert [r["id"] for r in new] == ["q-b", "q-a", "q-other"]
    assert new[0]["note"] == "x" and new[0]["start"] == TEXT.index("The second track")
    assert "start" not in new[2]  # another source's record is left alone
    assert check_quotes(new, TEXT, source="s") == []
    assert check_quotes(new, TEXT) != []  # … but checked when no source is given


def test_check_quotes_reports_duplicate_ids_and_missing_fields() -> None:
    problems = check_quotes([{"id": "q-a", "exact": "Talks"}, {"id": "q-a", "exact": "x"}], TEXT)
    assert "q-a: duplicate id" in problems
    assert "q-a: 'start' is missing or not an integer" in problems


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    article = tmp_path / "article.txt"
    article.write_bytes(TEXT.encode("utf-8"))
    quotes = tmp_path / "quotes.yaml"
    quotes.write_text(
        "# quotes for the test\n\n"
        "- id: q-second\n  source: art\n  exact: \"“ease sanctions”\"\n"
        "- id: q-first-again\n  source: art\n  exact: \"The first track should settle the border.\"\n"
        "  prefix: \"at once.\\n\"\n"
        "- id: q-talks\n  source: art\n  exact: \"Talks opened in spring.\"\n",
        encoding="utf-8",
    )
    return article, quotes


def test_main_rewrites_then_check_passes(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    article, quotes = files
    assert main(["--article", str(article), str(quotes)]) == 0
    written = quotes.read_text(encoding="utf-8")
    assert written.startswith("# quotes for the test\n")
    records = yaml.safe_load(written)
    assert [r["id"] for r in records] == ["q-second", "q-first-again", "q-talks"]
    text = read_text(article)
    again = records[1]
    assert again["start"] == text.rindex(again["exact"])  # the stored prefix chose the 2nd
    assert main(["--check", "--article", str(article), str(quotes)]) == 0
    # rewriting an anchored file changes nothing
    assert main(["--article", str(article), str(quotes)]) == 0
    assert quotes.read_text(encoding="utf-8") == written


def test_check_fails_listing_the_bad_quote(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    article, quotes = files
    main(["--article", str(article), str(quotes)])
    records = yaml.safe_load(quotes.read_text(encoding="utf-8"))
    records[2]["exact"] = "Talks closed in spring."
    quotes.write_text(dump_quotes(records), encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--article", str(article), str(quotes)]) == 1
    err = capsys.readouterr().err
    assert "q-talks:" in err and "not in the text" in err
    assert "q-second" not in err


def test_main_leaves_the_file_alone_when_a_quote_is_missing(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    article, quotes = files
    before = quotes.read_text(encoding="utf-8").replace("in spring.", "in autumn.")
    quotes.write_text(before, encoding="utf-8")
    assert main(["--article", str(article), str(quotes)]) == 1
    assert "q-talks: quote 'Talks opened in autumn.' is not in the text" in capsys.readouterr().err
    assert quotes.read_text(encoding="utf-8") == before


def test_command_line_entry_point(files: tuple[Path, Path]) -> None:
    article, quotes = files
    run = [sys.executable, "-m", "loaders.anchor", "--article", str(article), str(quotes)]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    check = subprocess.run([*run[:3], "--check", *run[3:]], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert "3 quotes verified" in check.stdout
