"""Anchor verbatim quotes in a source text: W3C Web Annotation text selectors.

A quote in ``data/quotes.yaml`` carries both a *TextQuoteSelector* (``exact`` with a
``prefix`` and ``suffix`` of context) and a *TextPositionSelector* (``start``/``end``,
0-based Python character offsets, ``end`` exclusive). This module computes them from the
``exact`` string and checks them against the text, so that a quote which is not in the
source is reported, never shown.

The module is pure: strings in, strings and records out; no rdflib, no store.

>>> text = "The cat sat. The dog sat on the mat."
>>> a = anchor("dog sat", text, context=4)
>>> a
Anchor(exact='dog sat', prefix='The ', suffix=' on ', start=17, end=24)
>>> text[a.start:a.end]
'dog sat'
>>> verify(a, text)
[]

Command line (rewrites the file in place, keeping record order, ids and other fields)::

    python -m loaders.anchor --article source-article.txt data/quotes.yaml
    python -m loaders.anchor --check --article source-article.txt data/quotes.yaml
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Anchor", "AnchorError", "QuoteNotFound", "AmbiguousQuote",
    "anchor", "verify", "read_text", "main",
]

DEFAULT_CONTEXT = 16
# the fields this module computes, in the order they are written
_COMPUTED = ("prefix", "suffix", "start", "end")
_FIELD_ORDER = ("id", "source", "exact", *_COMPUTED)
# an id YAML cannot read as anything but a string (a letter first, then a hyphen)
_PLAIN_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in a text: the quote, its context, and its offsets.

    ``start``/``end`` are 0-based character offsets into the text (``end`` exclusive),
    so ``text[start:end] == exact``; ``prefix`` ends at ``start`` and ``suffix`` begins at
    ``end``.
    """

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


class AnchorError(ValueError):
    """A quote could not be anchored. ``.exact`` is the quote."""

    def __init__(self, message: str, exact: str) -> None:
        super().__init__(message)
        self.exact = exact


class QuoteNotFound(AnchorError):
    """The quote does not occur in the text (or not with the given prefix/suffix)."""


class AmbiguousQuote(AnchorError):
    """The quote occurs more than once and nothing says which occurrence is meant.

    ``.starts`` lists the offsets of the candidate occurrences.
    """

    def __init__(self, message: str, exact: str, starts: Sequence[int]) -> None:
        super().__init__(message, exact)
        self.starts = tuple(starts)


def _short(s: str, width: int = 60) -> str:
    """``s`` as a one-line repr, cut to about ``width`` characters."""
    return repr(s if len(s) <= width else s[: width - 1] + "…")


def _occurrences(exact: str, text: str) -> list[int]:
    """Every start offset of ``exact`` in ``text``, overlapping ones included."""
    starts: list[int] = []
    i = text.find(exact)
    while i != -1:
        starts.append(i)
        i = text.find(exact, i + 1)
    return starts


def anchor(
    exact: str,
    text: str,
    *,
    context: int = DEFAULT_CONTEXT,
    prefix: str | None = None,
    suffix: str | None = None,
) -> Anchor:
    """Find ``exact`` in ``text`` (an exact, case- and character-sensitive match).

    ``prefix``/``suffix``, when given, are hints that pick one occurrence of a quote that
    occurs more than once: only an occurrence preceded by ``prefix`` (followed by
    ``suffix``) is accepted. The returned prefix and suffix are the up to ``context``
    characters before and after the quote in the text.

    Raises :class:`QuoteNotFound` (naming the quote) if no acceptable occurrence exists
    and :class:`AmbiguousQuote` if several remain.

    >>> try:
    ...     anchor("sat", "The cat sat. The dog sat.")
    ... except AmbiguousQuote as e:
    ...     print(e, e.starts)
    quote 'sat' occurs 2 times (at 8, 21); give a prefix or suffix to choose one (8, 21)
    >>> anchor("sat", "The cat sat. The dog sat.", context=5, prefix="dog ")
    Anchor(exact='sat', prefix=' dog ', suffix='.', start=21, end=24)
    >>> try:
    ...     anchor("cow", "The cat sat.")
    ... except QuoteNotFound as e:
    ...     print(e)
    quote 'cow' is not in the text
    """
    if not exact:
        raise QuoteNotFound("the quote is empty", exact)
    if context < 0:
        raise ValueError(f"context must be >= 0, not {context}")
    starts = _occurrences(exact, text)
    if not starts:
        raise QuoteNotFound(f"quote {_short(exact)} is not in the text", exact)
    if prefix:
        starts = [s for s in starts if text[:s].endswith(prefix)]
    if suffix:
        starts = [s for s in starts if text.startswith(suffix, s + len(exact))]
    if not starts:
        raise QuoteNotFound(
            f"quote {_short(exact)} is in the text, but not with the given prefix/suffix "
            f"(prefix={_short(prefix or '', 30)}, suffix={_short(suffix or '', 30)})",
            exact,
        )
    if len(starts) > 1:
        where = ", ".join(str(s) for s in starts)
        raise AmbiguousQuote(
            f"quote {_short(exact)} occurs {len(starts)} times (at {where}); "
            "give a prefix or suffix to choose one",
            exact,
            starts,
        )
    start = starts[0]
    end = start + len(exact)
    return Anchor(
        exact=exact,
        prefix=text[max(0, start - context):start],
        suffix=text[end:end + context],
        start=start,
        end=end,
    )


def verify(a: Anchor, text: str) -> list[str]:
    """The problems of anchor ``a`` against ``text``; an empty list means it holds.

    It holds when ``text[a.start:a.end] == a.exact``, the text just before ``start`` ends
    with ``a.prefix`` and the text just after ``end`` starts with ``a.suffix``.

    >>> text = "The cat sat. The dog sat on the mat."
    >>> verify(Anchor("dog sat", "The ", " on ", 17, 24), text)
    []
    >>> for problem in verify(Anchor("dog sat", "The ", " on ", 4, 11), text):
    ...     print(problem)
    text[4:11] is 'cat sat', not the quote 'dog sat' (the quote is at 17)
    suffix ' on ' does not start at 11 (the text there starts with '. Th')
    >>> verify(Anchor("fox", "", "", 0, 3), text)
    ["text[0:3] is 'The', not the quote 'fox' (the quote is not in the text)"]
    """
    problems: list[str] = []
    if not a.exact:
        return ["the quote is empty"]
    if not (0 <= a.start <= a.end <= len(text)):
        problems.append(
            f"offsets {a.start}:{a.end} are out of range for a text of {len(text)} characters"
        )
        return problems
    if a.end - a.start != len(a.exact):
        problems.append(
            f"offsets {a.start}:{a.end} span {a.end - a.start} characters, "
            f"the quote has {len(a.exact)}"
        )
    found = text[a.start:a.end]
    if found != a.exact:
        elsewhere = _occurrences(a.exact, text)
        hint = (
            f"the quote is at {', '.join(map(str, elsewhere))}" if elsewhere
            else "the quote is not in the text"
        )
        problems.append(
            f"text[{a.start}:{a.end}] is {_short(found)}, not the quote {_short(a.exact)} ({hint})"
        )
    before = text[max(0, a.start - len(a.prefix)):a.start]
    if before != a.prefix:
        problems.append(
            f"prefix {_short(a.prefix, 40)} does not end at {a.start} "
            f"(the text there ends with {_short(before, 40)})"
        )
    after = text[a.end:a.end + len(a.suffix)]
    if after != a.suffix:
        problems.append(
            f"suffix {_short(a.suffix, 40)} does not start at {a.end} "
            f"(the text there starts with {_short(after, 40)})"
        )
    return problems


def read_text(path: str | Path) -> str:
    """The text of a UTF-8 file exactly as stored (no newline translation, BOM dropped).

    Offsets are counted in this string, so a quote's ``start``/``end`` do not depend on
    the platform that reads the file.
    """
    with open(path, encoding="utf-8-sig", newline="") as f:
        return f.read()


# ---------------------------------------------------------------- the quotes file

def _yaml_str(s: str) -> str:
    """``s`` as a YAML double-quoted scalar on one line; unprintable characters
    (including the no-break space) are escaped so they are visible.

    >>> print(_yaml_str('a “b”\\n\\u00a0c\\\\'))
    "a “b”\\n\\u00a0c\\\\"
    """
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c.isprintable() and c not in "\x85\u2028\u2029\ufeff":
            out.append(c)
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def _yaml_value(v: Any) -> str:
    if isinstance(v, str):
        return _yaml_str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    import yaml  # only for the rare extra field that is not a string, bool or int

    dumped: str = yaml.safe_dump(
        v, default_flow_style=True, allow_unicode=True, width=2**31 - 1, sort_keys=False
    )
    return dumped.strip().removesuffix("...").strip()


def dump_quotes(records: Sequence[Mapping[str, Any]], *, header: str = "") -> str:
    """The quotes as YAML: one block per record, known fields first, every string
    double-quoted on one line (so prefixes with newlines or leading spaces survive).

    >>> print(dump_quotes([{"id": "q-x", "exact": "a", "start": 0, "end": 1}]), end="")
    - id: q-x
      exact: "a"
      start: 0
      end: 1
    """
    lines = [header.rstrip("\n") + "\n"] if header.strip() else []
    for i, rec in enumerate(records):
        if i:
            lines.append("\n")
        keys = [k for k in _FIELD_ORDER if k in rec] + [k for k in rec if k not in _FIELD_ORDER]
        for j, k in enumerate(keys):
            lead = "- " if j == 0 else "  "
            v = rec[k]
            plain = k in ("id", "source") and isinstance(v, str) and _PLAIN_ID.fullmatch(v) is not None
            value = v if plain else _yaml_value(v)
            lines.append(f"{lead}{k}: {value}\n")
    return "".join(lines)


def _header(source: str) -> str:
    """The comment and blank lines at the top of a YAML file."""
    head: list[str] = []
    for line in source.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        head.append(line)
    return "".join(head)


def _load_quotes(path: Path) -> tuple[str, list[dict[str, Any]]]:
    import yaml

    raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if data is None:
        data = []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SystemExit(f"{path}: expected a YAML list of records (mappings)")
    return raw, data


def _record_anchor(rec: Mapping[str, Any]) -> tuple[Anchor | None, list[str]]:
    """The stored anchor of a record, or the fields that are missing or mistyped."""
    problems = []
    if not isinstance(rec.get("exact"), str) or not rec.get("exact"):
        problems.append("'exact' is missing or not a string")
    for k in ("prefix", "suffix"):
        if not isinstance(rec.get(k), str):
            problems.append(f"{k!r} is missing or not a string")
    for k in ("start", "end"):
        if not isinstance(rec.get(k), int) or isinstance(rec.get(k), bool):
            problems.append(f"{k!r} is missing or not an integer")
    if problems:
        return None, problems
    return Anchor(rec["exact"], rec["prefix"], rec["suffix"], rec["start"], rec["end"]), []


def check_quotes(
    records: Sequence[Mapping[str, Any]], text: str, *, source: str | None = None
) -> list[str]:
    """Problems of every record (of ``source``, if given), as ``"<id>: <problem>"``.

    >>> check_quotes([{"id": "q-a", "exact": "cat", "prefix": "The ", "suffix": "",
    ...                "start": 4, "end": 7}], "The cat")
    []
    >>> check_quotes([{"id": "q-a", "exact": "dog"}], "The cat")
    ["q-a: 'prefix' is missing or not a string", "q-a: 'suffix' is missing or not a string", "q-a: 'start' is missing or not an integer", "q-a: 'end' is missing or not an integer"]
    """
    out: list[str] = []
    seen: set[str] = set()
    for n, rec in enumerate(records, 1):
        rid = str(rec.get("id", f"record {n}"))
        if rid in seen:
            out.append(f"{rid}: duplicate id")
        seen.add(rid)
        if source is not None and rec.get("source") != source:
            continue
        a, problems = _record_anchor(rec)
        if a is not None:
            problems = verify(a, text)
        out.extend(f"{rid}: {p}" for p in problems)
    return out


def anchor_quotes(
    records: Sequence[Mapping[str, Any]],
    text: str,
    *,
    context: int = DEFAULT_CONTEXT,
    source: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """(Re)compute prefix, suffix, start and end of every record (of ``source``, if
    given) from its ``exact``. Returns the new records (same order, ids and other fields)
    and the problems. A stored prefix/suffix is used only to choose between several
    occurrences of the same ``exact``.
    """
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, rec in enumerate(records, 1):
        new = dict(rec)
        out.append(new)
        rid = str(rec.get("id", f"record {n}"))
        if source is not None and rec.get("source") != source:
            continue
        exact = rec.get("exact")
        if not isinstance(exact, str) or not exact:
            problems.append(f"{rid}: 'exact' is missing or not a string")
            continue
        hints: dict[str, str] = {}
        if text.count(exact) > 1:
            for k in ("prefix", "suffix"):
                v = rec.get(k)
                if isinstance(v, str) and v:
                    hints[k] = v
        try:
            a = anchor(exact, text, context=context, **hints)
        except AnchorError as e:
            problems.append(f"{rid}: {e}")
            continue
        for k in _COMPUTED:
            new[k] = getattr(a, k)
    return out, problems


def _write_atomic(path: Path, content: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: anchor (default) or ``--check`` the quotes of a YAML file.

    Exit status 0 when every quote is anchored (or verifies), 1 with the problems
    listed on stderr otherwise; nothing is written when there is a problem.
    """
    parser = argparse.ArgumentParser(
        prog="python -m loaders.anchor",
        description="Compute (or --check) prefix, suffix, start and end of every quote "
        "of a quotes YAML file against the source text.",
    )
    parser.add_argument("quotes", type=Path, help="the quotes file, e.g. data/quotes.yaml")
    parser.add_argument("--article", type=Path, required=True, help="the source text (UTF-8)")
    parser.add_argument("--check", action="store_true",
                        help="only verify the stored anchors; exit 1 listing the problems")
    parser.add_argument("--source", default=None,
                        help="only the records whose 'source' is this id (default: all)")
    parser.add_argument("--context", type=int, default=DEFAULT_CONTEXT,
                        help=f"characters of prefix and suffix (default {DEFAULT_CONTEXT})")
    args = parser.parse_args(argv)

    try:
        text = read_text(args.article)
        raw, records = _load_quotes(args.quotes)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # YAML syntax errors: one line, no traceback
        print(f"error: {args.quotes}: {e}", file=sys.stderr)
        return 1

    if args.check:
        problems = check_quotes(records, text, source=args.source)
        for p in problems:
            print(f"{args.quotes}: {p}", file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s) in {args.quotes}", file=sys.stderr)
            return 1
        print(f"{args.quotes}: {len(records)} quotes verified against {args.article}")
        return 0

    new, problems = anchor_quotes(records, text, context=args.context, source=args.source)
    for p in problems:
        print(f"{args.quotes}: {p}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s); {args.quotes} not changed", file=sys.stderr)
        return 1
    content = dump_quotes(new, header=_header(raw))
    if content != raw:
        _write_atomic(args.quotes, content)
    print(f"{args.quotes}: {len(new)} quotes anchored against {args.article}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
