"""The app's access to the graph: one read-only store per process, cached saved-query runs.

The store path comes from ``$PEACEGRAPH_STORE`` (what ``peacegraph app --store`` sets),
read at call time so a test can point the app at its own store; with
``$PEACEGRAPH_ENDPOINT`` (``peacegraph --endpoint URL app``) the app reads that SPARQL
1.1 server instead, without credentials. The store is opened
read-only once per process and generation (``st.cache_resource``): when ``peacegraph
load`` makes a new generation live (``STORE/CURRENT`` replaced), the next page run opens
that one. Query results are cached per store version, query name and parameters
(``st.cache_data``). Nothing here writes to the store.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from graph import queries
from graph.store import DEFAULT_STORE, Store, StoreError

if TYPE_CHECKING:
    from graph.remote import RemoteStore
from graph.terms import SelectResult, Term
from ontology import GRAPH_NS, ID_NS, PG_NS, PREFIXES

__all__ = [
    "ENV", "RDF_TYPE", "RDFS_LABEL", "RDFS_COMMENT", "PG_URL", "PROV_DERIVED",
    "store_path", "store", "run", "rows", "to_param", "from_param", "local_name",
    "Entity", "entity", "label_of", "source_url", "category", "CATEGORIES",
    "graph_label",
]

#: The environment variable ``peacegraph app`` sets to the store path.
ENV = "PEACEGRAPH_STORE"
#: A SPARQL 1.1 query endpoint to read instead of the store directory.
ENDPOINT_ENV = "PEACEGRAPH_ENDPOINT"

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDFS_COMMENT = PREFIXES["rdfs"] + "comment"
SKOS_PREF = PREFIXES["skos"] + "prefLabel"
PG_URL = PG_NS + "url"
PROV_DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
_VOCAB = tuple(ns for p, ns in PREFIXES.items() if p not in ("pgid", "pgg"))


# ------------------------------------------------------------------ the store


def store_path() -> Path:
    """The store the app reads: ``$PEACEGRAPH_STORE``, else the CLI's default."""
    return Path(os.environ.get(ENV) or DEFAULT_STORE).expanduser().absolute()


def endpoint() -> str | None:
    """The SPARQL server the app reads instead of a store directory, if any."""
    return os.environ.get(ENDPOINT_ENV) or None


@st.cache_resource(show_spinner=False, max_entries=2)
def _open_remote(url: str) -> RemoteStore:
    """A read-only connection to the server at ``url`` (one per process)."""
    from graph.remote import RemoteStore

    return RemoteStore.open(url, read_only=True)


def _generation_stamp(path: Path) -> int:
    """Changes when a writer makes a new generation live (``CURRENT`` is replaced)."""
    try:
        return (path / "CURRENT").stat().st_mtime_ns
    except OSError:
        return 0


@st.cache_resource(show_spinner=False, max_entries=2)
def _open(path: str, stamp: int) -> Store:
    """The read-only store at ``path`` (one per process and generation)."""
    return Store.open(path, read_only=True)


def store() -> Store | RemoteStore:
    """The read-only store, or a clear message and a stopped page when there is none."""
    path = store_path()
    try:
        url = endpoint()
        if url is not None:
            return _open_remote(url)
        return _open(str(path), _generation_stamp(path))
    except StoreError as exc:
        from webapp.components import escape

        st.error(escape(f"The graph cannot be opened: {exc}"))
        st.caption("Build it with `peacegraph load`, then start the app with "
                   "`peacegraph --store PATH app`.")
        st.stop()
        raise  # unreachable: st.stop() raises


# ------------------------------------------------------------------ saved queries


@st.cache_data(show_spinner=False, max_entries=2048)
def _run(_store: Store, path: str, version: str, name: str,
         params: tuple[tuple[str, str], ...]) -> SelectResult | bool | list[Any]:
    # path and version are the cache key; _store (not hashed) is the open handle
    return queries.run(_store, name, **dict(params))


def run(name: str, **params: str | None) -> SelectResult:
    """Run the saved SELECT query ``name``; ``None`` leaves a parameter unbound.

    Raises :class:`graph.queries.ParameterError` for a malformed value.
    """
    s = store()
    key = tuple(sorted((k, str(v)) for k, v in params.items() if v not in (None, "")))
    result = _run(s, str(s.path), s.version, name, key)
    if not isinstance(result, SelectResult):
        raise TypeError(f"saved query {name!r} is not a SELECT")
    return result


def rows(name: str, **params: str | None) -> list[dict[str, Term]]:
    """The rows of :func:`run`."""
    return run(name, **params).rows


# ------------------------------------------------------------------ IRIs in URLs


def to_param(iri: str) -> str:
    """The short form of an IRI for a URL: a curated id, a prefixed name, or the IRI.

    >>> to_param("https://w3id.org/peacegraph/id/cfe-treaty")
    'cfe-treaty'
    >>> to_param("https://w3id.org/peacegraph/ontology#Treaty")
    'pg:Treaty'
    """
    if iri.startswith(ID_NS) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", iri[len(ID_NS):]):
        return iri[len(ID_NS):]
    for prefix, ns in PREFIXES.items():
        rest = iri[len(ns):]
        if iri.startswith(ns) and prefix != "pgid" and re.fullmatch(r"[A-Za-z_][\w.-]*", rest):
            return f"{prefix}:{rest}"
    return iri


def from_param(text: str) -> str:
    """The full IRI of a URL value (IRI, prefixed name or curated id).

    Raises :class:`graph.queries.ParameterError` with a readable message otherwise.
    """
    return queries.bind(queries.get("entity"), {"iri": text})["iri"].value


def iri_param(page: str) -> tuple[str | None, str | None]:
    """``(given, iri)`` from the page's ``?iri=…``: what the URL says, and its full IRI.

    A malformed value shows the page title and a readable error, and gives no IRI.
    """
    given = st.query_params.get("iri")
    if not given:
        return None, None
    try:
        return given, from_param(given)
    except queries.ParameterError as exc:
        from webapp import components as ui

        ui.header(page)
        st.error(ui.escape(exc.problem))
        return given, None


def local_name(iri: str) -> str:
    """A readable fallback for an IRI without a label: its last segment.

    >>> local_name("https://w3id.org/peacegraph/ontology#hasParticipation")
    'hasParticipation'
    """
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


# ------------------------------------------------------------------ one entity


@dataclass(frozen=True)
class Entity:
    """What the ``entity`` saved query says about one IRI, sorted out for display."""

    iri: str
    label: str
    types: tuple[tuple[str, str], ...]        # (class IRI, class label), curated first
    out: tuple[dict[str, Term], ...]          # rows with direction "out"
    incoming: tuple[dict[str, Term], ...]     # rows with direction "in"

    def values(self, predicate: str) -> list[Term]:
        """The objects of ``predicate`` (outgoing)."""
        return [r["other"] for r in self.out if r["predicate"].value == predicate]

    def first(self, predicate: str) -> str | None:
        """The first object of ``predicate`` as text, or ``None``."""
        found = self.values(predicate)
        return found[0].value if found else None

    @property
    def exists(self) -> bool:
        return bool(self.out or self.incoming)


def entity(iri: str) -> Entity:
    """The ``entity`` saved query for ``iri``, sorted out.

    The query run is cached like every other (``st.cache_data``); the sorted-out record
    is also kept per store version in this process, because pages ask for the labels and
    kinds of many items and copying each cached result back out would dominate.
    """
    s = store()
    return _entity(str(s.path), s.version, iri)


@functools.lru_cache(maxsize=8192)
def _entity(path: str, version: str, iri: str) -> Entity:
    result = rows("entity", iri=iri)
    out = tuple(r for r in result if r["direction"].value == "out")
    incoming = tuple(r for r in result if r["direction"].value == "in")
    label = None
    for predicate in (RDFS_LABEL, SKOS_PREF, PREFIXES["dcterms"] + "title"):
        label = next((r["other"].value for r in out if r["predicate"].value == predicate), None)
        if label:
            break
    types: list[tuple[str, str]] = []
    for r in sorted((r for r in out if r["predicate"].value == RDF_TYPE),
                    key=lambda r: r.get("graph", Term.iri("")).value.endswith("inferred")):
        t = r["other"].value
        if t not in {x for x, _ in types}:
            types.append((t, r["otherLabel"].value if "otherLabel" in r else local_name(t)))
    return Entity(iri=iri, label=label or local_name(iri), types=tuple(types), out=out,
                  incoming=incoming)


def label_of(iri: str) -> str:
    """The label of ``iri`` in the graph, else its last segment."""
    return entity(iri).label


def source_url(iri: str) -> str | None:
    """The web address of a source record (``pg:url``), if it has one."""
    url = entity(iri).first(PG_URL)
    return url if url and re.match(r"https?://", url) else None


def graph_label(graph_iri: str) -> str:
    """A reader's name for a named graph: curated data, ontology, inferred, a file."""
    name = graph_iri[len(GRAPH_NS):] if graph_iri.startswith(GRAPH_NS) else graph_iri
    fixed = {"curated": "curated data", "ontology": "ontology", "inferred": "inferred",
             "manifest": "load manifest"}
    if name in fixed:
        return fixed[name]
    for entry in store().manifest():
        if entry.name == name:
            return f"{name} ({Path(entry.location).name})"
    return name


# ------------------------------------------------------------------ kinds of things

#: Display categories (graph colours and filters), most specific first: (name, classes).
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Track", (PG_NS + "Track",)),
    ("Agreement", (PG_NS + "Agreement",)),
    ("Process", (PG_NS + "NegotiationProcess", PG_NS + "PolicyReform", PG_NS + "Study")),
    ("Event", (PG_NS + "Event",)),
    ("Institution", (PG_NS + "Institution", PG_NS + "VerificationMechanism")),
    ("Issue", (PG_NS + "Issue",)),
    ("Party", (PG_NS + "Party", PG_NS + "Person")),
    ("Format", (PG_NS + "NegotiationFormat",)),
    ("Precedent link", (PG_NS + "PrecedentLink",)),
    ("Participation", (PG_NS + "Participation",)),
    ("Source", (PG_NS + "Source",)),
    ("Quote", (PREFIXES["oa"] + "Annotation", PREFIXES["oa"] + "SpecificResource",
               PREFIXES["oa"] + "Selector")),
)
#: Categories outside CATEGORIES.
VOCABULARY = "Vocabulary"
OTHER = "Other"


def category(iri: str) -> str:
    """The display category of a resource, from its types (and namespace)."""
    types = {t for t, _ in entity(iri).types}
    for name, classes in CATEGORIES:
        if types.intersection(classes):
            return name
    if iri.startswith(_VOCAB):
        return VOCABULARY
    return OTHER


def iris(values: Iterable[Term | None]) -> list[str]:
    """The distinct IRIs among ``values``, in order."""
    seen: dict[str, None] = {}
    for t in values:
        if t is not None and t.kind == "uri":
            seen.setdefault(t.value, None)
    return list(seen)


def six_states() -> list[tuple[str, str]]:
    """The article's six states (IRI, label) in its order, as the saved queries define them.

    ``party-status`` marks each step with the state of the six it belongs to
    (``articleState``); ``parties`` lists them first, in the article's order.
    """
    members = {r["articleState"].value for r in rows("party-status") if "articleState" in r}
    return [(r["party"].value, r["label"].value) for r in rows("parties")
            if r["party"].value in members]
