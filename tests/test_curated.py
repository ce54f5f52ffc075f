"""loaders.curated: the YAML checks (one test per kind of mistake) and the RDF shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from conftest import CURATED_FIXTURE
from loaders import LoadError, curated
from loaders.curated import CuratedDataError
from ontology.namespace import OA, PG, PGID


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture dataset at ``./data`` (the working directory is tmp_path)."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "data"
    shutil.copytree(CURATED_FIXTURE, target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) by ``new``; return the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def only_error(directory: Path) -> CuratedDataError:
    problems = curated.check(directory)
    assert len(problems) == 1, "\n".join(map(str, problems))
    with pytest.raises(CuratedDataError) as caught:
        curated.triples(directory)
    assert str(caught.value) == str(problems[0])
    return caught.value


# ------------------------------------------------------------------ the valid fixture


def test_fixture_is_valid() -> None:
    assert curated.check(CURATED_FIXTURE) == []


def test_triples_are_stable_and_have_no_blank_nodes() -> None:
    first, second = list(curated.triples(CURATED_FIXTURE)), list(curated.triples(CURATED_FIXTURE))
    assert first == second
    assert len(first) == len(set(first)), "a triple is emitted twice"
    assert not any(isinstance(term, BNode) for triple in first for term in triple)


def test_error_is_a_load_error_with_its_attributes(data: Path) -> None:
    line = edit(data / "participations.yaml", "party: state-rok", "party: state-xx")
    error = only_error(data)
    assert isinstance(error, LoadError)
    assert (error.path, error.line, error.record, error.field) == (
        "data/participations.yaml", line, "p-armistice-rok", "party")
    assert error.expected == "an id from parties.yaml"
    assert str(error) == (
        f"data/participations.yaml:{line}: record 'p-armistice-rok': field 'party': "
        "unknown party 'state-xx' (expected an id from parties.yaml)")


# ------------------------------------------------------------------ one test per mistake


def test_unknown_track(data: Path) -> None:
    line = edit(data / "precedents.yaml", "track: track-1", "track: track-9")
    error = only_error(data)
    assert (error.record, error.field, error.line) == ("pl-track-1-armistice", "track", line)
    assert "unknown track 'track-9'" in str(error)
    assert "tracks.yaml" in str(error)


def test_reference_to_the_wrong_kind_of_record(data: Path) -> None:
    edit(data / "precedents.yaml", "precedent: korean-armistice-agreement",
         "precedent: state-us")
    error = only_error(data)
    assert error.field == "precedent"
    assert "'state-us' is a party (in parties.yaml)" in str(error)


def test_bad_date(data: Path) -> None:
    line = edit(data / "participations.yaml", "date: 1953-07-27", "date: 2023-02-30")
    error = only_error(data)
    assert (error.record, error.field, error.line) == ("p-armistice-unc", "date", line)
    assert "invalid date '2023-02-30'" in str(error)


@pytest.mark.parametrize("value", ["1953-7-27", "27.07.1953", "1953-13", "'53'", "yes"])
def test_malformed_dates(data: Path, value: str) -> None:
    edit(data / "participations.yaml", "date: 1953-07-27", f"date: {value}")
    assert only_error(data).field == "date"


def test_agreement_date_is_checked_inside_dates(data: Path) -> None:
    line = edit(data / "agreements.yaml", "signed: 1990-11-19", "signed: 1990-11-31")
    error = only_error(data)
    assert (error.record, error.field, error.line) == ("cfe-treaty", "dates.signed", line)


def test_missing_source(data: Path) -> None:
    line = edit(data / "persons.yaml", "  sources: [armistice-text]\n", "")
    error = only_error(data)
    assert (error.record, error.field) == ("william-k-harrison-jr", "sources")
    assert "missing required field" in str(error)
    assert error.line == line - 4  # the record's first line


def test_empty_source_list(data: Path) -> None:
    edit(data / "persons.yaml", "sources: [armistice-text]", "sources: []")
    assert only_error(data).field == "sources"


def test_unknown_source(data: Path) -> None:
    edit(data / "persons.yaml", "sources: [armistice-text]", "sources: [armistice-txt]")
    assert "unknown source 'armistice-txt'" in str(only_error(data))


def test_duplicate_id_across_files(data: Path) -> None:
    path = data / "persons.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n- id: state-us\n  label: A second record\n"
                    "  sources: [zelikow-2018]\n", encoding="utf-8")
    line = text.count("\n") + 2
    error = only_error(data)
    assert (error.path, error.line, error.record) == ("data/persons.yaml", line, "state-us")
    assert "duplicate id 'state-us', first used in parties.yaml line 1" in str(error)


def test_invalid_id(data: Path) -> None:
    edit(data / "persons.yaml", "id: william-k-harrison-jr", "id: William_Harrison")
    first = curated.check(data)[0]  # the signatory reference to the old id is another
    assert (first.record, first.field) == ("William_Harrison", "id")
    assert "invalid id 'William_Harrison'" in str(first)


def test_unknown_field(data: Path) -> None:
    line = edit(data / "parties.yaml", "  label: Russia\n", "  lable: Russia\n")
    problems = curated.check(data)
    assert {(p.field, p.line) for p in problems} >= {("lable", line)}
    unknown = next(p for p in problems if p.field == "lable")
    assert "unknown field" in str(unknown)
    assert "label" in (unknown.expected or "")


def test_unknown_enumeration_value(data: Path) -> None:
    edit(data / "participations.yaml", "status: did-not-sign", "status: didnt-sign")
    error = only_error(data)
    assert error.field == "status"
    assert "did-not-sign" in (error.expected or "")


def test_bad_yaml_syntax_names_its_line(data: Path) -> None:
    line = edit(data / "issues.yaml", "  label: end of the Korean War\n",
                "  label: [end of the Korean War\n")
    error = only_error(data)
    assert error.path == "data/issues.yaml"
    assert error.record is None
    assert "YAML syntax error" in str(error)
    assert line <= (error.line or 0) <= line + 2


def test_duplicate_yaml_key(data: Path) -> None:
    line = edit(data / "issues.yaml", "  broader: inter-korean-relations\n",
                "  broader: inter-korean-relations\n  label: again\n")
    error = only_error(data)
    assert error.line == line + 1
    assert "twice" in str(error)


def test_non_utf8_bytes_name_the_file_and_line(data: Path) -> None:
    path = data / "parties.yaml"
    raw = path.read_bytes()
    line = raw[: raw.index(b"label: Russia")].count(b"\n") + 1
    path.write_bytes(raw.replace(b"label: Russia", b"label: R\xfcssia"))
    error = only_error(data)
    assert (error.path, error.line) == ("data/parties.yaml", line)
    assert "not UTF-8" in str(error)


def test_track_number_out_of_range(data: Path) -> None:
    edit(data / "tracks.yaml", "number: 1", "number: 7")
    error = only_error(data)
    assert error.field == "number"
    assert "1 to 6" in (error.expected or "")


def test_track_number_must_be_an_integer(data: Path) -> None:
    edit(data / "tracks.yaml", "number: 1", "number: one")
    assert only_error(data).field == "number"


def test_boolean_must_be_a_boolean(data: Path) -> None:
    edit(data / "agreements.yaml", "legally_binding: true", "legally_binding: 'true'")
    assert only_error(data).field == "legally_binding"


def test_precedent_link_without_evidence(data: Path) -> None:
    edit(data / "precedents.yaml", "  evidence: [q-armistice-null-and-void]\n", "")
    error = only_error(data)
    assert (error.record, error.field) == ("pl-track-1-armistice", "evidence")


def test_precedent_link_without_rationale(data: Path) -> None:
    text = (data / "precedents.yaml").read_text(encoding="utf-8")
    rationale = next(line for line in text.splitlines() if "rationale:" in line)
    edit(data / "precedents.yaml", rationale + "\n", "")
    assert only_error(data).field == "rationale"


def test_precedent_evidence_must_come_from_the_article(data: Path) -> None:
    edit(data / "quotes.yaml", "- id: q-public-dialogue\n  source: zelikow-2018",
         "- id: q-public-dialogue\n  source: osce-cfe")
    edit(data / "precedents.yaml", "evidence: [q-armistice-null-and-void]",
         "evidence: [q-armistice-null-and-void, q-public-dialogue]")
    error = only_error(data)
    assert "not the article" in str(error)


def test_precedent_issue_must_belong_to_the_track(data: Path) -> None:
    edit(data / "tracks.yaml", "issues: [inter-korean-relations, end-of-war]",
         "issues: [end-of-war]")
    edit(data / "precedents.yaml", "issue: end-of-war", "issue: inter-korean-relations")
    error = only_error(data)
    assert error.field == "issue"


def test_quote_offsets_must_span_the_exact_text(data: Path) -> None:
    edit(data / "quotes.yaml", "end: 8256", "end: 8257")
    error = only_error(data)
    assert (error.record, error.field) == ("q-two-plus-two", "end")


def test_uncertain_needs_a_note(data: Path) -> None:
    edit(data / "participations.yaml", "status: did-not-sign",
         "status: did-not-sign\n  uncertain: true")
    assert only_error(data).field == "note"


def test_unknown_file_name(data: Path) -> None:
    (data / "precedent.yaml").write_text("[]\n", encoding="utf-8")
    error = only_error(data)
    assert error.path == "data/precedent.yaml"


def test_broader_cycle(data: Path) -> None:
    edit(data / "issues.yaml", "- id: inter-korean-relations\n",
         "- id: inter-korean-relations\n  broader: end-of-war\n")
    assert any("cycle" in str(p) for p in curated.check(data))


def test_check_lists_every_problem(data: Path) -> None:
    edit(data / "participations.yaml", "party: state-rok", "party: state-xx")
    edit(data / "tracks.yaml", "format: two-plus-two", "format: two-plus-three")
    problems = curated.check(data)
    assert {p.field for p in problems} == {"party", "format"}
    with pytest.raises(CuratedDataError, match=r"\[1 of 2 problems\]"):
        curated.triples(data)


# ------------------------------------------------------------------ the RDF shape


def test_dates_get_the_xsd_type_of_their_precision(curated_graph: Graph) -> None:
    assert (PGID["p-armistice-unc"], PG.date, Literal("1953-07-27", datatype=XSD.date)) \
        in curated_graph
    assert (PGID["p-cfe-russia-suspended"], PG.date,
            Literal("2007-12", datatype=XSD.gYearMonth)) in curated_graph
    assert (PGID["six-party-talks"], PG.endDate, Literal("2009", datatype=XSD.gYear)) \
        in curated_graph
    assert (PGID["cfe-treaty"], PG.dateSigned, Literal("1990-11-19", datatype=XSD.date)) \
        in curated_graph


def test_participation_shape_and_back_link(curated_graph: Graph) -> None:
    p = PGID["p-armistice-rok"]
    assert (p, RDF.type, PG.Participation) in curated_graph
    assert (p, PG.party, PGID["state-rok"]) in curated_graph
    assert (p, PG.status, PG.DidNotSign) in curated_graph
    assert (PGID["korean-armistice-agreement"], PG.hasParticipation, p) in curated_graph
    assert (p, PROV.wasDerivedFrom, PGID["findatwiki-armistice"]) in curated_graph
    assert curated_graph.value(p, RDFS.label) == Literal(
        "South Korea: did not sign – Korean Armistice Agreement", lang="en")


def test_precedent_link_shape(curated_graph: Graph) -> None:
    link = PGID["pl-track-1-armistice"]
    expected = {
        (PG.track, PGID["track-1"]), (PG.precedent, PGID["korean-armistice-agreement"]),
        (PG.informsIssue, PGID["end-of-war"]), (PG.relationKind, PG.LegalBasis),
        (PG.evidence, PGID["q-armistice-null-and-void"]),
    }
    assert expected <= set(curated_graph.predicate_objects(link))
    rationale = curated_graph.value(link, PG.rationale)
    assert isinstance(rationale, Literal) and rationale.language == "en"


def test_quote_is_a_web_annotation_with_iri_selectors(curated_graph: Graph) -> None:
    quote = PGID["q-two-plus-two"]
    target = URIRef(f"{quote}/target")
    assert (quote, RDF.type, OA.Annotation) in curated_graph
    assert (quote, OA.motivatedBy, OA.describing) in curated_graph
    assert (quote, OA.hasTarget, target) in curated_graph
    assert (target, OA.hasSource, PGID["zelikow-2018"]) in curated_graph
    assert set(curated_graph.objects(target, OA.hasSelector)) == {
        URIRef(f"{quote}/quote"), URIRef(f"{quote}/position")}
    exact = curated_graph.value(URIRef(f"{quote}/quote"), OA.exact)
    assert str(exact) == "The process for this track should be “two plus two.”"
    start = curated_graph.value(URIRef(f"{quote}/position"), OA.start)
    assert start == Literal(8204, datatype=XSD.nonNegativeInteger)


def test_issue_scheme(curated_graph: Graph) -> None:
    scheme = PGID["issue-scheme"]
    assert (scheme, RDF.type, SKOS.ConceptScheme) in curated_graph
    assert curated_graph.value(scheme, RDFS.label) is not None
    assert set(curated_graph.objects(scheme, SKOS.hasTopConcept)) == {
        PGID["inter-korean-relations"]}
    for issue in (PGID["inter-korean-relations"], PGID["end-of-war"]):
        assert (issue, SKOS.inScheme, scheme) in curated_graph
        assert (issue, RDF.type, PG.Issue) in curated_graph
        assert curated_graph.value(issue, SKOS.prefLabel) is not None
    assert (PGID["end-of-war"], SKOS.broader, PGID["inter-korean-relations"]) in curated_graph


def test_article_and_sources(curated_graph: Graph) -> None:
    article = PGID["zelikow-2018"]
    assert (article, RDF.type, PG.Article) in curated_graph
    assert curated_graph.value(article, PG.url).datatype == XSD.anyURI
    assert (PGID["osce-cfe"], RDF.type, PG.Source) in curated_graph


def test_only_the_listed_direction_of_inverse_properties(curated_graph: Graph) -> None:
    for inverse in (PG.establishes, PG.verifies, PG.issueOf):
        assert not list(curated_graph.triples((None, inverse, None)))
    assert (PGID["military-armistice-commission"], PG.establishedBy,
            PGID["korean-armistice-agreement"]) in curated_graph
    assert (PGID["korean-armistice-agreement"], PG.hasVerification,
            PGID["armistice-supervision"]) in curated_graph


def test_every_curated_record_has_a_label(curated_graph: Graph) -> None:
    subjects = {s for s in curated_graph.subjects() if str(s).startswith(str(PGID))
                and "/" not in str(s)[len(str(PGID)):]}
    assert subjects
    assert not [s for s in subjects if curated_graph.value(s, RDFS.label) is None]
