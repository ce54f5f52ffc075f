"""The ontology as triples: the statements of ``ontology/peacegraph.ttl``.

The file is local and imports nothing (no ``owl:imports`` is followed: rdflib's parser
never fetches), so loading it never touches the network.

>>> from rdflib import OWL, RDF, URIRef
>>> (URIRef("https://w3id.org/peacegraph/ontology"), RDF.type, OWL.Ontology) in set(triples())
True
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import LoadError
from ontology import ONTOLOGY_TTL

if TYPE_CHECKING:
    from rdflib.term import Node

__all__ = ["triples"]


def triples(*, path: Path = ONTOLOGY_TTL) -> Iterator[tuple["Node", "Node", "Node"]]:
    """Yield every statement of the ontology file (by default the bundled one).

    The whole file is parsed before the first triple is yielded, so a syntax error
    raises :class:`~loaders.LoadError` (with the line rdflib reports) and yields nothing.
    Blank nodes (OWL lists and axioms) are rdflib ``BNode`` objects.
    """
    from rdflib import Graph

    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    except Exception as e:  # rdflib raises several unrelated types for bad Turtle
        line = getattr(e, "lines", None) or getattr(e, "line", None)
        raise LoadError(f"invalid Turtle ({type(e).__name__})", path=str(path),
                        line=line if isinstance(line, int) else None) from None
    yield from graph
