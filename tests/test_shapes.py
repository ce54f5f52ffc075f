"""ontology/shapes.ttl through graph.validate.shacl: the data conforms, each mistake is caught."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, XSD

from conftest import REPO
from graph import validate
from graph.validate import Report
from ontology.namespace import OA, PG, PGID

Require = Callable[[object, str], None]


def mutated(graph: Graph) -> Graph:
    """A copy of ``graph`` to make a mistake in (the session fixture stays intact)."""
    copy = Graph()
    copy += graph
    return copy


def assert_caught(report: Report, focus: URIRef, *words: str) -> None:
    """The report fails, names ``focus`` and says each of ``words`` about it."""
    assert not report.conforms
    about = [p for p in report.problems if p.focus == str(focus)]
    assert about, f"nothing reported about {focus}:\n{report.text()}"
    assert any(all(w.lower() in p.message.lower() for w in words) for p in about), \
        f"no message about {focus} says {words}:\n{report.text()}"
    short = "pgid:" + str(focus).removeprefix(str(PGID))
    assert short in report.text()


def synthetic_text(graph: Graph) -> str:
    """A stand-in article text holding every quote of the graph at its offsets."""
    chars: dict[int, str] = {}
    for quote in graph.subjects(OA.exact, None):
        exact = str(graph.value(quote, OA.exact))
        prefix = str(graph.value(quote, OA.prefix))
        suffix = str(graph.value(quote, OA.suffix))
        position = URIRef(str(quote).removesuffix("/quote") + "/position")
        start = int(graph.value(position, OA.start))  # type: ignore[arg-type]
        for offset, char in enumerate(prefix + exact + suffix, start=start - len(prefix)):
            chars[offset] = char
    return "".join(chars.get(i, "~") for i in range(max(chars) + 1))


@pytest.fixture(scope="module")
def fixture_report(curated_graph: Graph) -> Report:
    return validate.shacl(curated_graph)


# ------------------------------------------------------------------ conforming data


def test_fixture_conforms(fixture_report: Report) -> None:
    assert fixture_report.conforms, fixture_report.text()
    assert fixture_report.problems == ()


def test_fixture_quotes_match_a_text(curated_graph: Graph) -> None:
    report = validate.shacl(curated_graph, article_text=synthetic_text(curated_graph))
    assert report.conforms, report.text()


def test_fixture_quotes_match_the_article(curated_graph: Graph, require: Require) -> None:
    article = validate.find_article()
    require(article is not None and article.is_file(),
            "the article text is not available ($PEACEGRAPH_ARTICLE or "
            "../shared/reference/source-article.txt)")
    assert article is not None
    report = validate.shacl(curated_graph, article_text=article.read_text(encoding="utf-8"))
    assert report.conforms, report.text()


def test_bundled_data_conforms(require: Require) -> None:
    from loaders import curated

    data = REPO / "data"
    require(all((data / name).is_file() for name in (
        "tracks.yaml", "precedents.yaml", "participations.yaml")),
        "data/ is not complete yet (tracks, precedents and participations are needed)")
    graph = Graph()
    for triple in curated.triples(data):
        graph.add(triple)
    article = validate.find_article()
    text = article.read_text(encoding="utf-8") if article and article.is_file() else None
    report = validate.shacl(graph, article_text=text)
    assert report.conforms, report.text()


def test_validation_does_not_modify_the_data(curated_graph: Graph) -> None:
    before = len(curated_graph)
    validate.shacl(curated_graph, article_text="some text")
    assert len(curated_graph) == before
    assert not list(curated_graph.triples((None, URIRef(validate.FULL_TEXT), None)))


# ------------------------------------------------------------------ precedent links

LINK = PGID["pl-track-1-armistice"]


@pytest.mark.parametrize("predicate, words", [
    (PG.evidence, ("evidence",)),
    (PG.rationale, ("rationale",)),
    (PG.track, ("track",)),
    (PG.precedent, ("precedent",)),
    (PG.relationKind, ("relation kind",)),
    (PG.informsIssue, ("issue",)),
])
def test_precedent_link_missing_a_part(curated_graph: Graph, predicate: URIRef,
                                       words: tuple[str, ...]) -> None:
    graph = mutated(curated_graph)
    graph.remove((LINK, predicate, None))
    assert_caught(validate.shacl(graph), LINK, *words)


def test_precedent_link_with_empty_rationale(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.set((LINK, PG.rationale, Literal("", lang="en")))
    assert_caught(validate.shacl(graph), LINK, "rationale")


def test_precedent_link_to_a_party(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.set((LINK, PG.precedent, PGID["state-us"]))
    assert_caught(validate.shacl(graph), LINK, "precedent")


def test_precedent_evidence_not_from_the_article(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    target = URIRef(str(PGID["q-armistice-null-and-void"]) + "/target")
    graph.set((target, OA.hasSource, PGID["armistice-text"]))
    assert_caught(validate.shacl(graph), LINK, "not from the article")


def test_precedent_issue_outside_its_track(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.remove((PGID["track-1"], PG.hasIssue, PGID["inter-korean-relations"]))
    graph.set((LINK, PG.informsIssue, PGID["inter-korean-relations"]))
    assert_caught(validate.shacl(graph), LINK, "not an issue of its track")


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize("value", [
    Literal("27 July 1953"),
    Literal("1953-07-27"),  # a plain string, not an xsd:date
    Literal("2023-02-30", datatype=XSD.date),
    Literal("1953-07", datatype=XSD.date),
    Literal("1953-13", datatype=XSD.gYearMonth),
    Literal("53", datatype=XSD.gYear),
    Literal(1953),
])
def test_bad_date(curated_graph: Graph, value: Literal) -> None:
    graph = mutated(curated_graph)
    subject = PGID["p-armistice-unc"]
    graph.set((subject, PG.date, value))
    assert_caught(validate.shacl(graph), subject, "date")


def test_bad_agreement_date(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    subject = PGID["cfe-treaty"]
    graph.set((subject, PG.dateSigned, Literal("19 November 1990")))
    assert_caught(validate.shacl(graph), subject, "dateSigned")


# ------------------------------------------------------------------ participations


@pytest.mark.parametrize("predicate, words", [
    (PG.status, ("status",)), (PG.party, ("party",)), (PG.agreement, ("agreement",)),
])
def test_participation_missing_a_part(curated_graph: Graph, predicate: URIRef,
                                      words: tuple[str, ...]) -> None:
    graph = mutated(curated_graph)
    subject = PGID["p-armistice-rok"]
    graph.remove((subject, predicate, None))
    assert_caught(validate.shacl(graph), subject, *words)


def test_participation_with_two_statuses(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    subject = PGID["p-armistice-rok"]
    graph.add((subject, PG.status, PG.Signed))
    assert_caught(validate.shacl(graph), subject, "status")


def test_uncertain_without_note(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    subject = PGID["p-armistice-rok"]
    graph.add((subject, PG.uncertain, Literal(True)))
    assert_caught(validate.shacl(graph), subject, "uncertain", "note")


# ------------------------------------------------------------------ tracks


@pytest.mark.parametrize("number", [0, 7, -1])
def test_track_number_out_of_range(curated_graph: Graph, number: int) -> None:
    graph = mutated(curated_graph)
    track = PGID["track-1"]
    graph.set((track, PG.trackNumber, Literal(number)))
    assert_caught(validate.shacl(graph), track, "1 to 6")


def test_track_number_not_an_integer(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    track = PGID["track-1"]
    graph.set((track, PG.trackNumber, Literal("1")))
    assert_caught(validate.shacl(graph), track, "integer")


def test_two_tracks_with_one_number(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    track, other = PGID["track-1"], PGID["track-x"]
    for p, o in curated_graph.predicate_objects(track):
        graph.add((other, p, o))
    assert_caught(validate.shacl(graph), track, "also has")


# ------------------------------------------------------------------ labels and sources

RESOURCES = ["state-rok", "korean-armistice-agreement", "cfe-treaty", "six-party-talks",
             "end-of-war", "track-1", "two-plus-two", "william-k-harrison-jr",
             "military-armistice-commission", "armistice-supervision",
             "peace-dialogue-2018-06", "p-armistice-unc", "pl-track-1-armistice",
             "q-two-plus-two"]


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_without_label(curated_graph: Graph, name: str) -> None:
    graph = mutated(curated_graph)
    graph.remove((PGID[name], RDFS.label, None))
    assert_caught(validate.shacl(graph), PGID[name], "label")


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_without_source(curated_graph: Graph, name: str) -> None:
    graph = mutated(curated_graph)
    graph.remove((PGID[name], PROV.wasDerivedFrom, None))
    assert_caught(validate.shacl(graph), PGID[name], "source")


def test_source_without_url(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.remove((PGID["osce-cfe"], PG.url, None))
    assert_caught(validate.shacl(graph), PGID["osce-cfe"], "URL")


# ------------------------------------------------------------------ quotes against the text

QUOTE = PGID["q-two-plus-two"]


def test_quote_not_found_in_the_text(curated_graph: Graph) -> None:
    text = synthetic_text(curated_graph)
    graph = mutated(curated_graph)
    graph.set((URIRef(f"{QUOTE}/quote"), OA.exact,
               Literal("The process for this track should be “two plus four.”")))
    assert_caught(validate.shacl(graph, article_text=text), QUOTE, "exact text")


def test_quote_at_the_wrong_offset(curated_graph: Graph) -> None:
    text = synthetic_text(curated_graph)
    graph = mutated(curated_graph)
    position = URIRef(f"{QUOTE}/position")
    graph.set((position, OA.start, Literal(8205, datatype=XSD.nonNegativeInteger)))
    graph.set((position, OA.end, Literal(8257, datatype=XSD.nonNegativeInteger)))
    report = validate.shacl(graph, article_text=text)
    assert_caught(report, QUOTE, "exact text")
    assert_caught(report, QUOTE, "prefix")


def test_quote_with_a_wrong_suffix(curated_graph: Graph) -> None:
    text = synthetic_text(curated_graph)
    graph = mutated(curated_graph)
    graph.set((URIRef(f"{QUOTE}/quote"), OA.suffix, Literal(" As the three Koreas")))
    assert_caught(validate.shacl(graph, article_text=text), QUOTE, "suffix")


def test_quote_check_needs_the_text(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.set((URIRef(f"{QUOTE}/quote"), OA.exact, Literal("not in any text")))
    assert validate.shacl(graph).conforms  # silent without the text
    report = validate.shacl(graph, article_text=synthetic_text(curated_graph),
                            article_source=str(PGID["osce-cfe"]))
    assert report.conforms  # the text given is another source's


def test_quote_without_offsets(curated_graph: Graph) -> None:
    graph = mutated(curated_graph)
    graph.remove((URIRef(f"{QUOTE}/position"), OA.start, None))
    assert_caught(validate.shacl(graph), QUOTE, "start")


# ------------------------------------------------------------------ the shapes file


def shapes() -> Iterator[tuple[URIRef, Graph]]:
    from rdflib import RDF
    from rdflib.namespace import SH

    from ontology import SHAPES_TTL

    graph = Graph().parse(SHAPES_TTL)
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)):
        yield shape, graph


def test_every_shape_explains_itself() -> None:
    from rdflib.namespace import SH

    found = list(shapes())
    assert len(found) >= 8
    for shape, graph in found:
        assert graph.value(shape, RDFS.comment) or graph.value(shape, SH.message), shape
        for prop in graph.objects(shape, SH.property):
            assert graph.value(prop, SH.message), (shape, graph.value(prop, SH.path))
        for constraint in graph.objects(shape, SH.sparql):
            assert graph.value(constraint, SH.message), shape


def test_full_text_is_not_an_ontology_term() -> None:
    from ontology import ONTOLOGY_TTL

    assert validate.FULL_TEXT not in Path(ONTOLOGY_TTL).read_text(encoding="utf-8")
