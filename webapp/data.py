"""The app's access to the graph: one read-only store per process, cached saved-query runs.

The store path comes from ``$PEACEGRAPH_STORE`` (what ``peacegraph app --store`` sets),
read at call time so a test can point the app at its own store; with
``$PEACEGRAPH_ENDPOINT`` (``peacegraph --endpoint URL app``) the app reads that SPARQL
1.1 server instead, without credentials.

The app answers from an in-memory copy of the store (:meth:`Store.transaction_view`,
several times faster than reading from disk, about 0.6 GB of memory per million
statements) unless ``$PEACEGRAPH_REPLICA`` (``peacegraph app --replica``) says otherwise:
``auto`` (the default) copies a store of up to :data:`AUTO_MAX_STATEMENTS` statements
whose copy fits in half the memory the system has available, and reads larger ones from
disk; ``memory`` always copies; ``disk`` never does (see :func:`decide`). The store is
opened once per process and generation (``st.cache_resource``): when ``peacegraph load``
makes a new generation live (``STORE/CURRENT`` replaced), the next page run drops the old
copy, gives its memory back to the system and opens (and copies) the new generation.
Query results are cached per store version, query name and parameters, as Python objects
(``st.cache_resource``: no pickling; :func:`run` hands out copies of the rows). Nothing
here writes to the store.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from graph import queries
from graph.store import DEFAULT_STORE, Store, StoreError, give_back_memory
from graph.terms import SelectResult, Term
from ontology import GRAPH_NS, ID_NS, PG_NS, PREFIXES
from webapp import REPLICA_ENV, REPLICA_MODES

if TYPE_CHECKING:
    from graph.remote import RemoteStore

__all__ = [
    "ENV", "RDF_TYPE", "RDFS_LABEL", "RDFS_COMMENT", "PG_URL", "PROV_DERIVED",
    "REPLICA_ENV", "REPLICA_MODES", "AUTO_MAX_STATEMENTS", "Opened", "replica_mode",
    "decide", "open_store", "opened", "store_path", "store", "run", "rows", "to_param",
    "from_param", "local_name",
    "Entity", "entity", "label_of", "source_url", "category", "CATEGORIES",
    "graph_label",
]

#: The environment variable ``peacegraph app`` sets to the store path.
ENV = "PEACEGRAPH_STORE"
#: A SPARQL 1.1 query endpoint to read instead of the store directory.
ENDPOINT_ENV = "PEACEGRAPH_ENDPOINT"
#: ``auto`` copies a store into memory up to this many statements (about 3 GB of memory).
AUTO_MAX_STATEMENTS = 5_000_000
#: Memory an in-memory copy takes per statement, rounded up (measured: 0.5 GB per million).
COPY_BYTES_PER_STATEMENT = 600

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


@dataclass(frozen=True)
class Opened:
    """The store the app answers from, and how it was opened."""

    store: Store
    in_memory: bool     # an in-memory copy of the generation (else read from disk)
    statements: int     # loaded into the generation (the manifest's count)
    seconds: float      # to open it, copying included
    reason: str         # why in memory or on disk, for the reader


def replica_mode() -> str:
    """``$PEACEGRAPH_REPLICA`` (``auto`` when unset); :class:`ValueError` for another value."""
    mode = (os.environ.get(REPLICA_ENV) or "auto").strip().lower()
    if mode not in REPLICA_MODES:
        raise ValueError(f"{REPLICA_ENV}={os.environ.get(REPLICA_ENV)!r} is not one of "
                         f"{', '.join(REPLICA_MODES)} (peacegraph app --replica)")
    return mode


def decide(mode: str, statements: int, *, available: int | None = None) -> tuple[bool, str]:
    """Whether to answer from an in-memory copy, and why: ``(in_memory, reason)``.

    ``memory`` and ``disk`` decide by themselves; ``auto`` copies a store of at most
    :data:`AUTO_MAX_STATEMENTS` statements whose copy (:data:`COPY_BYTES_PER_STATEMENT`
    each) takes at most half of ``available`` bytes (when known).

    >>> decide("auto", 1_000_000, available=8 << 30)
    (True, 'auto: 1,000,000 statements fit in memory')
    >>> decide("auto", 6_000_000)[0], decide("auto", 1_000_000, available=1 << 30)[0]
    (False, False)
    >>> decide("disk", 10)
    (False, '--replica disk')
    """
    if mode != "auto":
        return mode == "memory", f"--replica {mode}"
    if statements > AUTO_MAX_STATEMENTS:
        return False, (f"auto: more than {AUTO_MAX_STATEMENTS:,} statements "
                       "(--replica memory copies them anyway)")
    need = statements * COPY_BYTES_PER_STATEMENT
    if available is not None and need > available // 2:
        return False, (f"auto: a copy (about {need / 2**30:.1f} GB) would take more than "
                       "half the available memory (--replica memory copies anyway)")
    return True, f"auto: {statements:,} statements fit in memory"


def open_store(path: str | Path, *, replica: str = "auto") -> Opened:
    """Open the store at ``path`` read-only the way the app answers from it (uncached).

    With ``replica`` deciding (see :func:`decide`) for an in-memory copy, the copy is
    made in one pass and the on-disk handle is closed: the copy then answers alone,
    whatever writers do to the store afterwards. Raises :class:`StoreError`.
    """
    started = time.perf_counter()
    disk = Store.open(path, read_only=True)
    try:
        statements = sum(entry.statements for entry in disk.manifest())
        in_memory, reason = decide(replica, statements, available=_available_memory())
        if not in_memory:
            return Opened(disk, False, statements, time.perf_counter() - started, reason)
        copy = disk.transaction_view()
    except BaseException:
        disk.close()
        raise
    disk.close()
    return Opened(copy, True, statements, time.perf_counter() - started, reason)


def _available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (``None`` where there is none)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


@st.cache_resource(show_spinner="Opening the graph (an in-memory copy takes about half a "
                                "minute per million statements)…", max_entries=1)
def _open(path: str, stamp: int, replica: str) -> Opened:
    """The store at ``path`` as the app answers from it (one per process and generation)."""
    return open_store(path, replica=replica)


#: The generation stamp :func:`_open` last opened, per store path.
_held: dict[str, int] = {}


def _opened(path: Path, replica: str) -> Opened:
    stamp = _generation_stamp(path)
    key = str(path)
    if _held.get(key, stamp) != stamp:
        # a new generation is live: drop the old copy (and the old version's results)
        # before making the new one, so that the process never holds both (a page run
        # still using the old copy keeps it until it ends)
        _open.clear()
        _run.clear()
        _entity.cache_clear()
        give_back_memory()
    _held[key] = stamp
    return _open(key, stamp, replica)


def opened() -> Opened | None:
    """How the app answers: the store and whether it is an in-memory copy (``None`` when
    it reads a SPARQL server). Call :func:`store` first: it reports errors."""
    if endpoint() is not None:
        return None
    return _opened(store_path(), replica_mode())


def store() -> Store | RemoteStore:
    """The read-only store, or a clear message and a stopped page when there is none."""
    url = endpoint()
    try:
        if url is not None:
            return _open_remote(url)
        return _opened(store_path(), replica_mode()).store
    except ValueError as exc:  # from replica_mode()
        from webapp.components import escape

        st.error(escape(f"The app cannot start: {exc}"))
        st.caption("Start it with `peacegraph app --replica auto|memory|disk`.")
        st.stop()
        raise  # unreachable: st.stop() raises
    except StoreError as exc:
        from webapp.components import escape

        st.error(escape(f"The graph cannot be opened: {exc}"))
        st.caption("Build it with `peacegraph load`, then start the app with "
                   "`peacegraph --store PATH app`.")
        st.stop()
        raise  # unreachable: st.stop() raises


# ------------------------------------------------------------------ saved queries


@st.cache_resource(show_spinner=False, max_entries=2048)
def _run(_store: Store, path: str, version: str, name: str,
         params: tuple[tuple[str, str], ...]) -> SelectResult | bool | list[Any]:
    # path and version are the cache key; _store (not hashed) is the open handle.
    # st.cache_resource keeps the result as it is; st.cache_data would pickle it once and
    # unpickle it on every read (measured at 100k statements: 0.23 s for the 4,368 rows of
    # edges-participation, half of the query's own time). run() hands out copies.
    return queries.run(_store, name, **dict(params))


def run(name: str, **params: str | None) -> SelectResult:
    """Run the saved SELECT query ``name``; ``None`` leaves a parameter unbound.

    Results are cached per store version, query and parameters; each call returns its
    own list of rows (fresh dicts over shared, immutable :class:`Term` values), so a page
    may change what it gets. Raises :class:`graph.queries.ParameterError` for a
    malformed value.
    """
    s = store()
    key = tuple(sorted((k, str(v)) for k, v in params.items() if v not in (None, "")))
    result = _run(s, str(s.path), s.version, name, key)
    if not isinstance(result, SelectResult):
        raise TypeError(f"saved query {name!r} is not a SELECT")
    return SelectResult(result.variables, [dict(row) for row in result.rows],
                        result.truncated)


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

    The query run is cached like every other; the sorted-out record is also kept per
    store version in this process, because pages ask for the labels and kinds of many
    items and copying each cached result back out would dominate.
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
