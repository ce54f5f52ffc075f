"""Pre-flight and syntax check for an untrusted RDF file (the store bulk-loads it natively).

:func:`check` is cheap and streaming: it refuses what no RDF parser should be handed —
an empty file, bytes that are not UTF-8, binary data, RDF/XML with entity declarations
or an external DTD (see :mod:`loaders.xmlguard`), JSON-LD that names a remote
``@context``. :func:`validate_syntax` runs :func:`check` and then parses the whole file
with pyoxigraph, so every syntax error is reported as a :class:`~loaders.LoadError` with
the file, line and column, never as a traceback, and never with raw file bytes in it.

Format names are the ones :class:`loaders.Source` carries in ``rdf_format``:

>>> sorted(FORMATS)
['jsonld', 'nq', 'nt', 'rdf', 'trig', 'ttl']
>>> FORMATS["rdf"]
'RDF/XML'

(pyoxigraph is imported inside :func:`validate_syntax` and :func:`oxigraph_format`
only; the store remains the one module that loads data with it.)
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders import LoadError

if TYPE_CHECKING:
    import pyoxigraph

__all__ = ["FORMATS", "check", "check_text", "validate_syntax", "oxigraph_format"]

#: Format name → human name.
FORMATS: dict[str, str] = {
    "ttl": "Turtle", "nt": "N-Triples", "nq": "N-Quads", "trig": "TriG",
    "jsonld": "JSON-LD", "rdf": "RDF/XML",
}
_OXIGRAPH = {
    "ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG",
    "jsonld": "JSON_LD", "rdf": "RDF_XML",
}
_CHUNK = 1 << 20
_SNIFF = 8000  # bytes in which a NUL marks a binary file (git's heuristic)
# the remote-@context pre-scan reads the JSON whole; bigger files rely on the parser
_JSON_SCAN_LIMIT = 64 << 20
_REMOTE = "remote JSON-LD contexts are not fetched"
_PARSER_PREFIX = re.compile(r"^Parser error (?:at line \d+ )?(?:between |at )?[^:]*: ")


def oxigraph_format(rdf_format: str) -> "pyoxigraph.RdfFormat":
    """The pyoxigraph ``RdfFormat`` for a format name; ``ValueError`` for an unknown name.

    >>> oxigraph_format("ttl").name
    'Turtle'
    """
    if rdf_format not in _OXIGRAPH:
        raise ValueError(f"unknown RDF format {rdf_format!r}; expected one of {', '.join(FORMATS)}")
    import pyoxigraph

    return getattr(pyoxigraph.RdfFormat, _OXIGRAPH[rdf_format])  # type: ignore[no-any-return]


def check_text(path: Path, *, kind: str, shown: str | None = None) -> None:
    """Refuse a file that is empty, binary or not UTF-8; stream it in 1 MiB chunks.

    ``kind`` names what the file should be ("Turtle", "CSV", …) and ``shown`` is the
    path used in messages (default ``str(path)``). Returns ``None`` when the file holds
    valid UTF-8 (a BOM allowed) with something besides whitespace and no NUL byte;
    otherwise raises :class:`~loaders.LoadError` at the first offending byte, with its
    1-based line and column (in characters).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "a.ttl"); _ = p.write_bytes(b'<a> <b> "caf\\xe9" .')
    ...     check_text(p, kind="Turtle", shown="a.ttl")
    Traceback (most recent call last):
    ...
    loaders.LoadError: a.ttl:1:13: invalid UTF-8 byte 0xE9 (expected UTF-8 encoded Turtle)
    """
    shown = str(path) if shown is None else shown
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line, column, total, content = 1, 0, 0, False

    def fail(prefix_bytes: bytes, message: str, expected: str) -> LoadError:
        before = prefix_bytes.decode("utf-8", errors="replace")
        newlines = before.count("\n")
        col = len(before) - before.rfind("\n") - 1 if newlines else column + len(before)
        return LoadError(message, path=shown, line=line + newlines, column=col + 1,
                         expected=expected)

    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                if total == 0 and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    raise LoadError("is UTF-16 encoded", path=shown,
                                    expected=f"UTF-8 encoded {kind}")
                sniff = chunk.find(b"\0", 0, _SNIFF) if total == 0 else -1
                if sniff != -1:  # binary, as git decides it: a NUL near the start
                    raise fail(chunk[:sniff], "is binary data (a NUL byte), not text",
                               f"a {kind} text file")
                pending = decoder.getstate()[0]
                data = pending + chunk
                bad: int | None = None
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    bad, text = e.start, ""
                nul = data.find(b"\0")
                if nul != -1 and (bad is None or nul <= bad):
                    raise fail(data[:nul], "contains a NUL byte, which no text holds",
                               f"a {kind} text file")
                if bad is not None:
                    raise fail(data[:bad], f"invalid UTF-8 byte 0x{data[bad]:02X}",
                               f"UTF-8 encoded {kind}")
                content = content or bool(text.replace("\ufeff", "").strip())
                newlines = text.count("\n")
                line += newlines
                column = len(text) - text.rfind("\n") - 1 if newlines else column + len(text)
                total += len(chunk)
            try:
                decoder.decode(b"", True)
            except UnicodeDecodeError:
                raise LoadError("invalid UTF-8: truncated character at the end",
                                path=shown, line=line, column=column + 1,
                                expected=f"UTF-8 encoded {kind}") from None
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=shown) from None
    if total == 0:
        raise LoadError("is empty", path=shown, expected=kind)
    if not content:
        raise LoadError("is empty (only whitespace)", path=shown, expected=kind)


def check(path: Path, *, rdf_format: str, shown: str | None = None) -> None:
    """The pre-flight for an untrusted RDF file; returns ``None`` or raises LoadError.

    Guarantees on return: the file is non-empty UTF-8 text without NUL bytes; for
    RDF/XML it is well-formed XML without entity declarations or external DTD (nothing
    was expanded or fetched); for JSON-LD no ``@context`` names a remote document.
    Reads the file in bounded chunks (the JSON-LD context scan reads files up to 64 MiB
    whole). It does not check RDF syntax: :func:`validate_syntax` does.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "e.ttl"); _ = p.write_bytes(b"")
    ...     check(p, rdf_format="ttl", shown="e.ttl")
    Traceback (most recent call last):
    ...
    loaders.LoadError: e.ttl: is empty (expected Turtle)
    """
    if rdf_format not in FORMATS:
        raise ValueError(f"unknown RDF format {rdf_format!r}; expected one of {', '.join(FORMATS)}")
    path = Path(path)
    shown = str(path) if shown is None else shown
    check_text(path, kind=FORMATS[rdf_format], shown=shown)
    if rdf_format == "rdf":
        from loaders.xmlguard import check_xml

        check_xml(path, name=shown)
    elif rdf_format == "jsonld":
        _check_contexts(path, shown)


def validate_syntax(
    path: Path, *, rdf_format: str, base_iri: str | None = None, shown: str | None = None
) -> int:
    """Check and parse the whole file; return how many statements it holds.

    Runs :func:`check` first (so no entity bomb or binary file reaches the parser), then
    streams the file through pyoxigraph's parser (``base_iri`` resolves relative IRIs;
    without one they are errors). Raises :class:`~loaders.LoadError` with the line and
    column pyoxigraph reports (RDF/XML errors past the XML layer carry no position); the
    message is pyoxigraph's, cut short and stripped of control characters.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "a.nt")
    ...     _ = p.write_text('<http://e/a> <http://e/b> "x" .\\n<http://e/a> <http://e/b> .\\n')
    ...     validate_syntax(p, rdf_format="nt", shown="a.nt")
    Traceback (most recent call last):
    ...
    loaders.LoadError: a.nt:2:27: invalid N-Triples: the object of a triple must be an IRI, a blank node or a literal
    """
    path = Path(path)
    shown = str(path) if shown is None else shown
    check(path, rdf_format=rdf_format, shown=shown)
    import pyoxigraph

    count = 0
    try:
        for _ in pyoxigraph.parse(path=path, format=oxigraph_format(rdf_format), base_iri=base_iri):
            count += 1
    except SyntaxError as e:
        raise _syntax_error(e, shown, rdf_format) from None
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=shown) from None
    return count


def _syntax_error(error: SyntaxError, shown: str, rdf_format: str) -> LoadError:
    raw = error.msg or str(error)
    if "LoadDocumentCallback" in raw or "remote context" in raw.lower():
        return LoadError(_REMOTE, path=shown, line=error.lineno, column=error.offset,
                         expected="an inline @context object")
    message = _summary(_PARSER_PREFIX.sub("", raw))
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]  # "A dot is …" → "a dot is …"; "IRI …" stays
    return LoadError(f"invalid {FORMATS[rdf_format]}: {message}", path=shown,
                     line=error.lineno, column=error.offset)


def _summary(message: str, width: int = 160) -> str:
    """A parser message made safe to print: one line, no control characters, bounded."""
    clean = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in " ".join(message.split()))
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def _check_contexts(path: Path, shown: str) -> None:
    """Refuse a JSON-LD document whose ``@context`` (or ``@import``) names a document."""
    try:
        if path.stat().st_size > _JSON_SCAN_LIMIT:
            return
        text = path.read_text(encoding="utf-8-sig")
        document = json.loads(text)
    except (OSError, ValueError):
        return  # unreadable or not JSON: the parser reports it with a position
    remote = _remote_context(document)
    if remote is None:
        return
    at = text.find(json.dumps(remote)[1:-1])
    line = column = None
    if at != -1:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
    raise LoadError(f"{_REMOTE} (@context names {_summary(remote, 80)!r})", path=shown,
                    line=line, column=column, expected="an inline @context object")


def _remote_context(node: Any) -> str | None:
    """The first context reference (a string where a context belongs), or None."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            context = item.get("@context")
            for entry in context if isinstance(context, list) else [context]:
                if isinstance(entry, str):
                    return entry
                if isinstance(entry, dict) and isinstance(entry.get("@import"), str):
                    return str(entry["@import"])
            stack.extend(reversed(list(item.values())))
    return None
