"""The peacegraph ontology: where its files are and the IRIs everything shares.

The OWL ontology (``peacegraph.ttl``) and the SHACL shapes (``shapes.ttl``) beside this
module are the source of truth. This module is plain strings and paths, so the command
line's query path can use it without importing rdflib; the closed rdflib namespaces
(``PG``, ``OA``) live in :mod:`ontology.namespace`.

>>> ONTOLOGY_TTL.name
'peacegraph.ttl'
>>> PREFIXES["pg"]
'https://w3id.org/peacegraph/ontology#'
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "HERE", "ONTOLOGY_TTL", "SHAPES_TTL", "ONTOLOGY_IRI", "ONTOLOGY_VERSION",
    "PG_NS", "ID_NS", "GRAPH_NS", "PREFIXES",
]

HERE = Path(__file__).resolve().parent
ONTOLOGY_TTL = HERE / "peacegraph.ttl"
SHAPES_TTL = HERE / "shapes.ttl"
ONTOLOGY_IRI = "https://w3id.org/peacegraph/ontology"
ONTOLOGY_VERSION = "0.1.0"
PG_NS = ONTOLOGY_IRI + "#"
ID_NS = "https://w3id.org/peacegraph/id/"
GRAPH_NS = "https://w3id.org/peacegraph/graph/"

#: Prefixes used in queries, serialisations and the app.
PREFIXES: dict[str, str] = {
    "pg": PG_NS,
    "pgid": ID_NS,
    "pgg": GRAPH_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
}
