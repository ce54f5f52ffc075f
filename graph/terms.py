"""Plain Python RDF terms: what leaves :mod:`graph` instead of engine objects.

A :class:`Term` is an immutable value with the four fields of the design contract
``(kind, value, datatype, lang)``. Literals are kept in one canonical shape so that
equal RDF terms compare equal: a simple literal (``xsd:string``) and a language-tagged
literal (``rdf:langString``) have ``datatype=None``, and language tags are lower-cased.

>>> Term.literal("Helsinki Final Act", lang="en").n3()
'"Helsinki Final Act"@en'
>>> Term.literal("x", datatype=XSD + "string") == Term.literal("x")
True
>>> Term.literal(1953).to_python()
1953

This module is plain Python: it imports neither pyoxigraph nor rdflib.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Literal as _Literal

if TYPE_CHECKING:  # decimal is imported where used: the command line's query path needs none
    from decimal import Decimal

__all__ = ["Term", "TermKind", "Row", "SelectResult", "XSD", "RDF_LANGSTRING", "canonical_term"]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

TermKind = _Literal["uri", "bnode", "literal", "triple"]
_KINDS = frozenset(("uri", "bnode", "literal", "triple"))

_INTEGER_TYPES = frozenset(XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
))
_FLOAT_TYPES = frozenset((XSD + "double", XSD + "float"))
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


@dataclass(frozen=True, slots=True)
class Term:
    """One RDF term: an IRI (``"uri"``), a blank node, a literal or a quoted triple.

    ``value`` is the IRI, the blank node label, the literal's lexical form, or (for a
    quoted triple) its N-Triples form ``s p o``. ``datatype`` is set only for literals
    whose datatype is neither ``xsd:string`` nor ``rdf:langString``; ``lang`` only for
    language-tagged literals. The constructor puts literals in this canonical shape, so
    two equal RDF terms are equal (and hash equal) as :class:`Term`.

    >>> Term("literal", "1", XSD + "integer", None)
    Term(kind='literal', value='1', datatype='http://www.w3.org/2001/XMLSchema#integer', lang=None)
    >>> Term.literal("Treaty", datatype=RDF_LANGSTRING, lang="EN")
    Term(kind='literal', value='Treaty', datatype=None, lang='en')
    """

    kind: TermKind
    value: str
    datatype: str | None = None
    lang: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown term kind {self.kind!r}; expected one of {sorted(_KINDS)}")
        if not isinstance(self.value, str):
            raise TypeError(f"Term.value must be a str, not {type(self.value).__name__}")
        if self.kind != "literal":
            if self.datatype is not None or self.lang is not None:
                raise ValueError(f"a {self.kind} term has no datatype or language")
            return
        if self.lang is not None:
            if not self.lang:
                raise ValueError("an empty language tag is not allowed")
            if self.datatype not in (None, RDF_LANGSTRING):
                raise ValueError("a literal has either a language tag or a datatype, not both")
            object.__setattr__(self, "lang", self.lang.lower())
            object.__setattr__(self, "datatype", None)
        elif self.datatype == XSD + "string":
            object.__setattr__(self, "datatype", None)
        elif self.datatype == RDF_LANGSTRING:
            raise ValueError("an rdf:langString literal needs a language tag")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def iri(cls, value: str) -> Term:
        """An IRI term.

        >>> Term.iri("https://w3id.org/peacegraph/id/cfe-treaty").n3()
        '<https://w3id.org/peacegraph/id/cfe-treaty>'
        """
        return cls("uri", str(value))

    @classmethod
    def bnode(cls, value: str) -> Term:
        """A blank node term (the label is only meaningful inside one result).

        >>> Term.bnode("b0").n3()
        '_:b0'
        """
        return cls("bnode", str(value))

    @classmethod
    def literal(
        cls,
        value: str | int | float | bool | Decimal | _dt.date | _dt.datetime,
        *,
        datatype: str | None = None,
        lang: str | None = None,
    ) -> Term:
        """A literal; a Python value without ``datatype`` gets the matching XSD type.

        ``bool`` → ``xsd:boolean``, ``int`` → ``xsd:integer``, ``float`` → ``xsd:double``,
        ``Decimal`` → ``xsd:decimal``, ``datetime`` → ``xsd:dateTime``, ``date`` → ``xsd:date``;
        a ``str`` is a simple literal (``xsd:string``) unless ``datatype`` or ``lang`` is given.

        >>> Term.literal(True).n3()
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
        >>> Term.literal(_dt.date(1953, 7, 27)).n3()
        '"1953-07-27"^^<http://www.w3.org/2001/XMLSchema#date>'
        >>> Term.literal("1953", datatype=XSD + "gYear").to_python()
        '1953'
        """
        lexical, inferred = _lexical(value)
        if datatype is None and lang is None:
            datatype = inferred
        return cls("literal", lexical, datatype, lang)

    # ------------------------------------------------------------------ views
    def n3(self) -> str:
        """The term in N-Triples syntax (canonical escapes for literals).

        >>> Term.literal('say "no"\\n').n3()
        '"say \\\\"no\\\\"\\\\n"'
        >>> Term("triple", "<http://a> <http://b> <http://c>").n3()
        '<< <http://a> <http://b> <http://c> >>'
        """
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        if self.kind == "triple":
            return f"<< {self.value} >>"
        text = '"' + "".join(_ECHAR.get(c, c) for c in self.value) + '"'
        if self.lang is not None:
            return f"{text}@{self.lang}"
        if self.datatype is not None:
            return f"{text}^^<{self.datatype}>"
        return text

    def to_python(self) -> str | int | float | bool | Decimal | _dt.date | _dt.datetime:
        """The Python value the datatype calls for, else the lexical form (a ``str``).

        Integer types give ``int``, ``xsd:decimal`` a ``Decimal``, ``xsd:double`` and
        ``xsd:float`` a ``float``, ``xsd:boolean`` a ``bool``, ``xsd:date`` a ``date``,
        ``xsd:dateTime`` a ``datetime``. Everything else, and any ill-typed lexical form,
        gives the ``str`` unchanged: this never raises and never guesses.

        >>> Term.literal("0042", datatype=XSD + "integer").to_python()
        42
        >>> Term.literal("forty", datatype=XSD + "integer").to_python()
        'forty'
        >>> Term.literal("1953-07-27", datatype=XSD + "date").to_python()
        datetime.date(1953, 7, 27)
        >>> Term.iri("https://w3id.org/peacegraph/id/x").to_python()
        'https://w3id.org/peacegraph/id/x'
        """
        if self.kind != "literal" or self.datatype is None:
            return self.value
        dt, text = self.datatype, self.value.strip()
        try:
            if dt in _INTEGER_TYPES:
                return int(text)
            if dt == XSD + "decimal":
                from decimal import Decimal, InvalidOperation

                try:
                    return Decimal(text)
                except InvalidOperation:
                    return self.value
            if dt in _FLOAT_TYPES:
                return float({"INF": "inf", "-INF": "-inf", "+INF": "inf"}.get(text, text))
            if dt == XSD + "boolean":
                if text in ("true", "1"):
                    return True
                if text in ("false", "0"):
                    return False
                return self.value
            if dt == XSD + "date":
                return _dt.date.fromisoformat(text)
            if dt == XSD + "dateTime":
                return _dt.datetime.fromisoformat(text)
        except ValueError:
            return self.value
        return self.value


_new = object.__new__
_set_kind, _set_value, _set_datatype, _set_lang = (  # the slots' own setters (frozen bypassed)
    vars(Term)[field].__set__ for field in ("kind", "value", "datatype", "lang"))


def canonical_term(kind: TermKind, value: str, datatype: str | None = None,
                   lang: str | None = None) -> Term:
    """A :class:`Term` from fields already in canonical shape, without checking them.

    For the store's results (about twice as fast as the constructor, which matters at
    tens of thousands of terms per answer): the caller guarantees what ``__post_init__``
    would enforce — a known ``kind``, a ``str`` value, no ``xsd:string``/``rdf:langString``
    datatype, a lower-case language tag, and no datatype or tag on a non-literal.

    >>> canonical_term("uri", "https://w3id.org/peacegraph/id/cwc") == Term.iri(
    ...     "https://w3id.org/peacegraph/id/cwc")
    True
    """
    term = _new(Term)
    _set_kind(term, kind)
    _set_value(term, value)
    _set_datatype(term, datatype)
    _set_lang(term, lang)
    return term


def _lexical(value: object) -> tuple[str, str | None]:
    """The lexical form of a Python value and the XSD datatype it implies."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("true" if value else "false"), XSD + "boolean"
    if isinstance(value, int):
        return str(value), XSD + "integer"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN", XSD + "double"
        if math.isinf(value):
            return ("INF" if value > 0 else "-INF"), XSD + "double"
        return repr(value), XSD + "double"
    decimal = sys.modules.get("decimal")  # not imported: value cannot be a Decimal
    if decimal is not None and isinstance(value, decimal.Decimal):
        return format(value, "f"), XSD + "decimal"
    if isinstance(value, _dt.datetime):
        return value.isoformat(), XSD + "dateTime"
    if isinstance(value, _dt.date):
        return value.isoformat(), XSD + "date"
    raise TypeError(f"cannot make a literal from {type(value).__name__}")


#: One solution of a SELECT query: variable name → term; unbound variables are absent.
Row = dict[str, Term]


@dataclass(frozen=True, slots=True)
class SelectResult:
    """The answer to a SELECT query.

    ``variables`` are the projected variable names in query order, ``rows`` the solutions
    in the order the engine gave them, and ``truncated`` is true when a ``limit`` stopped
    the iteration before the last solution.

    >>> r = SelectResult(("x",), [{"x": Term.literal(1)}], truncated=False)
    >>> [row["x"].to_python() for row in r.rows]
    [1]
    """

    variables: tuple[str, ...]
    rows: list[Row]
    truncated: bool = False
