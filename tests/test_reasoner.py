"""OWL consistency of the ontology (and the curated fixture) under HermiT, via owlready2."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, XSD

from graph import validate
from ontology.namespace import PG, PGID

pytestmark = [pytest.mark.java, pytest.mark.slow]

Require = Callable[[object, str], None]


@pytest.fixture
def java(require: Require) -> None:
    require(shutil.which("java") is not None,
            "Java is not on PATH: the HermiT reasoner (owlready2) needs it")


def with_data(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


def test_ontology_is_consistent(java: None) -> None:
    report = validate.owl_consistency()
    assert report.conforms, report.text()


def test_ontology_with_the_fixture_data_is_consistent(java: None, curated_graph: Graph) -> None:
    report = validate.owl_consistency(data=curated_graph)
    assert report.conforms, report.text()


def test_disjoint_classes_are_detected(java: None, curated_graph: Graph) -> None:
    data = with_data(curated_graph)
    data.add((PGID["track-1"], RDF.type, PG.Agreement))  # pg:Track and pg:Agreement are disjoint
    report = validate.owl_consistency(data=data)
    assert not report.conforms
    assert any(p.focus == str(PGID["track-1"]) and "disjoint" in p.message
               for p in report.problems), report.text()


def test_disjointness_through_a_range_is_detected(java: None, curated_graph: Graph) -> None:
    data = with_data(curated_graph)
    # pg:status has the range pg:ParticipationStatus, disjoint with pg:Party
    data.add((PGID["p-armistice-rok"], PG.status, PGID["state-us"]))
    report = validate.owl_consistency(data=data)
    assert not report.conforms
    assert any(p.focus == str(PGID["state-us"]) for p in report.problems), report.text()


def test_dates_outside_the_owl_datatype_map_are_tolerated(java: None) -> None:
    data = Graph()
    data.add((PGID["x"], RDF.type, PG.Event))
    data.add((PGID["x"], PG.date, Literal("2018-06", datatype=XSD.gYearMonth)))
    data.add((PGID["x"], PG.startDate, Literal("1953-07-27", datatype=XSD.date)))
    assert validate.owl_consistency(data=data).conforms


def test_missing_java_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(validate.JavaMissing, match="needs Java"):
        validate.owl_consistency()
