"""Shared test fixtures: the repository path, a skip-or-fail helper, the curated fixture graph."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

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
