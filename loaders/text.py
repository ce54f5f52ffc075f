"""A plain-text or Markdown document → a ``pg:Source`` and the known entities it mentions.

The document becomes ``pgid:doc-<sha256[:12]>`` (a ``pg:Source`` with ``dcterms:title``
from its first heading or line and ``pg:sourceKind "document"``). Each mention of a known
entity becomes a W3C Web Annotation in the curated quote shape of design.md — the
annotation's body (``oa:hasBody``) is the entity, its target selects the mention with a
``TextQuoteSelector`` (exact/prefix/suffix) and a ``TextPositionSelector`` (start/end,
0-based character offsets into the UTF-8-decoded text, BOM dropped, line endings as
stored: the offsets of :func:`loaders.anchor.read_text`). The store puts them in the
document's own named graph, apart from curated facts, for review.

Matching (:func:`find_mentions`) is case- and diacritic-insensitive — NFKD, combining
marks dropped, casefolded, a few letters without a decomposition (``đ ø ł æ …``) spelled
out, dashes, quotes and runs of white space unified — with a map back to the original
offsets; word-boundary aware; longest match first, never overlapping. Short all-capital
labels (acronyms such as ``US`` or ``UN``, up to 4 letters) only match in capitals, so
"us" and "un" in running text are not mistaken for them.

>>> text = "Vietnam's Doi Moi reforms (1986) and the DPRK."
>>> known = {"https://w3id.org/peacegraph/id/doi-moi": ["Đổi Mới"],
...          "https://w3id.org/peacegraph/id/dprk": ["DPRK", "North Korea"]}
>>> for m in find_mentions(text, known):
...     print(m.entity.rsplit("/", 1)[1], m.anchor.start, m.anchor.end, repr(text[m.anchor.start:m.anchor.end]))
doi-moi 10 17 'Doi Moi'
dprk 41 45 'DPRK'

Mentions are ``oa:identifying`` annotations whose ``oa:hasBody`` is the entity: a reviewer's
worklist, kept in the document's own named graph, apart from the curated facts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import LoadError
from loaders.anchor import DEFAULT_CONTEXT, Anchor

if TYPE_CHECKING:
    from rdflib.term import Node, URIRef

__all__ = ["Mention", "fold", "find_mentions", "title", "document_iri", "triples",
           "curated_labels"]

Triple = tuple["Node", "Node", "Node"]

# letters NFKD leaves alone, spelled the way an English text would write them
_LETTERS = {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t",
            "æ": "ae", "œ": "oe", "þ": "th", "ŋ": "n", "ſ": "s"}
_PUNCT = {**dict.fromkeys("‐‑‒–—―−", "-"), **dict.fromkeys("‘’‚‛ʼ′`", "'"),
          **dict.fromkeys("“”„‟″", '"')}
_TITLE_WIDTH = 200
_ACRONYM_MAX = 4


@dataclass(frozen=True)
class Mention:
    """One mention of a known entity: its IRI and where it sits in the text."""

    entity: str
    anchor: Anchor


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """What one character becomes for matching (possibly '' or several characters)."""
    if ch.isspace():
        return " "
    if ch in _PUNCT:
        return _PUNCT[ch]
    if unicodedata.category(ch) == "Cf":  # soft hyphen, zero-width joiners, …
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.combining(c):
            continue
        for d in unicodedata.normalize("NFKD", c.casefold()):
            if not unicodedata.combining(d):
                out.append(_LETTERS.get(d, _PUNCT.get(d, " " if d.isspace() else d)))
    return "".join(out)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of its source character.

    Runs of white space fold to one space. The list has one extra entry, ``len(text)``.
    """
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " " and chars and chars[-1] == " ":
                continue
            chars.append(c)
            origin.append(i)
    origin.append(len(text))
    return "".join(chars), origin


def fold(text: str) -> str:
    """The matching form of a text: no case, no diacritics, unified dashes and spaces.

    >>> fold("Đổi  Mới")
    'doi moi'
    >>> fold("Six–Party Talks")
    'six-party talks'
    """
    return _fold_with_offsets(text)[0].strip()


def _is_acronym(label: str) -> bool:
    letters = [c for c in label if c.isalpha()]
    return 0 < len(letters) <= _ACRONYM_MAX and all(c.isupper() for c in letters)


def find_mentions(
    text: str, known: Mapping[str, Sequence[str]], *, context: int = DEFAULT_CONTEXT
) -> list[Mention]:
    """Every mention of a known label in ``text``, in text order.

    ``known`` maps entity IRIs to their labels (``rdfs:label``, ``skos:altLabel``, …).
    Guarantees: ``text[m.anchor.start:m.anchor.end] == m.anchor.exact``; the prefix and
    suffix are up to ``context`` characters around it; a match starts and ends at word
    boundaries; at each place the longest label wins and mentions never overlap; a
    label shared by several entities gives one mention per entity (sorted by IRI).
    Labels that fold to fewer than two characters are ignored.

    >>> find_mentions("The Korean Armistice Agreement, not the armistice.",
    ...               {"x:ka": ["Korean Armistice Agreement"], "x:a": ["Armistice"]})[0].entity
    'x:ka'
    >>> [m.anchor.exact for m in find_mentions("Talks with us and the US.", {"x:us": ["US"]})]
    ['US']
    """
    entries: dict[str, list[tuple[str, bool]]] = {}
    for iri, labels in known.items():
        for label in labels:
            folded = fold(label)
            if len(folded) >= 2 and any(c.isalnum() for c in folded):
                entries.setdefault(folded, []).append((iri, _is_acronym(label)))
    by_head: dict[str, list[str]] = {}
    for folded in sorted(entries, key=len, reverse=True):
        by_head.setdefault(folded[:2], []).append(folded)

    norm, origin = _fold_with_offsets(text)
    mentions: list[Mention] = []
    i, n = 0, len(norm)
    while i < n:
        if i and norm[i].isalnum() and norm[i - 1].isalnum():
            i += 1  # inside a word: no label may start here
            continue
        for label in by_head.get(norm[i:i + 2], ()):
            j = i + len(label)
            if not norm.startswith(label, i):
                continue
            if label[-1].isalnum() and j < n and norm[j].isalnum():
                continue
            start, end = origin[i], origin[j - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1  # keep combining marks of a decomposed last letter
            exact = text[start:end]
            iris = sorted({iri for iri, acronym in entries[label]
                           if not acronym or exact.upper() == exact})
            if not iris:
                continue
            anchor = Anchor(exact=exact, prefix=text[max(0, start - context):start],
                            suffix=text[end:end + context], start=start, end=end)
            mentions.extend(Mention(iri, anchor) for iri in iris)
            i = j
            break
        else:
            i += 1
    return mentions


def title(text: str, *, markdown: bool) -> str:
    """The document's title: the first Markdown heading, else the first non-blank line.

    Cut to 200 characters; emphasis markers around a heading are dropped.

    >>> title("---\\nauthor: x\\n---\\nIntro line\\n\\n## The *Agreed* Framework ##\\n", markdown=True)
    'The *Agreed* Framework'
    >>> title("\\n  First line  \\nSecond", markdown=False)
    'First line'
    """
    lines = text.splitlines()
    if markdown and lines and lines[0].strip() == "---":  # YAML front matter
        ends = [k for k, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")]
        lines = lines[ends[0] + 1:] if ends else lines
    first = next((line.strip() for line in lines if line.strip()), "")
    if markdown:
        for k, line in enumerate(lines):
            atx = re.match(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", line)
            if atx and atx.group(1).strip():
                first = atx.group(1).strip()
                break
            underline = lines[k + 1] if k + 1 < len(lines) else ""
            if line.strip() and re.fullmatch(r" {0,3}(=+|-+)[ \t]*", underline) \
                    and not re.fullmatch(r"[-=\s]+", line):
                first = line.strip()
                break
        first = first.strip("*_").strip() or first
    first = " ".join(first.split())
    return first if len(first) <= _TITLE_WIDTH else first[: _TITLE_WIDTH - 1] + "…"


def document_iri(data: bytes) -> "URIRef":
    """``pgid:doc-<first 12 hex digits of the sha256 of the bytes>``.

    >>> str(document_iri(b"hello"))
    'https://w3id.org/peacegraph/id/doc-2cf24dba5fb0'
    """
    from ontology.namespace import id_iri

    return id_iri("doc-" + hashlib.sha256(data).hexdigest()[:12])


def triples(path: Path, *, known: Mapping[str, Sequence[str]] | None = None) -> Iterator[Triple]:
    """The document node and one annotation per mention of a ``known`` entity.

    ``known`` maps entity IRIs to labels (``None`` or ``{}``: no annotations). The file
    is read and checked (non-empty UTF-8 text, no NUL byte) before anything is yielded;
    problems raise :class:`~loaders.LoadError`. Every node is an IRI under the
    document's (``…/mention-<start>-<end>`` with ``/target``, ``/quote``,
    ``/position``; ``-2``, ``-3`` … after the end for further entities at the same
    place), so the output is stable.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "note.md"); _ = p.write_text("# Note\\nOn Doi Moi.\\n", encoding="utf-8")
    ...     out = list(triples(p, known={"x:doi-moi": ["Đổi Mới"]}))
    >>> sorted({str(o) for _, p, o in out if p.endswith("#exact") or p.endswith("#start")})
    ['10', 'Doi Moi']
    """
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

    from loaders.rdf import check_text
    from ontology.namespace import OA, PG

    path = Path(path)
    markdown = path.suffix.lower() == ".md"
    check_text(path, kind="Markdown" if markdown else "text", shown=str(path))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    text = data.decode("utf-8-sig")
    doc = document_iri(data)
    name = title(text, markdown=markdown)
    out: list[Triple] = [
        (doc, RDF.type, PG.Source),
        (doc, RDFS.label, Literal(name)),
        (doc, DCTERMS.title, Literal(name)),
        (doc, PG.sourceKind, Literal("document")),
    ]
    counts: dict[tuple[int, int], int] = {}
    for mention in find_mentions(text, known or {}):
        a = mention.anchor
        k = counts[a.start, a.end] = counts.get((a.start, a.end), 0) + 1
        ann = URIRef(f"{doc}/mention-{a.start}-{a.end}" + (f"-{k}" if k > 1 else ""))
        target, quote, position = (URIRef(f"{ann}/{part}") for part in ("target", "quote", "position"))
        out += [
            (ann, RDF.type, OA.Annotation),
            (ann, OA.motivatedBy, OA.identifying),
            (ann, OA.hasBody, URIRef(mention.entity)),
            (ann, OA.hasTarget, target),
            (target, RDF.type, OA.SpecificResource),
            (target, OA.hasSource, doc),
            (target, OA.hasSelector, quote),
            (target, OA.hasSelector, position),
            (quote, RDF.type, OA.TextQuoteSelector),
            (quote, OA.exact, Literal(a.exact)),
            (quote, OA.prefix, Literal(a.prefix)),
            (quote, OA.suffix, Literal(a.suffix)),
            (position, RDF.type, OA.TextPositionSelector),
            (position, OA.start, Literal(str(a.start), datatype=XSD.nonNegativeInteger)),
            (position, OA.end, Literal(str(a.end), datatype=XSD.nonNegativeInteger)),
        ]
    return iter(out)


def curated_labels(directory: Path) -> dict[str, list[str]]:
    """Entity IRI → labels (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``) of a
    curated data directory, leaving out sources, quotes, participations, precedent
    links (their labels are made up from other fields) and the issue scheme. Raises what
    :func:`loaders.curated.triples` raises for bad data.
    """
    from rdflib import URIRef
    from rdflib.namespace import RDF, RDFS, SKOS

    from loaders import curated
    from ontology.namespace import OA, PG

    skip = {PG.Source, PG.Article, PG.Participation, PG.PrecedentLink, OA.Annotation,
            SKOS.ConceptScheme}
    label_props = {RDFS.label, SKOS.prefLabel, SKOS.altLabel}
    labels: dict[str, list[str]] = {}
    skipped: set[str] = set()
    for s, p, o in curated.triples(Path(directory)):
        if not isinstance(s, URIRef):
            continue
        if p == RDF.type and o in skip:
            skipped.add(str(s))
        elif p in label_props:
            names = labels.setdefault(str(s), [])
            if str(o) not in names:
                names.append(str(o))
    return {iri: names for iri, names in labels.items() if iri not in skipped}
