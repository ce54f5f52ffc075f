"""Tests for loaders/tabular.py: participation statuses from a CSV and a YAML mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from loaders import DEFAULT_MAPPING, LoadError
from loaders.tabular import read_mapping, triples
from ontology.namespace import PG, id_iri

DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
GYEARMONTH = URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")

FILES = Path(__file__).parent / "fixtures" / "files"
CSV = FILES / "participation.csv"
HEADER = "party,agreement,status,date,source,note,uncertain\n"


def graph(path: Path = CSV, mapping: Path = DEFAULT_MAPPING) -> Graph:
    g = Graph()
    for t in triples(path, mapping):
        g.add(t)
    return g


def write(tmp_path: Path, body: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def error_for(path: Path, mapping: Path = DEFAULT_MAPPING) -> LoadError:
    with pytest.raises(LoadError) as caught:
        triples(path, mapping)
    return caught.value


# ---------------------------------------------------------------- the example

def test_example_csv_yields_participations() -> None:
    g = graph()
    rows = set(g.subjects(RDF.type, PG.Participation))
    assert len(rows) == 3 and len(g) == 25
    acceded = id_iri("participation/npt-dprk-acceded-1985-12-12")
    assert acceded in rows
    assert g.value(acceded, PG.party) == id_iri("dprk")
    assert g.value(acceded, PG.agreement) == id_iri("npt")
    assert g.value(acceded, PG.status) == PG.Acceded            # "Accession" via the mapping
    assert g.value(acceded, PG.date) == Literal("1985-12-12", datatype=DATE)
    assert (id_iri("npt"), PG.hasParticipation, acceded) in g
    assert g.value(acceded, PROV.wasDerivedFrom) == URIRef(
        "https://nonproliferation.org/north-koreas-withdrawal-from-the-npt-a-reality-check/")
    assert g.value(acceded, RDFS.label) == Literal("dprk: acceded – npt (1985-12-12)", lang="en")
    usa = id_iri("participation/npt-usa-party")
    assert g.value(usa, PG.status) == PG.StateParty
    assert g.value(usa, PROV.wasDerivedFrom) == id_iri("example-source")
    assert g.value(usa, PG.date) is None
    withdrawal = id_iri("participation/npt-dprk-announced-withdrawal-2003-01-10")
    assert g.value(withdrawal, PG.uncertain) == Literal(True)
    assert g.value(withdrawal, PG.note) is not None


def test_no_blank_nodes_and_row_order_does_not_matter(tmp_path: Path) -> None:
    lines = CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    shuffled = write(tmp_path, lines[0] + "".join(reversed(lines[1:])))
    a, b = set(triples(CSV, DEFAULT_MAPPING)), set(triples(shuffled, DEFAULT_MAPPING))
    assert a == b
    assert all(isinstance(term, (URIRef, Literal)) for t in a for term in t)


def test_mapping_with_renamed_columns_key_column_and_defaults(tmp_path: Path) -> None:
    mapping = write(tmp_path, """\
id: cwc-status
columns: {key: Row, party: Country, status: Action, date: When}
iris: {party: iri}
statuses: {"Ratification ": ratified}
defaults: {agreement: cwc, source: opcw-list}
delimiter: ";"
""", "m.yaml")
    csv_path = write(tmp_path, "Row;Country;Action;When\n"
                               "r1;https://www.wikidata.org/wiki/Q30;ratification;1997-04\n")
    g = graph(csv_path, mapping)
    row = id_iri("cwc-status/r1")
    assert g.value(row, PG.party) == URIRef("https://www.wikidata.org/wiki/Q30")
    assert g.value(row, PG.agreement) == id_iri("cwc")
    assert g.value(row, PG.status) == PG.Ratified
    assert g.value(row, PG.date) == Literal("1997-04", datatype=GYEARMONTH)
    assert g.value(row, PROV.wasDerivedFrom) == id_iri("opcw-list")


def test_design_status_names_always_work(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "usa,npt,Voted for,1968,s1,,\nrok,npt,NOT_PARTY,,s1,,\n")
    g = graph(path)
    assert set(g.objects(None, PG.status)) == {PG.VotedFor, PG.NotParty}
    assert Literal("1968", datatype=GYEAR) in set(g.objects(None, PG.date))


def test_blank_lines_are_skipped_and_multiline_cells_keep_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n"
                 'usa,npt,party,,s1,"a note\nover two lines",\n'
                 "\n"
                 "rok,npt,sgned,,s1,,\n")
    error = error_for(path)
    assert (error.line, error.column, error.field) == (6, 3, "status")


# ---------------------------------------------------------------- errors name file, row and column

@pytest.mark.parametrize(("row", "column", "field", "words"), [
    ("usa,npt,sgned,,s1,,", 3, "status", "unknown status 'sgned'"),
    ("usa,npt,signed,1968-02-30,s1,,", 4, "date", "invalid date '1968-02-30'"),
    ("usa,npt,signed,68,s1,,", 4, "date", "invalid date"),
    (",npt,signed,,s1,,", 1, "party", "no party"),
    ("usa,npt,signed,,,,", 5, "source", "no source"),
    ("USA!,npt,signed,,s1,,", 1, "party", "invalid id 'USA!'"),
    ("usa,npt,signed,,http://bad iri,,", 5, "source", "invalid IRI"),
    ("usa,npt,signed,,s1,,maybe", 7, "uncertain", "invalid flag 'maybe'"),
    ("usa,npt,signed,,s1,,true", 7, "uncertain", "without a note"),
])
def test_bad_cells(tmp_path: Path, row: str, column: int, field: str, words: str) -> None:
    error = error_for(write(tmp_path, HEADER + "rok,npt,signed,,s1,,\n" + row + "\n"))
    assert (error.line, error.column, error.field) == (3, column, field)
    assert words in str(error)
    assert str(error).startswith(f"{tmp_path / 'x.csv'}:3:{column}: column '{field}': ")


def test_full_iri_column_must_hold_an_iri(tmp_path: Path) -> None:
    mapping = write(tmp_path, "id: m\ncolumns: {party: party, agreement: agreement, status: status,"
                              " source: source}\niris: {source: iri}\n", "m.yaml")
    error = error_for(write(tmp_path, "party,agreement,status,source\nusa,npt,signed,s1\n"), mapping)
    assert (error.line, error.field) == (2, "source") and "invalid IRI" in str(error)


def test_duplicate_row_names_both_lines(tmp_path: Path) -> None:
    error = error_for(write(tmp_path, HEADER + "usa,npt,signed,1968,s1,,\nusa,npt,Signature,1968,s2,,\n"))
    assert error.line == 3 and "repeats line 2" in str(error)


def test_wrong_field_count(tmp_path: Path) -> None:
    error = error_for(write(tmp_path, HEADER + "usa,npt,signed\n"))
    assert error.line == 2 and "row has 3 fields" in str(error)


def test_missing_header_column(tmp_path: Path) -> None:
    error = error_for(write(tmp_path, "party,agreement,state\nusa,npt,signed\n"))
    assert error.line == 1 and "no column 'status'" in str(error)


def test_duplicate_header(tmp_path: Path) -> None:
    error = error_for(write(tmp_path, "party,status,party\nusa,signed,usa\n"))
    assert (error.line, error.column) == (1, 3)


def test_unterminated_quote(tmp_path: Path) -> None:
    error = error_for(write(tmp_path, HEADER + 'usa,npt,signed,,s1,"open note,\n'))
    assert "invalid CSV" in str(error) or "fields" in str(error)
    assert error.line is not None and error.line >= 2


def test_empty_and_latin1_csv(tmp_path: Path) -> None:
    assert "is empty" in str(error_for(write(tmp_path, "")))
    path = tmp_path / "l.csv"
    path.write_bytes((HEADER + "usa,npt,signed,,s1,Caf").encode() + b"\xe9,\n")
    error = error_for(path)
    assert (error.line, error.column) == (2, 23) and "invalid UTF-8" in str(error)


def test_header_only_yields_nothing(tmp_path: Path) -> None:
    assert list(triples(write(tmp_path, HEADER), DEFAULT_MAPPING)) == []


def test_errors_come_before_any_triple(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "usa,npt,signed,,s1,,\n" * 1 + "rok,npt,bogus,,s1,,\n")
    with pytest.raises(LoadError):
        triples(path, DEFAULT_MAPPING)  # raises at the call, not half-way through iteration


# ---------------------------------------------------------------- the mapping

def test_bundled_mapping_reads() -> None:
    mapping = read_mapping(DEFAULT_MAPPING)
    assert mapping.id == "participation"
    assert mapping.statuses["accession"] == "acceded"
    assert set(mapping.columns) >= {"party", "agreement", "status", "date", "source", "note"}


@pytest.mark.parametrize(("text", "words", "line"), [
    ("id: m\ncolumns: {party: p, status: s, agreement: a}\nstatus: {}\n", "unknown key 'status'", 3),
    ("id: M!\ncolumns: {party: p, status: s, agreement: a}\n", "invalid id", 1),
    ("id: m\ncolumns: {party: p, agreement: a}\n", "no column for 'status'", 2),
    ("id: m\ncolumns: {party: p, status: s}\n", "'agreement'", 2),
    ("id: m\ncolumns: {party: p, status: s, agreement: a, colour: c}\n", "unknown role 'colour'", None),
    ("id: m\ncolumns: {party: p, status: s, agreement: a}\nstatuses:\n  Signé: sign\n",
     "unknown value 'sign'", 4),
    ("id: m\ncolumns: {party: p, status: s, agreement: a}\niris: {party: url}\n", "unknown value 'url'", None),
    ("id: m\ncolumns: [party]\n", "must be a mapping", 2),
    ("id: m\ncolumns: {party: p\n", "invalid YAML", 3),
])
def test_bad_mappings(tmp_path: Path, text: str, words: str, line: int | None) -> None:
    mapping = write(tmp_path, text, "m.yaml")
    with pytest.raises(LoadError) as caught:
        read_mapping(mapping)
    assert words in str(caught.value)
    if line is not None:
        assert caught.value.line == line
