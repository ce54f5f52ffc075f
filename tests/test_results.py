"""graph.results against hand-written expected outputs of the W3C result formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings, strategies as st

from graph.results import serialize, serialize_graph, short_iri, text_table
from graph.terms import SelectResult, Term

XSD = "http://www.w3.org/2001/XMLSchema#"
PGID = "https://w3id.org/peacegraph/id/"
PG = "https://w3id.org/peacegraph/ontology#"


def bnode(label: str) -> Term:
    return Term.bnode(label)


@pytest.fixture()
def result() -> SelectResult:
    """Every kind of term, an unbound value, and the characters formats must escape."""
    return SelectResult(
        ("s", "o", "x"),
        [
            {"s": Term.iri(PGID + "armistice-1953"),
             "o": Term.literal('Korean War "Armistice", 1953', lang="en"),
             "x": Term.literal("1953-07-27", datatype=XSD + "date")},
            {"s": bnode("b0"),
             "o": Term.literal("line one\nline\ttwo\r\\end"),
             "x": Term.literal("3", datatype=XSD + "integer")},
            {"s": Term.iri(PGID + "nnsc"),
             "o": Term.literal("<a> & </b> 한국", datatype=XSD + "string")},
        ],
        False,
    )


def test_csv(result: SelectResult) -> None:
    assert serialize(result, "csv") == (
        "s,o,x\r\n"
        'https://w3id.org/peacegraph/id/armistice-1953,"Korean War ""Armistice"", 1953",1953-07-27\r\n'
        '_:b0,"line one\nline\ttwo\r\\end",3\r\n'
        "https://w3id.org/peacegraph/id/nnsc,<a> & </b> 한국,\r\n"
    )


def test_tsv(result: SelectResult) -> None:
    assert serialize(result, "tsv") == (
        "?s\t?o\t?x\n"
        '<https://w3id.org/peacegraph/id/armistice-1953>\t"Korean War \\"Armistice\\", 1953"@en\t'
        '"1953-07-27"^^<http://www.w3.org/2001/XMLSchema#date>\n'
        '_:b0\t"line one\\nline\\ttwo\\r\\\\end"\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>\n'
        '<https://w3id.org/peacegraph/id/nnsc>\t"<a> & </b> 한국"\t\n'
    )


def test_tsv_rows_keep_their_columns(result: SelectResult) -> None:
    lines = serialize(result, "tsv").split("\n")
    assert lines[-1] == ""
    assert [line.count("\t") for line in lines[:-1]] == [2, 2, 2, 2]


def test_json(result: SelectResult) -> None:
    expected = {
        "head": {"vars": ["s", "o", "x"]},
        "results": {"bindings": [
            {"s": {"type": "uri", "value": PGID + "armistice-1953"},
             "o": {"type": "literal", "value": 'Korean War "Armistice", 1953', "xml:lang": "en"},
             "x": {"type": "literal", "value": "1953-07-27", "datatype": XSD + "date"}},
            {"s": {"type": "bnode", "value": "b0"},
             "o": {"type": "literal", "value": "line one\nline\ttwo\r\\end"},
             "x": {"type": "literal", "value": "3", "datatype": XSD + "integer"}},
            {"s": {"type": "uri", "value": PGID + "nnsc"},
             "o": {"type": "literal", "value": "<a> & </b> 한국"}},
        ]},
    }
    text = serialize(result, "json")
    assert json.loads(text) == expected
    assert text.endswith("}\n") and "한국" in text  # UTF-8, not \u escapes


def test_xml(result: SelectResult) -> None:
    assert serialize(result, "xml") == """\
<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#">
  <head>
    <variable name="s"/>
    <variable name="o"/>
    <variable name="x"/>
  </head>
  <results>
    <result>
      <binding name="s"><uri>https://w3id.org/peacegraph/id/armistice-1953</uri></binding>
      <binding name="o"><literal xml:lang="en">Korean War "Armistice", 1953</literal></binding>
      <binding name="x"><literal datatype="http://www.w3.org/2001/XMLSchema#date">1953-07-27</literal></binding>
    </result>
    <result>
      <binding name="s"><bnode>b0</bnode></binding>
      <binding name="o"><literal>line one
line\ttwo&#13;\\end</literal></binding>
      <binding name="x"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">3</literal></binding>
    </result>
    <result>
      <binding name="s"><uri>https://w3id.org/peacegraph/id/nnsc</uri></binding>
      <binding name="o"><literal>&lt;a&gt; &amp; &lt;/b&gt; 한국</literal></binding>
    </result>
  </results>
</sparql>
"""


def test_xml_round_trips_through_a_parser(result: SelectResult) -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(serialize(result, "xml").encode())
    literals = [e.text for e in root.iterfind(".//r:binding[@name='o']/r:literal", ns)]
    assert literals == [row["o"].value for row in result.rows]


def test_xml_refuses_what_xml_cannot_carry() -> None:
    r = SelectResult(("o",), [{"o": Term.literal("bell\x07")}], False)
    with pytest.raises(ValueError, match="U\\+0007"):
        serialize(r, "xml")


@pytest.mark.parametrize(("fmt", "yes", "no"), [
    ("csv", "true\r\n", "false\r\n"),
    ("tsv", "true\n", "false\n"),
    ("json", '{"head":{},"boolean":true}\n', '{"head":{},"boolean":false}\n'),
    ("xml", '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
            "  <head/>\n  <boolean>true</boolean>\n</sparql>\n", None),
    ("table", "true\n", "false\n"),
])
def test_ask(fmt: str, yes: str, no: str | None) -> None:
    assert serialize(True, fmt) == yes
    if no is not None:
        assert serialize(False, fmt) == no


def test_no_rows() -> None:
    empty = SelectResult(("a", "b"), [], False)
    assert serialize(empty, "csv") == "a,b\r\n"
    assert serialize(empty, "tsv") == "?a\t?b\n"
    assert json.loads(serialize(empty, "json")) == {"head": {"vars": ["a", "b"]},
                                                    "results": {"bindings": []}}
    assert serialize(empty, "table") == "a  b\n-  -\n0 rows\n"


def test_table(result: SelectResult) -> None:
    assert serialize(result, "table") == (
        "s                    o                             x\n"
        "-------------------  ----------------------------  ----------\n"
        'pgid:armistice-1953  Korean War "Armistice", 1953  1953-07-27\n'
        "_:b0                 line one↵line two↵\\end        3\n"
        "pgid:nnsc            <a> & </b> 한국\n"
        "3 rows\n"
    )


def test_table_prefixes_truncation_and_wide_characters() -> None:
    r = SelectResult(
        ("c", "label", "n"),
        [{"c": Term.iri(PG + "Treaty"), "label": Term.literal("가" * 40, lang="ko"),
          "n": Term.literal("12", datatype=XSD + "integer")},
         {"c": Term.iri("http://example.org/other"), "label": Term.literal("x"),
          "n": Term.literal("3", datatype=XSD + "integer")}],
        True,
    )
    assert serialize(r, "table", max_width=11) == (
        "c            label         n\n"
        "-----------  -----------  --\n"
        "pg:Treaty    가가가가가…  12\n"
        "<http://ex…  x             3\n"
        "2 rows (truncated at 2 rows)\n"
    )


def test_one_row_footer() -> None:
    r = SelectResult(("a",), [{"a": Term.literal("x")}], False)
    assert serialize(r, "table").endswith("\n1 row\n")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown result format 'yaml'"):
        serialize(True, "yaml")
    with pytest.raises(ValueError, match="unknown graph format 'csv'"):
        serialize_graph([], "csv")


def test_short_iri_takes_the_longest_namespace() -> None:
    assert short_iri(PGID + "track-4") == "pgid:track-4"
    assert short_iri("https://w3id.org/peacegraph/graph/curated") == "pgg:curated"
    assert short_iri(PGID) == f"<{PGID}>"  # the bare namespace is not a name


def test_text_table() -> None:
    assert text_table(["a", "bb"], [["1", "2"], ["333", ""]], right=[True, False]) == (
        "  a  bb\n"
        "---  --\n"
        "  1  2\n"
        "333\n"
    )


TRIPLES = [
    (Term.iri(PGID + "nnsc"), Term.iri("http://www.w3.org/2000/01/rdf-schema#label"),
     Term.literal('Neutral "Nations"\nCommission', lang="en")),
    (Term.iri(PGID + "nnsc"), Term.iri(PG + "seat"), Term.literal("0042", datatype=XSD + "integer")),
    (bnode("x1"), Term.iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), Term.iri(PG + "Treaty")),
]


def test_ntriples_sorted_unique_escaped() -> None:
    assert serialize_graph(TRIPLES + TRIPLES[:1], "nt") == (
        "<https://w3id.org/peacegraph/id/nnsc> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"Neutral \\"Nations\\"\\nCommission"@en .\n'
        "<https://w3id.org/peacegraph/id/nnsc> <https://w3id.org/peacegraph/ontology#seat> "
        '"0042"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        "_:x1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/peacegraph/ontology#Treaty> .\n"
    )


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")])
def test_graph_formats_round_trip(fmt: str, rdflib_format: str) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    text = serialize_graph(TRIPLES, fmt)
    parsed = Graph().parse(data=text, format=rdflib_format)
    expected = Graph().parse(data=serialize_graph(TRIPLES, "nt"), format="nt")
    assert len(parsed) == 3 and isomorphic(parsed, expected)
    assert "0042" in text  # the lexical form is kept, not normalised to 42


def test_turtle_uses_the_prefixes() -> None:
    text = serialize_graph(TRIPLES, "ttl")
    assert "@prefix pgid: <https://w3id.org/peacegraph/id/> ." in text
    assert "pgid:nnsc" in text and "pg:Treaty" in text


def test_jsonld() -> None:
    doc = json.loads(serialize_graph(TRIPLES, "jsonld"))
    assert doc["@context"]["pgid"] == PGID
    assert doc["@graph"] == [
        {"@id": "_:x1", "@type": ["pg:Treaty"]},
        {"@id": "pgid:nnsc",
         "pg:seat": [{"@value": "0042", "@type": "xsd:integer"}],
         "rdfs:label": [{"@value": 'Neutral "Nations"\nCommission', "@language": "en"}]},
    ]


# --------------------------------------------------------------------------- properties


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"),
                                  whitelist_characters="\t\n\r"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_text, min_size=2, max_size=2), max_size=5))
def test_csv_parses_back_to_the_values(values: list[list[str]]) -> None:
    import csv
    import io

    r = SelectResult(("a", "b"), [{"a": Term.literal(x), "b": Term.literal(y)} for x, y in values], False)
    parsed = list(csv.reader(io.StringIO(serialize(r, "csv"), newline="")))
    assert parsed == [["a", "b"], *values]


@settings(max_examples=200, deadline=None)
@given(st.lists(_text, max_size=5))
def test_tsv_keeps_one_line_per_row(values: list[str]) -> None:
    r = SelectResult(("a",), [{"a": Term.literal(x)} for x in values], False)
    lines = serialize(r, "tsv").split("\n")
    assert len(lines) == len(values) + 2 and lines[-1] == ""
    assert all("\t" not in line and "\r" not in line for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(_xml_text, max_size=5))
def test_json_and_xml_parse_back_to_the_values(values: list[str]) -> None:
    r = SelectResult(("a",), [{"a": Term.literal(x)} for x in values], False)
    doc = json.loads(serialize(r, "json"))
    assert [b["a"]["value"] for b in doc["results"]["bindings"]] == values
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(serialize(r, "xml").encode())
    assert [e.text or "" for e in root.iterfind(".//r:literal", ns)] == values
