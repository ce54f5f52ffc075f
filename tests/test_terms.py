"""graph.terms: canonical literals, N-Triples syntax, Python values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.terms import RDF_LANGSTRING, XSD, SelectResult, Term


def test_literal_canonical_shape() -> None:
    assert Term.literal("x", datatype=XSD + "string") == Term.literal("x")
    assert Term.literal("x", lang="EN-gb") == Term("literal", "x", RDF_LANGSTRING, "en-gb")
    assert Term.literal("x", lang="en").datatype is None
    assert hash(Term.literal("x", datatype=XSD + "string")) == hash(Term.literal("x"))


@pytest.mark.parametrize("kwargs, error", [
    ({"kind": "url", "value": "x"}, ValueError),
    ({"kind": "uri", "value": "x", "lang": "en"}, ValueError),
    ({"kind": "literal", "value": "x", "datatype": XSD + "integer", "lang": "en"}, ValueError),
    ({"kind": "literal", "value": "x", "datatype": RDF_LANGSTRING}, ValueError),
    ({"kind": "literal", "value": "x", "lang": ""}, ValueError),
    ({"kind": "literal", "value": 1}, TypeError),
])
def test_invalid_terms_raise(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        Term(**kwargs)


def test_frozen() -> None:
    term = Term.iri("https://w3id.org/peacegraph/id/x")
    with pytest.raises(AttributeError):
        term.value = "y"  # type: ignore[misc]


@pytest.mark.parametrize("value, datatype", [
    (True, "boolean"), (3, "integer"), (2.5, "double"), (Decimal("1.50"), "decimal"),
    (dt.date(1953, 7, 27), "date"), (dt.datetime(2018, 6, 12, 9, 0), "dateTime"),
])
def test_python_values_round_trip(value: object, datatype: str) -> None:
    term = Term.literal(value)  # type: ignore[arg-type]
    assert term.datatype == XSD + datatype
    assert term.to_python() == value


@pytest.mark.parametrize("lexical, datatype", [
    ("forty", "integer"), ("maybe", "boolean"), ("1953-13-01", "date"), ("x", "decimal"),
    ("1953", "gYear"), ("1953-07", "gYearMonth"),
])
def test_to_python_never_guesses(lexical: str, datatype: str) -> None:
    assert Term.literal(lexical, datatype=XSD + datatype).to_python() == lexical


def test_n3_forms() -> None:
    assert Term.iri("http://a/b").n3() == "<http://a/b>"
    assert Term.bnode("b0").n3() == "_:b0"
    assert Term.literal("a\\b\"c\nd\re").n3() == '"a\\\\b\\"c\\nd\\re"'
    assert Term.literal("2", datatype=XSD + "integer").n3() == f'"2"^^<{XSD}integer>'
    assert Term.literal(float("inf")).n3() == f'"INF"^^<{XSD}double>'


@settings(max_examples=200, deadline=None)
@given(text=st.text(), lang=st.sampled_from([None, "en", "ko", "de-ch"]))
def test_n3_parses_back_to_the_same_literal(text: str, lang: str | None) -> None:
    """Any string, written by n3(), reads back unchanged in a real N-Triples parser."""
    term = Term.literal(text, lang=lang)
    line = f"<http://s> <http://p> {term.n3()} .\n"
    [quad] = list(pyoxigraph.parse(line.encode("utf-8"), pyoxigraph.RdfFormat.N_TRIPLES))
    assert quad.object.value == text
    assert quad.object.language == lang


def test_select_result_defaults() -> None:
    result = SelectResult(("x",), [])
    assert result.truncated is False
