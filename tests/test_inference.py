"""graph.inference: what the store materialises into pgg:inferred."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from graph import inference
from graph.store import INFERRED_GRAPH, MANIFEST_GRAPH, Store
from graph.terms import Term
from ontology import GRAPH_NS, ID_NS, ONTOLOGY_TTL, PG_NS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
PREAMBLE = f"""@prefix pg: <{PG_NS}> . @prefix pgid: <{ID_NS}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
DATA = """
pgid:cfe a pg:Treaty ; rdfs:label "CFE Treaty"@en ; pg:dateSigned "1990-11-19"^^xsd:date .
pgid:p1 pg:agreement pgid:cfe ; pg:party pgid:usa ; pg:status pg:Ratified .
pgid:track-1 pg:hasIssue pgid:sanctions ; pg:participant pgid:usa .
pgid:c a pgid:Restricted .
pgid:Restricted rdfs:subClassOf [ a owl:Restriction ; owl:onProperty pg:party ; owl:someValuesFrom pg:Party ] .
"""


@dataclass(frozen=True)
class _Source:
    """A Source-like record whose triples come from Turtle text (or the ontology file)."""

    name: str
    loader: str
    turtle: str = field(repr=False)
    location: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.turtle.encode()).hexdigest()

    def triples(self) -> Iterator[tuple[Any, Any, Any]]:
        return iter(Graph().parse(data=self.turtle, format="turtle"))


def ontology_source() -> _Source:
    return _Source("ontology", "ontology", ONTOLOGY_TTL.read_text(encoding="utf-8"), str(ONTOLOGY_TTL))


def data_source(body: str = DATA) -> _Source:
    return _Source("curated", "curated", PREAMBLE + body, "<curated>")


@pytest.fixture(scope="module")
def inferred_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A read-only store: the real ontology plus :data:`DATA`."""
    root = tmp_path_factory.mktemp("inference") / "store"
    with Store.open(root, read_only=False) as writer:
        assert writer.load(ontology_source()).inferred == 0  # the ontology implies nothing by itself
        writer.load(data_source())
    with Store.open(root) as reader:
        yield reader


def _inferred(store: Store, s: str, p: str, o: str) -> bool:
    return store.ask(
        f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}",
        params={"s": Term.iri(s), "p": Term.iri(p), "o": Term.iri(o)},
    )


def test_a_treaty_is_an_agreement(inferred_store: Store) -> None:
    assert _inferred(inferred_store, ID_NS + "cfe", RDF_TYPE, PG_NS + "Agreement")
    assert not inferred_store.ask(
        f"ASK {{ GRAPH <{GRAPH_NS}curated> {{ pgid:cfe a pg:Agreement }} }}")


def test_has_issue_implies_issue_of_and_types(inferred_store: Store) -> None:
    store = inferred_store
    assert _inferred(store, ID_NS + "sanctions", PG_NS + "issueOf", ID_NS + "track-1")
    assert _inferred(store, ID_NS + "track-1", RDF_TYPE, PG_NS + "Track")        # domain
    assert _inferred(store, ID_NS + "sanctions", RDF_TYPE, PG_NS + "Issue")      # range
    assert _inferred(store, ID_NS + "sanctions", RDF_TYPE, SKOS_CONCEPT)         # range, then subclass


def test_inverse_declared_on_the_other_property(inferred_store: Store) -> None:
    # the ontology says pg:agreement owl:inverseOf pg:hasParticipation
    assert _inferred(inferred_store, ID_NS + "cfe", PG_NS + "hasParticipation", ID_NS + "p1")
    assert _inferred(inferred_store, ID_NS + "p1", RDF_TYPE, PG_NS + "Participation")


def test_sub_property_closure(inferred_store: Store) -> None:
    [row] = inferred_store.select(
        f"SELECT ?d WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ pgid:cfe pg:lifecycleDate ?d }} }}").rows
    assert row["d"] == Term.literal(datetime.date(1990, 11, 19))


def test_no_guessing(inferred_store: Store) -> None:
    store = inferred_store
    # pg:participant has no domain or range: nothing is typed by it
    assert not store.ask("ASK { GRAPH <%s> { pgid:usa a ?c } FILTER(?c != pg:Party) }" % INFERRED_GRAPH)
    # a class defined by a restriction (a blank node) gives no type
    assert not store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ pgid:c a ?c }} }}")


def test_inferred_holds_only_new_statements(inferred_store: Store) -> None:
    assert not inferred_store.ask(f"""ASK {{
        GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }}""")


def test_the_fixpoint_is_reached_and_scratch_graphs_are_gone(inferred_store: Store) -> None:
    for rule in inference.rules():  # ?source unbound: every graph
        assert inferred_store.construct(rule) == [], rule
    graphs = {row["g"].value for row in inferred_store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    assert graphs == {GRAPH_NS + "ontology", GRAPH_NS + "curated", MANIFEST_GRAPH, INFERRED_GRAPH}


def test_inferences_follow_the_data(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store", read_only=False) as store:
        store.load(ontology_source())
        store.load(data_source())
        assert store.ask("ASK { pgid:cfe a pg:Agreement }")
        store.load(data_source("pgid:cfe a pg:Armistice .\n"))
        assert store.ask("ASK { pgid:cfe a pg:Agreement }")
        assert not store.ask("ASK { ?s pg:issueOf ?o }")
        store.remove("ontology")
        assert not store.ask("ASK { pgid:cfe a pg:Agreement }")
        assert store.stats().graphs.get(INFERRED_GRAPH, 0) == 0


# --------------------------------------------------------------------------- incremental
def _inferred_set(store: Store) -> set[tuple[str, str, str]]:
    rows = store.select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}").rows
    return {(r["s"].value, r["p"].value, r["o"].value) for r in rows}


def _spy_infer(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per inference run, whether it was incremental."""
    import graph.store as store_module

    calls: list[bool] = []
    real = store_module._infer

    def spy(db: Any, added: Any = None, size: int = 0) -> None:
        calls.append(added is not None)
        real(db, added, size)

    monkeypatch.setattr(store_module, "_infer", spy)
    return calls


EXTRA = """
pgid:cfe a pg:Agreement .
pgid:p2 pg:agreement pgid:helsinki ; pg:party pgid:rok .
pgid:track-2 pg:hasIssue pgid:armistice .
"""


def test_adding_a_source_infers_incrementally_and_matches_a_rebuild(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _spy_infer(monkeypatch)
    with Store.open(tmp_path / "store", read_only=False) as store:
        store.load(ontology_source())
        store.load(data_source(DATA.replace("pgid:Restricted rdfs:subClassOf", "pgid:Restricted rdfs:seeAlso")))
        assert _inferred(store, ID_NS + "cfe", RDF_TYPE, PG_NS + "Agreement")
        extra = _Source("extra", "curated", PREAMBLE + EXTRA, "<extra>")
        store.load(extra)
        assert calls == [False, True, True]  # the ontology states schema: rebuilt
        incremental = _inferred_set(store)
        # what the new source states is no longer "inferred"; its consequences are
        assert (ID_NS + "cfe", RDF_TYPE, PG_NS + "Agreement") not in incremental
        assert store.ask("ASK { pgid:cfe a pg:Agreement }")
        assert (ID_NS + "helsinki", PG_NS + "hasParticipation", ID_NS + "p2") in incremental
        assert (ID_NS + "armistice", PG_NS + "issueOf", ID_NS + "track-2") in incremental
        assert (ID_NS + "armistice", RDF_TYPE, PG_NS + "Issue") in incremental
        store.load(extra, force=True)  # a reload replaces: a full rebuild
        assert calls[-1] is False
        assert _inferred_set(store) == incremental


def test_a_source_stating_schema_rebuilds_what_old_data_implies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _spy_infer(monkeypatch)
    with Store.open(tmp_path / "store", read_only=False) as store:
        store.load(ontology_source())
        store.load(data_source("pgid:x a pgid:Ceasefire .\n"))
        assert not store.ask("ASK { pgid:x a pg:Agreement }")
        store.load(_Source("schema", "curated",
                           PREAMBLE + "pgid:Ceasefire rdfs:subClassOf pg:Treaty .\n", "<schema>"))
        assert calls == [False, True, False]
        assert store.ask("ASK { pgid:x a pg:Agreement }")  # through pg:Treaty ⊑ pg:Agreement


@pytest.mark.parametrize("rule", range(len(inference.rules())))
def test_bulk_rules_conclude_exactly_what_the_lookup_rules_do(rule: int) -> None:
    import pyoxigraph as ox

    db = ox.Store()
    db.load(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_NS + "o"))
    db.load(input=PREAMBLE + DATA + EXTRA + "pgid:start a pg:Treaty .\n", format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(GRAPH_NS + "d"))

    def conclusions(sparql: str) -> set[ox.Triple]:
        return set(db.query(sparql, use_default_graph_as_union=True))  # type: ignore[arg-type]

    lookup = conclusions(inference.rules()[rule])
    assert lookup, "the data triggers every rule"
    assert conclusions(inference.rules(bulk=True)[rule]) == lookup
