"""Query results written out: the W3C SPARQL 1.1 result formats, a text table, RDF graphs.

:func:`serialize` writes a SELECT result (:class:`graph.terms.SelectResult`) or an ASK
answer (``bool``) as

- ``"csv"`` — SPARQL 1.1 Query Results CSV: a header of variable names, plain values
  (IRIs as text, literals as their lexical form, blank nodes as ``_:label``, unbound as
  an empty field), RFC 4180 quoting, CRLF line ends;
- ``"tsv"`` — SPARQL 1.1 Query Results TSV: a ``?var`` header and terms written as in
  N-Triples (``<iri>``, ``"text"@en``, ``"1"^^<…#integer>``, ``_:b0``), tab, newline and
  carriage return escaped inside literals, LF line ends;
- ``"json"`` — SPARQL 1.1 Query Results JSON (``head.vars``, ``results.bindings``;
  unbound variables absent; ASK as ``{"head": {}, "boolean": …}``);
- ``"xml"`` — SPARQL Query Results XML;
- ``"table"`` — an aligned text table for people: prefixed names (``pg:Treaty``),
  literals as plain text, long cells cut with ``…``, and a footer ``N rows`` (plus
  ``(truncated at N rows)`` when the engine stopped at the row cap).

CSV and TSV define no boolean form; an ASK answer is written as the single line
``true`` or ``false`` there (what Oxigraph writes).

:func:`serialize_graph` writes CONSTRUCT/DESCRIBE triples as Turtle, N-Triples or JSON-LD.

Only plain Python is imported here; rdflib is imported inside :func:`serialize_graph`
for Turtle only, so the command line's query path stays light. Terms are read
through their ``kind``, ``value``, ``datatype`` and ``lang`` fields only.

>>> from graph.terms import SelectResult, Term
>>> r = SelectResult(("s", "label"), [{"s": Term.iri("https://w3id.org/peacegraph/id/nnsc"),
...                                    "label": Term.literal('NNSC "neutral" members, 4', lang="en")}], False)
>>> serialize(r, "csv").split("\\r\\n")
['s,label', 'https://w3id.org/peacegraph/id/nnsc,"NNSC ""neutral"" members, 4"', '']
>>> print(serialize(r, "tsv"), end="")  # doctest: +NORMALIZE_WHITESPACE
?s  ?label
<https://w3id.org/peacegraph/id/nnsc>  "NNSC \\"neutral\\" members, 4"@en
>>> print(serialize(r, "table"), end="")
s          label
---------  -------------------------
pgid:nnsc  NNSC "neutral" members, 4
1 row
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from ontology import PREFIXES

if TYPE_CHECKING:
    from graph.terms import SelectResult

__all__ = [
    "RESULT_FORMATS", "GRAPH_FORMATS", "MEDIA_TYPES",
    "serialize", "serialize_graph", "text_table", "short_iri",
]

#: Formats :func:`serialize` writes (SELECT and ASK results).
RESULT_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml")
#: Formats :func:`serialize_graph` writes (CONSTRUCT and DESCRIBE results).
GRAPH_FORMATS: tuple[str, ...] = ("ttl", "nt", "jsonld")
#: The registered media type of each format.
MEDIA_TYPES: dict[str, str] = {
    "table": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
_NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


class _Term(Protocol):
    """What this module reads of a :class:`graph.terms.Term`."""

    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def datatype(self) -> str | None: ...
    @property
    def lang(self) -> str | None: ...


Triple = tuple[_Term, _Term, _Term]


# --------------------------------------------------------------------------- results


def serialize(result: SelectResult | bool, format: str, *, max_width: int = 60) -> str:
    """Write a SELECT result or an ASK answer in ``format`` (one of :data:`RESULT_FORMATS`).

    The text is complete (it ends with a line end) and exactly in the W3C format named;
    rows and variables keep the result's order. ``max_width`` (display columns) applies
    to ``"table"`` only. Raises ``ValueError`` for an unknown format, and for a value
    that the format cannot carry (a control character in XML 1.0).

    >>> print(serialize(True, "json"), end="")
    {"head":{},"boolean":true}
    >>> serialize(False, "csv")
    'false\\r\\n'
    """
    if format not in RESULT_FORMATS:
        raise ValueError(f"unknown result format {format!r}; use one of {', '.join(RESULT_FORMATS)}")
    if isinstance(result, bool):
        return _boolean(result, format)
    writer = {"table": None, "csv": _csv, "tsv": _tsv, "json": _json, "xml": _xml}[format]
    if writer is None:
        return _table(result, max_width=max_width)
    return writer(result)


def _boolean(value: bool, format: str) -> str:
    word = "true" if value else "false"
    if format == "json":
        return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")) + "\n"
    if format == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS_NS}">\n'
                f"  <head/>\n  <boolean>{word}</boolean>\n</sparql>\n")
    return word + ("\r\n" if format == "csv" else "\n")


# CSV ---------------------------------------------------------------------------------


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_value(term: _Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "bnode":
        return _bnode_label(term)
    if term.kind == "triple":
        return _nt_term(term)
    return term.value


def _csv(result: SelectResult) -> str:
    lines = [",".join(_csv_field(v) for v in result.variables)]
    for row in result.rows:
        lines.append(",".join(_csv_field(_csv_value(row.get(v))) for v in result.variables))
    return "".join(line + "\r\n" for line in lines)


# TSV and N-Triples -------------------------------------------------------------------

_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_IRI_FORBIDDEN = set('<>"{}|^`\\')


def _escape_literal(text: str, *, tab: bool) -> str:
    out = []
    for c in text:
        if c in _LITERAL_ESCAPES:
            out.append(_LITERAL_ESCAPES[c])
        elif c == "\t":
            out.append("\\t" if tab else c)
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def _escape_iri(iri: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if c in _IRI_FORBIDDEN or ord(c) <= 0x20 else c for c in iri)


def _bnode_label(term: _Term) -> str:
    return term.value if term.value.startswith("_:") else "_:" + term.value


def _nt_term(term: _Term, *, tab: bool = False) -> str:
    """N-Triples syntax of a term; ``tab=True`` also escapes TAB (needed inside TSV)."""
    if term.kind == "uri":
        return f"<{_escape_iri(term.value)}>"
    if term.kind == "bnode":
        return _bnode_label(term)
    if term.kind == "literal":
        text = f'"{_escape_literal(term.value, tab=tab)}"'
        if term.lang:
            return f"{text}@{term.lang}"
        if term.datatype and term.datatype not in (XSD_STRING, RDF_LANGSTRING):
            return f"{text}^^<{_escape_iri(term.datatype)}>"
        return text
    if term.kind == "triple":
        n3 = getattr(term, "n3", None)
        if callable(n3):
            return str(n3())
        return term.value
    raise ValueError(f"unknown term kind {term.kind!r}")


def _tsv(result: SelectResult) -> str:
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(
            "" if row.get(v) is None else _nt_term(row[v], tab=True) for v in result.variables))
    return "".join(line + "\n" for line in lines)


# JSON --------------------------------------------------------------------------------


def _json_term(term: _Term) -> dict[str, str]:
    if term.kind == "uri":
        return {"type": "uri", "value": term.value}
    if term.kind == "bnode":
        return {"type": "bnode", "value": _bnode_label(term)[2:]}
    if term.kind == "literal":
        out = {"type": "literal", "value": term.value}
        if term.lang:
            out["xml:lang"] = term.lang
        elif term.datatype and term.datatype != XSD_STRING:
            out["datatype"] = term.datatype
        return out
    raise ValueError(f"a {term.kind} term cannot be written in SPARQL 1.1 JSON results")


def _json(result: SelectResult) -> str:
    doc = {
        "head": {"vars": list(result.variables)},
        "results": {"bindings": [
            {v: _json_term(row[v]) for v in result.variables if row.get(v) is not None}
            for row in result.rows
        ]},
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


# XML ---------------------------------------------------------------------------------


def _xml_check(text: str) -> None:
    for c in text:
        o = ord(c)
        if (o < 0x20 and c not in "\t\n\r") or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF):
            raise ValueError(f"U+{o:04X} cannot be written in XML 1.0; use --format json or tsv")


def _xml_text(text: str) -> str:
    _xml_check(text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attr(text: str) -> str:
    return (_xml_text(text).replace('"', "&quot;")
            .replace("\t", "&#9;").replace("\n", "&#10;"))


def _xml_term(term: _Term) -> str:
    if term.kind == "uri":
        return f"<uri>{_xml_text(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{_xml_text(_bnode_label(term)[2:])}</bnode>"
    if term.kind == "literal":
        if term.lang:
            attr = f' xml:lang="{_xml_attr(term.lang)}"'
        elif term.datatype and term.datatype != XSD_STRING:
            attr = f' datatype="{_xml_attr(term.datatype)}"'
        else:
            attr = ""
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    raise ValueError(f"a {term.kind} term cannot be written in SPARQL XML results")


def _xml(result: SelectResult) -> str:
    out = ['<?xml version="1.0"?>', f'<sparql xmlns="{SPARQL_RESULTS_NS}">', "  <head>"]
    out += [f'    <variable name="{_xml_attr(v)}"/>' for v in result.variables]
    out += ["  </head>", "  <results>"]
    for row in result.rows:
        out.append("    <result>")
        out += [f'      <binding name="{_xml_attr(v)}">{_xml_term(row[v])}</binding>'
                for v in result.variables if row.get(v) is not None]
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


# Table -------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two, combining marks none."""
    width = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        width += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return width


def _cut(text: str, max_width: int) -> str:
    if _display_width(text) <= max_width:
        return text
    out, width = [], 0
    for c in text:
        w = _display_width(c)
        if width + w > max_width - 1:
            break
        out.append(c)
        width += w
    return "".join(out) + "…"


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def short_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``prefix:local`` for an IRI in one of ``prefixes`` (the longest match), else ``<iri>``.

    >>> short_iri("https://w3id.org/peacegraph/ontology#Treaty")
    'pg:Treaty'
    >>> short_iri("http://example.org/x")
    '<http://example.org/x>'
    """
    best = max((ns for ns in prefixes.values() if iri.startswith(ns) and len(iri) > len(ns)),
               key=len, default=None)
    if best is None:
        return f"<{iri}>"
    prefix = next(p for p, ns in prefixes.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _cell(term: _Term | None, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        text = short_iri(term.value, prefixes)
    elif term.kind == "bnode":
        text = _bnode_label(term)
    elif term.kind == "literal":
        text = term.value
    else:
        text = _nt_term(term)
    return text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", " ")


def text_table(header: Sequence[str], rows: Iterable[Sequence[str]], *,
               right: Sequence[bool] | None = None, max_width: int = 60) -> str:
    """An aligned plain-text table: a header, a rule of dashes, one line per row.

    Cells wider than ``max_width`` display columns are cut and end with ``…``; Korean
    and other wide characters count as two columns. ``right`` marks right-aligned
    columns. Trailing spaces are stripped; the text ends with a line end.

    >>> print(text_table(["graph", "statements"], [["curated", "1204"], ["ontology", "88"]],
    ...                  right=[False, True]), end="")
    graph     statements
    --------  ----------
    curated         1204
    ontology          88
    """
    body = [[_cut(c, max_width) for c in row] for row in rows]
    head = [_cut(h, max_width) for h in header]
    widths = [max([_display_width(h)] + [_display_width(r[i]) for r in body])
              for i, h in enumerate(head)]
    align = list(right) if right is not None else [False] * len(head)
    lines = ["  ".join(_pad(h, w, right=a) for h, w, a in zip(head, widths, align)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w, right=a) for c, w, a in zip(r, widths, align)) for r in body]
    return "".join(line.rstrip() + "\n" for line in lines)


def _is_numeric(term: _Term | None) -> bool:
    return term is not None and term.kind == "literal" and term.datatype in _NUMERIC


def _table(result: SelectResult, *, max_width: int,
           prefixes: Mapping[str, str] = PREFIXES) -> str:
    variables = list(result.variables)
    right = [bool(result.rows) and all(_is_numeric(r.get(v)) for r in result.rows if v in r)
             and any(v in r for r in result.rows) for v in variables]
    rows = [[_cell(row.get(v), prefixes) for v in variables] for row in result.rows]
    n = len(result.rows)
    footer = f"{n} row" if n == 1 else f"{n} rows"
    if result.truncated:
        footer += f" (truncated at {n} rows)"
    return text_table(variables, rows, right=right, max_width=max_width) + footer + "\n"


# --------------------------------------------------------------------------- graphs


def serialize_graph(triples: Iterable[Triple], format: str, *,
                    prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Write triples as ``"ttl"`` (Turtle), ``"nt"`` (N-Triples) or ``"jsonld"`` (JSON-LD).

    Every triple is written once. N-Triples is written here, one sorted line per triple
    (so the same triples always give the same text); JSON-LD is flattened (one node per
    subject, sorted), with the peacegraph prefixes as ``@context``; Turtle goes through
    rdflib with the same prefixes.
    Literal lexical forms are kept exactly as given. Raises ``ValueError`` for an
    unknown format.

    >>> from graph.terms import Term
    >>> t = (Term.iri("https://w3id.org/peacegraph/id/nnsc"),
    ...      Term.iri("http://www.w3.org/2000/01/rdf-schema#label"), Term.literal("NNSC", lang="en"))
    >>> print(serialize_graph([t], "nt"), end="")
    <https://w3id.org/peacegraph/id/nnsc> <http://www.w3.org/2000/01/rdf-schema#label> "NNSC"@en .
    """
    if format not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {format!r}; use one of {', '.join(GRAPH_FORMATS)}")
    if format == "nt":
        lines = sorted({" ".join(_nt_term(t) for t in triple) + " .\n" for triple in triples})
        return "".join(lines)
    if format == "jsonld":
        return _jsonld(triples, prefixes)
    return _turtle(triples, prefixes)


def _turtle(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> str:
    from rdflib import BNode, Graph, Literal, URIRef

    def convert(term: _Term) -> BNode | Literal | URIRef:
        if term.kind == "uri":
            return URIRef(term.value)
        if term.kind == "bnode":
            return BNode(_bnode_label(term)[2:])
        if term.kind == "literal":
            if term.lang:
                return Literal(term.value, lang=term.lang, normalize=False)
            if term.datatype and term.datatype != XSD_STRING:
                return Literal(term.value, datatype=URIRef(term.datatype), normalize=False)
            return Literal(term.value, normalize=False)
        raise ValueError(f"a {term.kind} term cannot be written as Turtle")

    g = Graph(bind_namespaces="none")
    for prefix, ns in prefixes.items():
        g.bind(prefix, ns, override=True, replace=True)
    for s, p, o in triples:
        g.add((convert(s), convert(p), convert(o)))
    return g.serialize(format="turtle")


def _jsonld(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> str:
    """Flattened JSON-LD: one node object per subject, compacted with ``prefixes``.

    Written here rather than by rdflib, whose compaction turns typed literals into JSON
    numbers and so loses their lexical form (``"0042"^^xsd:integer`` → ``42``).
    """

    def compact(iri: str) -> str:
        name = short_iri(iri, prefixes)
        return iri if name.startswith("<") or name.split(":", 1)[1].startswith("//") else name

    def node_id(term: _Term) -> str:
        if term.kind == "uri":
            return compact(term.value)
        if term.kind == "bnode":
            return _bnode_label(term)
        raise ValueError(f"a {term.kind} term cannot be a subject in JSON-LD")

    def value(term: _Term) -> dict[str, str]:
        if term.kind in ("uri", "bnode"):
            return {"@id": node_id(term)}
        if term.kind != "literal":
            raise ValueError(f"a {term.kind} term cannot be written as JSON-LD")
        out = {"@value": term.value}
        if term.lang:
            out["@language"] = term.lang
        elif term.datatype and term.datatype != XSD_STRING:
            out["@type"] = compact(term.datatype)
        return out

    nodes: dict[str, dict[str, set[str]]] = {}
    for s, p, o in triples:
        if p.kind != "uri":
            raise ValueError(f"a {p.kind} term cannot be a predicate")
        props = nodes.setdefault(node_id(s), {})
        if p.value == RDF_TYPE and o.kind in ("uri", "bnode"):
            props.setdefault("@type", set()).add(node_id(o))
        else:
            props.setdefault(compact(p.value), set()).add(json.dumps(value(o), sort_keys=True))
    graph = []
    for subject in sorted(nodes):
        node: dict[str, object] = {"@id": subject}
        for key in sorted(nodes[subject], key=lambda k: (k != "@type", k)):
            values = sorted(nodes[subject][key])
            node[key] = values if key == "@type" else [json.loads(v) for v in values]
        graph.append(node)
    doc = {"@context": dict(prefixes), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
