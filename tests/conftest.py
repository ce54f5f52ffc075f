"""Shared test fixtures: the repository path, a skip-or-fail helper, the curated fixture
graph, and one store built from the bundled data per session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

#: The repository root.
REPO = Path(__file__).resolve().parent.parent
#: A tiny valid curated dataset (the schema of docs/design.md).
CURATED_FIXTURE = REPO / "tests" / "fixtures" / "curated"


@pytest.fixture
def require() -> Callable[[object, str], None]:
    """``require(condition, reason)``: skip the test with ``reason`` unless ``condition``.

    With ``PEACEGRAPH_REQUIRE_ALL=1`` in the environment the test fails instead, so a CI
    run can insist that nothing (Java, the article text, ...) is silently missing.
    """

    def _require(condition: object, reason: str) -> None:
        if condition:
            return
        if os.environ.get("PEACEGRAPH_REQUIRE_ALL") == "1":
            pytest.fail(f"{reason} (required: PEACEGRAPH_REQUIRE_ALL=1)")
        pytest.skip(reason)

    return _require


@pytest.fixture(scope="session")
def curated_graph() -> Graph:
    """The curated fixture dataset as an rdflib graph (built once; do not modify it)."""
    from loaders import curated

    graph = Graph()
    for triple in curated.triples(CURATED_FIXTURE):
        graph.add(triple)
    return graph


@pytest.fixture(scope="session")
def bundled_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding ``loaders.bundled()`` (the ontology and data/), built once per
    session and closed. Read it only: tests that write build a store of their own."""
    import loaders
    from graph.store import Store

    path = tmp_path_factory.mktemp("bundled") / "store"
    with Store.open(path, read_only=False) as store:
        for source in loaders.bundled():
            store.load(source)
    return path


@pytest.fixture(scope="session")
def bundled_store(bundled_store_path: Path) -> Iterator[Any]:
    """The bundled store, opened read-only once per session."""
    from graph.store import Store

    with Store.open(bundled_store_path, read_only=True) as store:
        yield store
