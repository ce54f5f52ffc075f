"""ontology/peacegraph.ttl: the closed namespace matches it, every term is documented,
and the curated data uses only declared terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import CURATED_FIXTURE, REPO
from ontology import ONTOLOGY_IRI, ONTOLOGY_TTL, PG_NS
from ontology.namespace import OA, PG

DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                OWL.NamedIndividual)
#: RDF and RDFS terms every RDF tool knows; they need no declaration.
BUILT_IN = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def declared(graph: Graph) -> set[URIRef]:
    return {s for kind in DECLARATIONS for s in graph.subjects(RDF.type, kind)
            if isinstance(s, URIRef)}


def names(namespace: type) -> set[str]:
    return {name for name in namespace.__annotations__ if not name.startswith("_")}


def test_parses_with_version_iri(ontology: Graph) -> None:
    root = URIRef(ONTOLOGY_IRI)
    assert (root, RDF.type, OWL.Ontology) in ontology
    version = ontology.value(root, OWL.versionIRI)
    assert isinstance(version, URIRef) and str(version).startswith(ONTOLOGY_IRI + "/")


def test_no_imports(ontology: Graph) -> None:
    assert not list(ontology.triples((None, OWL.imports, None)))


def test_every_python_term_is_declared(ontology: Graph) -> None:
    missing = sorted(name for name in names(PG) if URIRef(PG_NS + name) not in declared(ontology))
    assert not missing, f"in ontology/namespace.py but not declared in peacegraph.ttl: {missing}"


def test_every_declared_term_is_in_python(ontology: Graph) -> None:
    in_ttl = {str(term)[len(PG_NS):] for term in declared(ontology) if str(term).startswith(PG_NS)}
    missing = sorted(in_ttl - names(PG))
    assert not missing, f"declared in peacegraph.ttl but not in ontology/namespace.py: {missing}"


def test_every_oa_term_is_declared(ontology: Graph) -> None:
    missing = sorted(name for name in names(OA) if OA[name] not in declared(ontology))
    assert not missing


def test_no_pg_term_is_used_undeclared(ontology: Graph) -> None:
    used = {term for triple in ontology for term in triple
            if isinstance(term, URIRef) and str(term).startswith(PG_NS)}
    assert not sorted(used - declared(ontology))


def test_every_term_has_an_english_label_and_comment(ontology: Graph) -> None:
    undocumented = []
    for term in sorted(declared(ontology)):
        if not str(term).startswith(PG_NS):
            continue
        for prop in (RDFS.label, RDFS.comment):
            values = [v for v in ontology.objects(term, prop)
                      if isinstance(v, Literal) and v.language == "en" and str(v).strip()]
            if not values:
                undocumented.append(f"{term} has no English {prop.n3(ontology.namespace_manager)}")
    assert not undocumented, "\n".join(undocumented)


def test_every_reused_term_has_a_label(ontology: Graph) -> None:
    unlabelled = sorted(term for term in declared(ontology)
                        if not str(term).startswith(PG_NS)
                        and ontology.value(term, RDFS.label) is None)
    assert not unlabelled


def curated_directory() -> Path:
    data = REPO / "data"
    return data if (data / "tracks.yaml").is_file() else CURATED_FIXTURE


def test_curated_output_uses_only_declared_terms(ontology: Graph) -> None:
    from loaders import curated

    known = declared(ontology) | BUILT_IN
    undeclared: set[URIRef] = set()
    for s, p, o in curated.triples(curated_directory()):
        if p not in known:
            undeclared.add(p)  # type: ignore[arg-type]
        if p == RDF.type and o not in known:
            undeclared.add(o)  # type: ignore[arg-type]
        if isinstance(o, URIRef) and str(o).startswith(PG_NS) and o not in known:
            undeclared.add(o)
    assert not undeclared, f"used by loaders.curated but not declared: {sorted(undeclared)}"
