"""A guard that vets an XML file before any RDF/XML parser sees it.

XML entities are the classic hole in XML parsers: an internal entity that refers to
other entities ("billion laughs", quadratic blow-up) expands a kilobyte into gigabytes —
pyoxigraph 0.5.13 expands a 1 KB bomb into a 3-billion-character literal and aborts the
process; rdflib spends minutes — and an external entity (``SYSTEM "file:///etc/passwd"``)
reads local files or the network. RDF/XML never needs any of it, so
:func:`check_xml` refuses every entity declaration outright instead of trying to
expand entities safely.

How: the standard library's expat parser (``xml.parsers.expat``), fed in fixed-size
chunks, with parameter-entity parsing switched off and handlers that raise at the first
entity declaration, external DTD or external entity reference. Expat rather than a
hand-written scanner because expat already tokenises XML exactly (comments, CDATA,
processing instructions and quoted strings cannot hide or fake a declaration), reports
line and column, and checks well-formedness of the whole file as it streams; the
handlers fire *before* any entity is expanded, so a bomb costs microseconds. Memory is
bounded by the chunk size plus ``max_doctype_bytes`` (a declaration still being
buffered is refused once the DOCTYPE or the prolog grows past the limit).

>>> check_xml(b'<?xml version="1.0"?><!DOCTYPE r><r/>', name="ok.rdf")
>>> check_xml(b'<!DOCTYPE r [<!ENTITY a "aa">]><r>&a;</r>', name="bomb.rdf")
Traceback (most recent call last):
...
loaders.LoadError: bomb.rdf:1:25: DOCTYPE declares an internal entity 'a'; entity declarations are refused (expected IRIs and text written out in full, without entities)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from loaders import LoadError

__all__ = ["check_xml", "MAX_DOCTYPE_BYTES", "MAX_PROLOG_BYTES"]

#: The largest DOCTYPE internal subset accepted (bytes).
MAX_DOCTYPE_BYTES = 64 * 1024
#: The most bytes read before the root element starts (comments, PIs, DOCTYPE).
MAX_PROLOG_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
_WHY = "IRIs and text written out in full, without entities"


@dataclass
class _State:
    doctype_at: int | None = None  # byte offset where an internal subset began
    doctype_done: bool = False
    root_started: bool = False


def check_xml(
    data: bytes | Path,
    *,
    name: str,
    max_doctype_bytes: int = MAX_DOCTYPE_BYTES,
    max_prolog_bytes: int = MAX_PROLOG_BYTES,
) -> None:
    """Refuse XML that declares entities or a DTD it would have to fetch; vet well-formedness.

    ``data`` is the document (bytes) or a path to it; ``name`` is used in messages.
    Returns ``None`` when the document is well-formed UTF-8 XML whose DOCTYPE (if any) has
    no external identifier and whose internal subset (if any) declares no entity, general
    or parameter, and is at most ``max_doctype_bytes`` long. Otherwise raises
    :class:`~loaders.LoadError` with the line and column, having read at most the
    offending part of the file. Nothing is ever fetched or expanded.

    >>> check_xml(b'<!DOCTYPE r SYSTEM "http://example.org/r.dtd"><r/>', name="x.rdf")
    Traceback (most recent call last):
    ...
    loaders.LoadError: x.rdf:1:46: DOCTYPE names an external DTD (SYSTEM or PUBLIC identifier), which is never fetched (expected no SYSTEM or PUBLIC identifier on the DOCTYPE)
    >>> check_xml(b'<r>\\n<a></r>', name="x.rdf")
    Traceback (most recent call last):
    ...
    loaders.LoadError: x.rdf:2:6: not well-formed XML: mismatched tag
    """
    from xml.parsers import expat

    # The declared encoding is overridden: peacegraph reads RDF files as UTF-8 only.
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = _State()

    def refuse(message: str) -> LoadError:
        return LoadError(message, path=name, line=parser.CurrentLineNumber,
                         column=parser.CurrentColumnNumber + 1, expected=_WHY)

    def start_doctype(_name: str, system_id: str | None, public_id: str | None,
                      has_internal_subset: int) -> None:
        if system_id is not None or public_id is not None:
            raise LoadError(
                "DOCTYPE names an external DTD (SYSTEM or PUBLIC identifier), which is never fetched",
                path=name, line=parser.CurrentLineNumber,
                column=parser.CurrentColumnNumber + 1,
                expected="no SYSTEM or PUBLIC identifier on the DOCTYPE")
        if has_internal_subset:
            state.doctype_at = parser.CurrentByteIndex

    def end_doctype() -> None:
        state.doctype_done = True

    def entity_decl(entity: str, is_parameter: int, _value: str | None, _base: str | None,
                    system_id: str | None, public_id: str | None,
                    _notation: str | None) -> None:
        if system_id is not None or public_id is not None:
            kind = "an external parameter entity" if is_parameter else "an external entity"
        else:
            kind = "an internal parameter entity" if is_parameter else "an internal entity"
        raise refuse(f"DOCTYPE declares {kind} {_short(entity)!r}; entity declarations are refused")

    def unparsed_entity_decl(entity: str, *_: object) -> None:
        raise refuse(f"DOCTYPE declares an unparsed external entity {_short(entity)!r}; "
                     "entity declarations are refused")

    def external_ref(*_: object) -> int:
        raise refuse("reference to an external entity, which is never resolved")

    def skipped_entity(entity: str, is_parameter: int) -> None:
        raise refuse(f"reference to an undeclared {'parameter ' if is_parameter else ''}"
                     f"entity {_short(entity)!r}")

    def start_element(*_: object) -> None:
        state.root_started = True
        parser.StartElementHandler = None  # one call is all the guard needs

    parser.StartDoctypeDeclHandler = start_doctype
    parser.EndDoctypeDeclHandler = end_doctype
    parser.EntityDeclHandler = entity_decl
    parser.UnparsedEntityDeclHandler = unparsed_entity_decl
    parser.ExternalEntityRefHandler = external_ref
    parser.SkippedEntityHandler = skipped_entity
    parser.StartElementHandler = start_element

    fed = 0
    try:
        for chunk in _chunks(data, name):
            parser.Parse(chunk, False)
            fed += len(chunk)
            if state.doctype_at is not None and not state.doctype_done \
                    and fed - state.doctype_at > max_doctype_bytes:
                raise refuse(f"DOCTYPE internal subset is larger than {max_doctype_bytes} bytes")
            if not state.root_started and fed > max_prolog_bytes:
                raise refuse(f"no root element in the first {max_prolog_bytes} bytes "
                             "(oversized prolog or declaration)")
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        raise LoadError(f"not well-formed XML: {expat.ErrorString(e.code)}", path=name,
                        line=e.lineno, column=e.offset + 1) from None


def _chunks(data: bytes | Path, name: str) -> Iterator[bytes]:
    """The document in chunks of at most ``_CHUNK`` bytes; OS errors become LoadError."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for i in range(0, len(view), _CHUNK):
            yield bytes(view[i:i + _CHUNK])
        return
    try:
        with open(data, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=name) from None


def _short(text: str, width: int = 40) -> str:
    """A name from the file, cut short and stripped of control characters."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"
