"""The embedded store: an Oxigraph dataset kept in generations, one named graph per source.

This is the only module that imports pyoxigraph; every verb returns plain Python
(:class:`graph.terms.Term`, :class:`graph.terms.SelectResult`, frozen records).

Layout of a store directory::

    STORE/lock            a writer holds flock(LOCK_EX|LOCK_NB) on it for its whole life
    STORE/CURRENT         the name of the live generation (replaced atomically)
    STORE/gen-000001/     Oxigraph (RocksDB) stores, one per committed change
    STORE/gen-000002/

Readers open the generation ``CURRENT`` names, read-only, and see it unchanged for as
long as they keep it open: a writer never writes to a committed generation. A change
(:meth:`Store.load`, :meth:`Store.remove`) makes a hard-linked checkpoint of the live
generation into a new directory, writes there, updates ``pgg:inferred``, flushes and
fsyncs it, and only then points ``CURRENT`` at it (write-temp, fsync, ``os.replace``).
So either the full change succeeds, or nothing is written: an exception deletes the new
generation, and a process killed at any point leaves ``CURRENT`` on the old or the new
generation, never a mix. The newest two generations are kept; older ones are deleted
once no read-only handle has them open (each holds a shared lock on its generation), so a
long-lived reader should reopen once :attr:`Store.stale` is true, to give the disk back.

Named graphs: each source in ``pgg:<name>``; ``pgg:inferred`` (see :mod:`graph.inference`);
``pgg:manifest``, which describes each loaded source with the manifest vocabulary
(:data:`MANIFEST_NS`, ``https://w3id.org/peacegraph/manifest#``; the ontology has no terms
for load bookkeeping, so none are borrowed from it)::

    pgg:curated pgm:name "curated" ; pgm:location "data" ; pgm:loader "curated" ;
        pgm:sha256 "9f2c…" ; pgm:loadedAt "2026-11-26T10:00:00Z"^^xsd:dateTime ;
        pgm:statements 4210 .

RDF files (``loader == "rdf"``) are written by a child process under an address-space
limit (:data:`LOAD_MEMORY_LIMIT`, env ``PEACEGRAPH_LOAD_MEMORY`` in bytes) and a
wall-clock limit (:data:`LOAD_TIME_LIMIT`, env ``PEACEGRAPH_LOAD_TIMEOUT`` in seconds):
a parser crash kills the child, not the caller. Triples-only formats use Oxigraph's
native ``bulk_load``, which parses and sorts on one core: an N-Triples file of 8 MiB or
more without blank nodes is cut at line ends into one part per core, bulk-loaded on
threads at once (a syntax error still names the file's line). For dataset formats
(N-Quads, TriG, JSON-LD) the file's own graph names are dropped and every statement
goes into ``pgg:<name>``. Blank nodes are renamed per load, so two sources never share
one.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
...     store.select("SELECT ?s WHERE { ?s ?p ?o }").rows
[]
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, overload

import pyoxigraph as ox

from graph.terms import SelectResult, Term, canonical_term
from ontology import GRAPH_NS, PREFIXES

# The writer's modules (hashlib, shutil, subprocess, signal, traceback, fcntl,
# concurrent.futures, graph.inference) are imported inside the functions that use them:
# a read-only open for one query (the command line's cold start) needs none of them.

__all__ = [
    "DEFAULT_STORE", "MANIFEST_NS", "MANIFEST_GRAPH", "INFERRED_GRAPH",
    "LOAD_MEMORY_LIMIT", "LOAD_TIME_LIMIT", "KEEP_GENERATIONS", "DUMP_FORMATS",
    "Store", "StoreError", "StoreLocked", "StoreNotFound", "SourceSyntaxError",
    "QuerySyntaxError", "LoadReport", "ManifestEntry", "Stats", "SourceLike",
    "give_back_memory",
]

#: Where the store lives unless told otherwise: ``$PEACEGRAPH_STORE`` or ``./.peacegraph/store``.
DEFAULT_STORE: Path = Path(os.environ.get("PEACEGRAPH_STORE") or ".peacegraph/store")
#: The manifest vocabulary (prefix ``pgm:``): name, location, sha256, loader, loadedAt, statements.
MANIFEST_NS = "https://w3id.org/peacegraph/manifest#"
MANIFEST_GRAPH = GRAPH_NS + "manifest"
INFERRED_GRAPH = GRAPH_NS + "inferred"
#: Address-space limit of the child process that writes an RDF file (bytes).
LOAD_MEMORY_LIMIT = 4 << 30
#: Wall-clock limit of the child process that writes an RDF file (seconds).
LOAD_TIME_LIMIT = 3600.0
#: Committed generations kept on disk (the live one and the one before it).
KEEP_GENERATIONS = 2
#: ``dump`` format name → what it writes.
DUMP_FORMATS: dict[str, str] = {
    "nq": "N-Quads, the whole dataset (or one graph)",
    "trig": "TriG, the whole dataset (or one graph)",
    "jsonld": "JSON-LD, the whole dataset (or one graph)",
    "ttl": "Turtle, one graph or the union of all graphs",
    "nt": "N-Triples, one graph or the union of all graphs",
}

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RESERVED = frozenset({"manifest", "inferred"})
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z", re.IGNORECASE)
_GENERATION = re.compile(r"gen-(\d{6,})\Z")
_RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdf")
_OX_DUMP = {
    "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD,
    "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
}
_BATCH = 50_000
#: Round 1 of inference over a new graph of at least this many statements uses the ``bulk`` rules.
_BULK_INFERENCE = 10_000
#: An N-Triples or Turtle file of at least this many bytes is bulk-loaded in one part per
#: core, on threads (bulk_load parses and sorts on one core; 1M statements of N-Triples:
#: 10.5 s against 17–18 s)
_SPLIT_LOAD = 8 << 20
#: :func:`_cuts`: a line end; a Turtle statement's end (a line ending in ``.``, the next
#: starting in column 0); the directives, comments and blank lines that open a Turtle file;
#: a directive anywhere after them.
_LINE_END = re.compile(rb"\n")
_TURTLE_CUT = re.compile(rb"\.[ \t]*\r?\n(?=[^ \t])")
_TURTLE_HEAD = re.compile(
    rb"(?:[ \t]*(?:(?:@prefix|(?i:prefix))[ \t]+[^\s<>]*:[ \t]*<[^<>\n]*>[ \t]*\.?"
    rb"|(?:@base|(?i:base))[ \t]*<[^<>\n]*>[ \t]*\.?)?[ \t]*(?:#[^\n]*)?\r?\n)*")
_TURTLE_DIRECTIVE = re.compile(rb"(?i)\n[ \t]*@?(?:prefix|base)\b")  # 5x faster than ^ with (?m)
#: Scratch graphs of semi-naive inference (removed before a load commits).
_DELTA_GRAPH = "urn:x-peacegraph:inference-round:"
_PARSER_POSITION = re.compile(
    r"^Parser error (?:at line \d+ column \d+|at line \d+ between columns \d+ and \d+"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)
_QUERY_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_MANIFEST_FIELDS = ("name", "location", "sha256", "loader", "loadedAt", "statements")


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """The store could not do what was asked; ``str()`` is one line for the user."""


class StoreLocked(StoreError):
    """Another process holds the store open for writing."""


class StoreNotFound(StoreError):
    """There is no store (no committed generation) at the path."""


class SourceSyntaxError(StoreError):
    """An RDF file does not parse; compatible with :class:`loaders.LoadError`.

    >>> str(SourceSyntaxError("data/x.ttl", 12, 5, "expected '.'"))
    "data/x.ttl:12:5: expected '.'"
    """

    def __init__(self, path: str, line: int | None, column: int | None, message: str) -> None:
        super().__init__(path, line, column, message)
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.record: str | None = None
        self.field: str | None = None
        self.expected: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line, self.column) if p is not None)
        return " ".join(f"{where}: {self.message}".split())


class QuerySyntaxError(StoreError):
    """A SPARQL query does not parse (or is not a query: updates are refused).

    ``line`` and ``column`` are 1-based when the engine gives them.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f" at line {self.line}, column {self.column}" if self.line is not None else ""
        return f"SPARQL syntax error{where}: {self.message}"


# --------------------------------------------------------------------------- records


class SourceLike(Protocol):
    """What the store reads of a :class:`loaders.Source` (the store never imports loaders)."""

    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def loader(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    def triples(self) -> Iterable[tuple[Any, Any, Any]]: ...


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One loaded source as ``pgg:manifest`` records it."""

    name: str
    location: str
    sha256: str
    loader: str
    loaded_at: _dt.datetime
    statements: int


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What :meth:`Store.load` did.

    ``statements`` is the size of the source's graph after the load (distinct quads);
    ``inferred`` the size of ``pgg:inferred``; ``generation`` the live generation after
    the call. ``skipped`` is true when the source was unchanged and nothing was written.
    """

    name: str
    location: str
    sha256: str
    loader: str
    statements: int
    inferred: int
    skipped: bool
    seconds: float
    generation: str


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts over the live generation.

    ``statements``: quads in all graphs; ``graphs``: graph IRI → quads; ``classes``:
    class IRI → distinct instances (``rdf:type`` over the union, inferred types included).
    """

    statements: int
    graphs: dict[str, int]
    classes: dict[str, int]


# --------------------------------------------------------------------------- the store


class Store:
    """An embedded peacegraph store; use :meth:`Store.open`, ideally as a context manager.

    A read-only store (the default) sees the generation that was live when it was
    opened; a writer holds the store lock until :meth:`close` and sees each of its own
    changes as soon as the call returns.
    """

    def __init__(
        self,
        root: Path,
        *,
        read_only: bool,
        generation: str | None,
        db: ox.Store | None,
        lock_fd: int | None,
    ) -> None:
        self._root = root
        self._read_only = read_only
        self._generation = generation
        self._db = db
        self._lock_fd = lock_fd
        self._closed = False
        self._version: str | None = None
        self._copy = False  # an in-memory copy (transaction_view): give its memory back

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | Path = DEFAULT_STORE, *, read_only: bool = True) -> Store:
        """Open the store at ``path``.

        Read-only (the default): opens the live generation; raises
        :class:`StoreNotFound` when nothing was ever loaded there. Read-write: creates
        the directory if needed, takes the writer lock (:class:`StoreLocked` if another
        writer has it), and removes what an interrupted writer left behind.

        >>> Store.open("/nonexistent/peacegraph")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        graph.store.StoreNotFound: no store at /nonexistent/peacegraph: run `peacegraph load` first
        """
        root = Path(path).expanduser().absolute()
        if read_only:
            for attempt in range(3):
                generation = _read_current(root)
                if generation is None:
                    raise StoreNotFound(f"no store at {root}: run `peacegraph load` first")
                try:
                    reading = _reading(root / generation)
                    try:
                        db = _open_read_only(root / generation)
                    except BaseException:
                        os.close(reading)
                        raise
                except StoreError:
                    if attempt == 2 or _read_current(root) == generation:
                        raise
                    continue  # a writer switched generations under us: read CURRENT again
                return cls(root, read_only=True, generation=generation, db=db, lock_fd=reading)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create store {root}: {error.strerror}") from None
        lock_fd = _lock(root)
        try:
            generation = _read_current(root)
            _prune(root, generation)
            live = _open_read_only(root / generation) if generation is not None else None
        except BaseException:
            os.close(lock_fd)
            raise
        return cls(root, read_only=False, generation=generation, db=live, lock_fd=lock_fd)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self._read_only else "writer"
        state = "closed" if self._closed else (self._generation or "empty")
        return f"<Store {str(self._root)!r} {mode} {state}>"

    def close(self) -> None:
        """Release the store (and the writer's or reader's lock). Idempotent; later calls
        raise."""
        if self._closed:
            return
        self._closed = True
        self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock (a writer's, or a reader's)
            self._lock_fd = None
        if self._copy:
            give_back_memory()

    @property
    def path(self) -> Path:
        """The store directory."""
        return self._root

    @property
    def read_only(self) -> bool:
        """Whether this handle can only read."""
        return self._read_only

    @property
    def generation(self) -> str | None:
        """The generation this handle reads (``None`` for a writer on an empty store)."""
        return self._generation

    @property
    def stale(self) -> bool:
        """True when another generation has gone live since this handle was opened.

        A long-lived reader (the app) should then close and reopen: it still reads its
        own snapshot, which writers keep on disk until it is closed (see :func:`_reading`).
        """
        self._check_open()
        try:
            return _read_current(self._root) != self._generation
        except StoreError:
            return True

    @property
    def version(self) -> str:
        """A cache key that changes whenever the content changes: generation + manifest hash.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.version
        'empty'
        """
        self._check_open()
        if self._generation is None:
            return "empty"
        if self._version is None:
            entries = [
                [e.name, e.sha256, e.loader, e.loaded_at.isoformat(), e.statements]
                for e in self.manifest()
            ]
            import hashlib

            digest = hashlib.sha256(json.dumps(entries).encode()).hexdigest()
            self._version = f"{self._generation}-{digest[:16]}"
        return self._version

    # ------------------------------------------------------------------ writing
    def load(
        self,
        source: SourceLike,
        *,
        force: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> LoadReport:
        """Replace the graph ``pgg:<source.name>`` with the source's statements.

        Either the full load succeeds (source graph, manifest entry and ``pgg:inferred``
        all updated, then made live at once), or nothing is written and the exception
        propagates: a loader's own error unchanged, :class:`SourceSyntaxError` for an RDF
        file that does not parse, :class:`StoreError` for anything else (a crashed or
        timed-out child names the file). A source whose name and sha256 are already in
        the manifest is skipped unless ``force``. ``progress`` is called with the number
        of statements written so far (for RDF files: once, at the end).
        """
        started = time.monotonic()
        self._check_writer()
        name = _check_name(source.name)
        loaded = {entry.name: entry for entry in self.manifest()}
        if not force and name in loaded and loaded[name].sha256 == source.sha256:
            return self._report(source, loaded[name].statements, skipped=True, started=started)
        rdf_format = _rdf_format(source) if source.loader == "rdf" else None
        graph = ox.NamedNode(GRAPH_NS + name)

        def write(directory: Path) -> int:
            if rdf_format is not None:
                self._write_rdf(directory, source, rdf_format, graph)
            db = _open_writer(directory)
            try:
                if rdf_format is None:
                    db.remove_graph(graph)
                    _write_triples(db, graph, source, progress)
                statements = _count(db, graph)
                if rdf_format is not None and progress is not None:
                    progress(statements)
                _write_manifest(db, source, name, statements)
                _infer(db, _incremental(db, graph, replaced=name in loaded), statements)
                db.flush()
            finally:
                del db  # closes the RocksDB instance (nothing else refers to it)
            return statements

        statements = self._change(write)
        return self._report(source, statements, skipped=False, started=started)

    def remove(self, name: str) -> None:
        """Drop a source's graph and its manifest entry, and rebuild ``pgg:inferred``.

        Either all of it happens or nothing is written; :class:`StoreError` if no source
        of that name is loaded.
        """
        self._check_writer()
        if name not in {entry.name for entry in self.manifest()}:
            raise StoreError(f"no source named {name!r} in store {self._root}")
        graph = ox.NamedNode(GRAPH_NS + name)

        def write(directory: Path) -> None:
            db = _open_writer(directory)
            try:
                db.remove_graph(graph)
                _remove_manifest_entry(db, graph)
                _infer(db)
                db.flush()
            finally:
                del db  # closes the RocksDB instance (nothing else refers to it)

        self._change(write)

    # ------------------------------------------------------------------ reading
    def select(
        self,
        sparql: str,
        *,
        params: Mapping[str, Term] | None = None,
        limit: int | None = None,
    ) -> SelectResult:
        """Run a SELECT query over the union of all named graphs.

        ``params`` bind variables through the engine (never pasted into the text); the
        engine substitutes only projected variables, so a bound variable must appear in
        the SELECT clause (or use ``SELECT *``), else :class:`StoreError` is raised.
        ``limit`` stops after that many rows and sets ``truncated`` if more were coming.
        The prefixes of :data:`ontology.PREFIXES` are predeclared.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     r = s.select("SELECT ?n WHERE { VALUES ?n { 1 2 3 } }", limit=2)
        >>> [row["n"].to_python() for row in r.rows], r.truncated
        ([1, 2], True)
        """
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        result = self._query(sparql, params)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError(f"select() needs a SELECT query, not {_form(result)}")
        variables = tuple(v.value for v in result.variables)
        rows: list[dict[str, Term]] = []
        truncated = False
        seen: dict[Any, Term] = {}  # a term converted once per result (labels, classes repeat)
        try:
            for solution in result:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                row = {}
                for index, name in enumerate(variables):
                    value = solution[index]
                    if value is not None:
                        term = seen.get(value)
                        if term is None:
                            term = seen[value] = _term(value)
                        row[name] = term
                rows.append(row)
        except (OSError, RuntimeError, ValueError) as error:
            raise StoreError(f"query failed: {error}") from error
        return SelectResult(variables, rows, truncated)

    def ask(self, sparql: str, *, params: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the union of all named graphs.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.ask("ASK { ?s ?p ?o }")
        False
        """
        result = self._query(sparql, params)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError(f"ask() needs an ASK query, not {_form(result)}")
        return bool(result)

    def construct(
        self, sparql: str, *, params: Mapping[str, Term] | None = None
    ) -> list[tuple[Term, Term, Term]]:
        """Run a CONSTRUCT (or DESCRIBE) query over the union; the triples, deduplicated.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.construct("CONSTRUCT { pgid:a rdfs:label ?l } WHERE { BIND('A' AS ?l) }")
        ... # doctest: +NORMALIZE_WHITESPACE
        [(Term(kind='uri', value='https://w3id.org/peacegraph/id/a', datatype=None, lang=None),
          Term(kind='uri', value='http://www.w3.org/2000/01/rdf-schema#label', datatype=None, lang=None),
          Term(kind='literal', value='A', datatype=None, lang=None))]
        """
        result = self._query(sparql, params)
        if not isinstance(result, ox.QueryTriples):
            raise StoreError(f"construct() needs a CONSTRUCT or DESCRIBE query, not {_form(result)}")
        seen: dict[tuple[Term, Term, Term], None] = {}
        try:
            for triple in result:
                seen[(_term(triple.subject), _term(triple.predicate), _term(triple.object))] = None
        except (OSError, RuntimeError, ValueError) as error:
            raise StoreError(f"query failed: {error}") from error
        return list(seen)

    def dump(
        self, format: str, *, graph: str | None = None, output: BinaryIO | None = None
    ) -> bytes | None:
        """Serialise the store (see :data:`DUMP_FORMATS`) with the project prefixes.

        ``graph`` is a source name (``"curated"``) or a graph IRI; without it ``nq``,
        ``trig`` and ``jsonld`` write the whole dataset and ``ttl``/``nt`` the union of
        all graphs (each triple once). Writes to ``output`` and returns ``None``, or
        returns the bytes.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.dump("nt")
        b''
        """
        self._check_open()
        if format not in _OX_DUMP:
            expected = ", ".join(DUMP_FORMATS)
            raise StoreError(f"unknown dump format {format!r}; expected one of {expected}")
        rdf_format = _OX_DUMP[format]
        db = self._reader()
        prefixes = {**PREFIXES, "pgm": MANIFEST_NS}
        try:
            if graph is not None:
                graph_node = ox.NamedNode(_graph_iri(graph))
                if not db.contains_named_graph(graph_node):
                    raise StoreError(f"no graph {graph!r} in store {self._root}")
                if rdf_format.supports_datasets:
                    quads = db.quads_for_pattern(None, None, None, graph_node)
                    return ox.serialize(quads, output, rdf_format, prefixes=prefixes)
                return db.dump(output, rdf_format, from_graph=graph_node, prefixes=prefixes)
            if rdf_format.supports_datasets:
                return db.dump(output, rdf_format, prefixes=prefixes)
            union = db.query(
                "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True
            )
            assert isinstance(union, ox.QuerySolutions)
            triples = (ox.Triple(row[0], row[1], row[2]) for row in union)
            return ox.serialize(triples, output, rdf_format, prefixes=prefixes)
        except (OSError, ValueError, TypeError) as error:
            raise StoreError(f"dump failed: {error}") from error

    def manifest(self) -> list[ManifestEntry]:
        """The loaded sources, by name, as ``pgg:manifest`` records them."""
        fields = " ".join(f"?{f}" for f in _MANIFEST_FIELDS)
        triples = " ".join(f"<{MANIFEST_NS}{f}> ?{f} ;" for f in _MANIFEST_FIELDS).rstrip(" ;")
        result = self.select(
            f"SELECT {fields} WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?g {triples} }} }} ORDER BY ?name"
        )
        entries = []
        for row in result.rows:
            loaded_at = row["loadedAt"].to_python()
            if not isinstance(loaded_at, _dt.datetime):
                raise StoreError(f"store {self._root} has a damaged manifest (loadedAt {loaded_at!r})")
            entries.append(ManifestEntry(
                name=row["name"].value, location=row["location"].value,
                sha256=row["sha256"].value, loader=row["loader"].value,
                loaded_at=loaded_at, statements=int(row["statements"].value),
            ))
        return entries

    def stats(self) -> Stats:
        """Quads per named graph and distinct instances per class (over the union).

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.stats()
        Stats(statements=0, graphs={}, classes={})
        """
        graphs = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
        classes = self.select(
            f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{_RDF_TYPE}> ?c }} "
            "GROUP BY ?c ORDER BY DESC(?n) ?c"
        )
        per_graph = {row["g"].value: int(row["n"].value) for row in graphs.rows}
        per_class = {row["c"].value: int(row["n"].value) for row in classes.rows if "c" in row}
        return Stats(statements=len(self._reader()), graphs=per_graph, classes=per_class)

    # ------------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self._root} is closed")

    def _check_writer(self) -> None:
        self._check_open()
        if self._read_only:
            raise StoreError(
                f"store {self._root} is open read-only; open it with read_only=False to change it"
            )

    def _reader(self) -> ox.Store:
        self._check_open()
        if self._db is None:  # a writer on a store with no generation yet: empty
            self._db = ox.Store()
        return self._db

    def _query(self, sparql: str, params: Mapping[str, Term] | None) -> Any:
        db = self._reader()
        substitutions = {
            _variable(name): _engine_term(term, name) for name, term in (params or {}).items()
        }
        try:
            return db.query(
                sparql,
                prefixes=PREFIXES,
                use_default_graph_as_union=True,
                substitutions=substitutions or None,
            )
        except SyntaxError as error:
            raise _query_syntax_error(error) from None
        except RuntimeError as error:
            if "projection" in str(error):
                # pyoxigraph substitutes only variables a SELECT/DESCRIBE projects
                raise StoreError(
                    f"{error}: a bound parameter must be projected by SELECT (or use SELECT *)"
                ) from None
            raise StoreError(f"query failed: {error}") from error
        except OSError as error:
            raise StoreError(f"query failed: {error}") from error

    def _report(
        self, source: SourceLike, statements: int, *, skipped: bool, started: float
    ) -> LoadReport:
        inferred = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
        ).rows[0]["n"]
        return LoadReport(
            name=source.name, location=str(source.location), sha256=source.sha256,
            loader=source.loader, statements=statements, inferred=int(inferred.value),
            skipped=skipped, seconds=round(time.monotonic() - started, 3),
            generation=self._generation or "",
        )

    def _change(self, write: Callable[[Path], Any]) -> Any:
        """Run ``write`` on a new generation and make it live; all or nothing."""
        import shutil
        import traceback

        number = max(_generations(self._root), default=0) + 1
        generation = f"gen-{number:06d}"
        directory = self._root / generation
        switched = False
        try:
            if self._db is not None and self._generation is not None:
                self._db.backup(str(directory))
            else:
                directory.mkdir()
            result = write(directory)
            _fsync_tree(directory)
            _write_current(self._root, generation)
            switched = True
            _fsync_dir(self._root)
        except BaseException as error:
            if not switched:
                # the traceback's frames still hold the RocksDB handle open: close it first
                traceback.clear_frames(error.__traceback__)
                shutil.rmtree(directory, ignore_errors=True)
                if isinstance(error, OSError):
                    raise StoreError(f"cannot write store {self._root}: {error}") from error
            raise
        finally:
            if switched:
                self._db = _open_read_only(directory)
                self._generation = generation
                self._version = None
                _prune(self._root, generation)
        return result

    def _write_rdf(
        self, directory: Path, source: SourceLike, rdf_format: str, graph: ox.NamedNode
    ) -> None:
        """Write an RDF file into ``directory`` from a child process under limits."""
        import signal
        import subprocess

        location = str(source.location)
        path = Path(location).expanduser().absolute()
        if not path.is_file():
            raise StoreError(f"{location}: no such file")
        memory = int(os.environ.get("PEACEGRAPH_LOAD_MEMORY") or LOAD_MEMORY_LIMIT)
        seconds = float(os.environ.get("PEACEGRAPH_LOAD_TIMEOUT") or LOAD_TIME_LIMIT)
        cuts, head = (_cuts(path, _cores(), turtle=rdf_format == "ttl")
                      if rdf_format in ("nt", "ttl") else None) or (None, 0)
        job = {
            "store": str(directory), "graph": graph.value, "path": str(path),
            "format": rdf_format, "base": path.as_uri(), "memory": memory,
            "parent": os.getpid(),
            "cuts": cuts, "head": head,
        }
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        assert self._lock_fd is not None
        child = subprocess.Popen(
            [sys.executable, "-c", _WORKER, json.dumps(job)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, pass_fds=(self._lock_fd,),  # an orphaned child keeps the store locked
        )
        try:
            out, err = child.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise StoreError(
                f"{location}: loading stopped at the time limit of {seconds:g} s; the store is unchanged"
            ) from None
        except BaseException:
            child.kill()
            child.wait()
            raise
        report = _last_json(out)
        if child.returncode == 0 and report.get("ok"):
            return
        if report.get("error") == "syntax":
            message = _PARSER_POSITION.sub("", str(report.get("message", ""))) or "syntax error"
            raise SourceSyntaxError(location, report.get("line"), report.get("column"), message)
        if report.get("error"):
            detail = report.get("message") or report["error"]
            raise StoreError(f"{location}: {detail}; the store is unchanged")
        detail = _last_line(err)
        if child.returncode < 0:
            try:
                cause = signal.Signals(-child.returncode).name
            except ValueError:
                cause = f"signal {-child.returncode}"
            raise StoreError(
                f"{location}: the loader process was killed by {cause}"
                f"{f' ({detail})' if detail else ''} under a {memory >> 20} MiB memory limit;"
                " the store is unchanged"
            )
        raise StoreError(
            f"{location}: the loader process failed with exit status {child.returncode}"
            f"{f' ({detail})' if detail else ''}; the store is unchanged"
        )

    # ------------------------------------------------------------------ snapshots
    @overload
    def canonical_nquads(self, *, manifest: bool = False, output: None = None) -> bytes: ...
    @overload
    def canonical_nquads(self, *, manifest: bool = False, output: BinaryIO) -> None: ...

    def canonical_nquads(
        self, *, manifest: bool = False, output: BinaryIO | None = None
    ) -> bytes | None:
        """Every graph as canonical N-Quads: equal content gives equal bytes.

        Blank nodes are labelled by RDFC-1.0 (``_:c14n0``, ...) and the lines sorted by
        code point (UTF-8 byte order), one statement per line, each ending in ``\\n``;
        terms are written as Oxigraph writes N-Quads, which is RDFC-1.0's canonical form
        (``\\u`` and upper-case hex for the other control characters and U+FFFE/U+FFFF,
        ``\\b \\t \\n \\f \\r \\" \\\\``, everything else as it is).
        ``pgg:manifest`` (load bookkeeping, with load times) is left out unless
        ``manifest``. Writes to ``output`` and returns ``None``, or returns the bytes.

        Everything is read from this handle's generation, one graph at a time, serialised
        by Oxigraph (in Rust) and sorted in bounded memory (:class:`graph.linesort.LineSort`:
        runs of 8 MB spilled to temporary files in ``$TMPDIR`` and merged), so writing to
        ``output`` holds a few tens of MB whatever the store's size. Only the quads that
        hold a blank node go through RDFC-1.0 (the labels depend on nothing else), in
        memory; RDFC-1.0 is exponential in the worst case, on many look-alike blank nodes. A
        blank node inside an RDF 1.2 triple term keeps the store's label.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
        ...     s.canonical_nquads()
        b''
        """
        from graph.linesort import LineSort, write_lines

        db = self._reader()
        skipped = None if manifest else ox.NamedNode(MANIFEST_GRAPH)
        graphs: list[Any] = [g for g in db.named_graphs() if g != skipped]
        blank_lines: list[bytes] = []  # N-Quads lines with a blank subject or object
        blank: list[ox.Quad] = []

        with LineSort() as lines:

            class Sink:
                """One graph's N-Triples as Oxigraph writes them (8 KB at a time), each
                line given the graph's name and sorted, or kept aside if it has a blank node."""

                def __init__(self, suffix: bytes | None) -> None:
                    self.suffix = suffix  # b" <graph> .\n"; None for the default graph
                    self.parts: list[bytes] = []
                    self.size = 0

                def write(self, data: bytes) -> int:
                    self.parts.append(data)
                    self.size += len(data)
                    if self.size >= 1 << 20:
                        self.take(final=False)
                    return len(data)

                def flush(self) -> None:
                    pass

                def take(self, *, final: bool) -> None:
                    data = b"".join(self.parts)
                    # a raw newline only ends a statement (N-Triples escapes it in literals)
                    cut = len(data) if final else data.rfind(b"\n") + 1
                    self.parts = [data[cut:]] if cut < len(data) else []
                    self.size = len(data) - cut
                    chunk = data[:cut]
                    if self.suffix is not None:
                        chunk = chunk.replace(b" .\n", self.suffix)
                    found = chunk.splitlines(keepends=True)
                    if b"_:" not in chunk:
                        lines.extend(found)
                        return
                    plain = []
                    for line in found:  # terms hold no raw space before the object
                        first = line.find(b" ")
                        start = line.find(b" ", first + 1) + 1
                        if line.startswith(b"_:") or line.startswith(b"_:", start):
                            blank_lines.append(line)
                        else:
                            plain.append(line)
                    lines.extend(plain)

            try:
                for graph in [*graphs, ox.DefaultGraph()]:
                    if isinstance(graph, ox.BlankNode):
                        blank.extend(db.quads_for_pattern(None, None, None, graph))
                        continue
                    sink = Sink(None if isinstance(graph, ox.DefaultGraph)
                                else f" {graph} .\n".encode())
                    db.dump(sink, ox.RdfFormat.N_TRIPLES,  # type: ignore[arg-type]
                            from_graph=graph)  # (any object with write and flush)
                    sink.take(final=True)
                if blank_lines:
                    blank.extend(ox.parse(b"".join(blank_lines), ox.RdfFormat.N_QUADS))
                if blank:
                    dataset = ox.Dataset(blank)
                    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
                    data = ox.serialize(dataset, None, ox.RdfFormat.N_QUADS) or b""
                    lines.extend(data.splitlines(keepends=True))
            except (OSError, RuntimeError, ValueError, SyntaxError) as error:
                raise StoreError(f"canonicalisation failed: {error}") from error
            if output is None:
                return b"".join(lines.merged())
            write_lines(lines.merged(), output)
        return None

    def transaction_view(self) -> Store:
        """A read-only store over an in-memory copy of what this handle sees.

        The copy is read from this handle's generation in one pass; every call on the
        returned store then sees exactly that content, whatever writers do afterwards,
        and holds no generation on disk.
        It reads several times faster than the disk (measured at 1.05 M statements: the
        copy takes 13 to 17 s; then a TriG dump takes 2 s against 11 to 15 s from disk,
        and the saved queries of the analysts' network 14 s against 54 s), so it pays when
        the content is read several times, not for one dump. It costs about 0.6 GB of
        memory per million statements, until it is closed. Blank nodes keep their labels;
        ``version`` is this handle's.
        """
        db = self._reader()
        copy = ox.Store()
        try:
            copy.bulk_extend(db)
        except (OSError, RuntimeError, ValueError) as error:
            raise StoreError(f"cannot copy store {self._root} into memory: {error}") from error
        view = Store(self._root, read_only=True, generation=self._generation, db=copy, lock_fd=None)
        view._version = self.version
        view._copy = True
        return view


def give_back_memory() -> None:
    """Collect, then return freed heap pages to the system: glibc keeps the pages of a
    dropped in-memory copy otherwise (measured at 1M statements: 450 MB held, 40 MB after)."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


# --------------------------------------------------------------------------- the child process

#: Run as ``python -c _WORKER job.json``: writes one RDF file into a generation directory.
#: It prints one JSON line (``{"ok": true}`` or ``{"error": …}``) and imports only pyoxigraph.
_WORKER = r"""
import io, json, os, sys
job = json.loads(sys.argv[1])
try:
    import ctypes, signal
    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG: die with the parent
except Exception:
    pass
if os.getppid() != job["parent"]:
    sys.exit(70)
import resource
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if job["memory"]:
    resource.setrlimit(resource.RLIMIT_AS, (job["memory"], job["memory"]))
import pyoxigraph as ox
def report(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()

class Part(io.RawIOBase):
    # bytes [0, head) then [start, end) of a file, for bulk_load to read
    def __init__(self, path, start, end, head=0):
        self.file = open(path, "rb", buffering=0)
        self.spans = [(0, head)] if head and start else []
        self.spans.append((start, end - start))
        self.left = 0
    def readable(self):
        return True
    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
    def read(self, size=-1):
        while not self.left and self.spans:
            start, self.left = self.spans.pop(0)
            self.file.seek(start)
        data = self.file.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(data)
        return data
    def close(self):
        self.file.close()
        super().close()

def load_parts(store, path, fmt, cuts, head, graph, base):
    # One bulk_load per part, on its own thread (each parses and sorts without the GIL,
    # so the parts use every core); every part after the first reads the file's
    # directives (head bytes) first. A part that does not parse (a real error, or a
    # Turtle cut that fell inside a statement) makes the whole file load in one parse,
    # which either succeeds or reports the error at its file line.
    import threading
    errors = []
    def load(index):
        try:
            with Part(path, cuts[index], cuts[index + 1], head) as part:
                store.bulk_load(part, fmt, base_iri=base, to_graph=graph)
        except BaseException as error:
            errors.append(error)
    threads = [threading.Thread(target=load, args=(i,)) for i in range(len(cuts) - 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if not isinstance(error, SyntaxError):
            raise error
    if errors:
        store.remove_graph(graph)
        store.bulk_load(path=path, format=fmt, base_iri=base, to_graph=graph)
try:
    fmt = ox.RdfFormat.from_extension(job["format"])
    graph = ox.NamedNode(job["graph"])
    store = ox.Store(job["store"])
    store.remove_graph(graph)
    cuts = job["cuts"]
    if fmt.supports_datasets:
        quads = ox.parse(path=job["path"], format=fmt, base_iri=job["base"], rename_blank_nodes=True)
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
    elif cuts:
        load_parts(store, job["path"], fmt, cuts, job["head"], graph, job["base"])
    else:
        store.bulk_load(path=job["path"], format=fmt, base_iri=job["base"], to_graph=graph)
    store.flush()
    del store
except SyntaxError as error:
    report(error="syntax", line=error.lineno, column=error.offset, message=str(error.msg))
    sys.exit(3)
except BaseException as error:
    report(error=type(error).__name__, message=str(error))
    sys.exit(4)
report(ok=True)
"""


# --------------------------------------------------------------------------- helpers


def _cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cuts(path: Path, parts: int, least: int | None = None, *,
          turtle: bool = False) -> tuple[list[int], int] | None:
    """Where to cut an N-Triples (or ``turtle``) file into up to ``parts`` parts to
    bulk-load on threads: byte offsets ``[0, …, size]`` and the length of the file's head
    that every part after the first reads first (Turtle's ``@prefix``/``@base``
    directives; 0 for N-Triples). ``None`` loads it whole: fewer than two parts, a file
    smaller than ``least`` (default :data:`_SPLIT_LOAD`), one that may hold blank node
    labels (``_:`` anywhere: ``bulk_load`` scopes them to one parse), or a Turtle file
    that does not open with its directives, has long strings (``'''`` or three double
    quotes: a line end inside one) or a directive after its head (the parts would not
    all see it).

    N-Triples is cut at line ends; Turtle at a line that ends in ``.`` followed by one
    that starts in column 0 — a statement's end, unless that ``.`` ends a comment inside
    a statement, in which case the part before the cut does not parse and the worker
    loads the whole file in one parse instead.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "a.nt"); _ = p.write_bytes(b"<a> <b> <c> .\\n" * 4)
    ...     _cuts(p, 2, least=0), _cuts(p, 9, least=0)[0], _cuts(p, 1, least=0), _cuts(p, 2)
    (([0, 28, 56], 0), [0, 14, 28, 42, 56], None, None)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "a.ttl")
    ...     _ = p.write_bytes(b"@prefix e: <http://e/> .\\n\\n" + b"e:a e:b 1 ;\\n  e:c 2 .\\n" * 4)
    ...     _cuts(p, 2, least=0, turtle=True)
    ([0, 70, 114], 26)
    """
    import mmap

    size = path.stat().st_size
    least = _SPLIT_LOAD if least is None else least
    if parts < 2 or size == 0 or size < least:
        return None
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b"_:") != -1:
            return None
        head = 0
        if turtle:
            opening = _TURTLE_HEAD.match(data)  # matches, if only the empty string
            head = opening.end() if opening else 0
            if (not head or data.find(b'"""') != -1 or data.find(b"'''") != -1
                    or _TURTLE_DIRECTIVE.search(data, head - 1)):
                return None
        end_of = _TURTLE_CUT if turtle else _LINE_END
        cuts = [0]
        for part in range(1, parts):
            found = end_of.search(data, max(size * part // parts - 1, cuts[-1], head))
            if found is None or found.end() >= size:
                break
            if found.end() > cuts[-1]:
                cuts.append(found.end())
    return ([*cuts, size], head) if len(cuts) > 1 else None


def _read_current(root: Path) -> str | None:
    """The live generation's name, or ``None``; :class:`StoreError` if CURRENT is damaged."""
    try:
        name = (root / "CURRENT").read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read {root / 'CURRENT'}: {error}") from None
    if not _GENERATION.match(name):
        raise StoreError(f"store {root} is damaged: CURRENT holds {name[:40]!r}")
    return name


def _generations(root: Path) -> list[int]:
    numbers = []
    for entry in os.listdir(root):
        match = _GENERATION.match(entry)
        if match:
            numbers.append(int(match.group(1)))
    return numbers


def _open_read_only(directory: Path) -> ox.Store:
    if not directory.is_dir():
        raise StoreError(f"store {directory.parent} is damaged: {directory.name} is missing")
    try:
        return ox.Store.read_only(str(directory))
    except OSError as error:
        raise StoreError(f"cannot open {directory}: {error}") from error


def _open_writer(directory: Path) -> ox.Store:
    try:
        return ox.Store(str(directory))
    except OSError as error:
        raise StoreError(f"cannot open {directory} for writing: {error}") from error


def _lock(root: Path) -> int:
    """Take the writer lock; the returned descriptor holds it until closed."""
    path = root / "lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(f"cannot open {path}: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise StoreLocked(f"store {root} is locked by another writer (pid {holder})") from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _prune(root: Path, current: str | None) -> None:
    """Delete temp files, uncommitted generations and all but the newest committed ones,
    except those a reader has open (:func:`_reading`)."""
    import shutil

    for entry in os.listdir(root):
        if entry.startswith("CURRENT.tmp"):
            _unlink(root / entry)
    live = int(current[4:]) if current is not None else 0
    committed = sorted((n for n in _generations(root) if n <= live), reverse=True)
    doomed = [n for n in _generations(root) if n > live] + committed[KEEP_GENERATIONS:]
    for number in doomed:
        directory = root / f"gen-{number:06d}"
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a reader still reads it: a later writer deletes it
        else:
            shutil.rmtree(directory, ignore_errors=True)
        finally:
            os.close(fd)


def _reading(directory: Path) -> int:
    """Mark ``directory`` (a generation) as read: a shared flock on it, held by the
    returned descriptor until it is closed, which :func:`_prune` respects. RocksDB opens
    some of its files only when they are first read, so deleting a generation under a
    reader would fail its later reads (a long export, an app page after two loads)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise StoreError(f"cannot open {directory}: {error.strerror}") from None
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a writer deletes it (then retried)
    return fd


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _write_current(root: Path, generation: str) -> None:
    """Point CURRENT at ``generation``: write a temp file, fsync it, ``os.replace`` it."""
    temp = root / f"CURRENT.tmp-{os.getpid()}"
    with open(temp, "w", encoding="ascii") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, root / "CURRENT")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(directory: Path) -> None:
    for entry in os.scandir(directory):
        if entry.is_file(follow_symlinks=False):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(directory)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise StoreError(f"invalid source name {name!r}: use letters, digits, '.', '_' and '-'")
    if name in _RESERVED:
        raise StoreError(f"source name {name!r} is reserved for the store's own graph")
    return name


def _rdf_format(source: SourceLike) -> str:
    fmt = getattr(source, "rdf_format", None)
    if fmt is None:
        fmt = Path(str(source.location)).suffix.lstrip(".").lower()
    if fmt not in _RDF_FORMATS:
        raise StoreError(
            f"{source.location}: unknown RDF format {fmt!r}; expected one of {', '.join(_RDF_FORMATS)}"
        )
    return fmt


def _graph_iri(graph: str) -> str:
    return graph if ":" in graph else GRAPH_NS + graph


def _count(db: ox.Store, graph: ox.NamedNode) -> int:
    result = db.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QuerySolutions)
    return int(next(iter(result))[0].value)


def _write_triples(
    db: ox.Store, graph: ox.NamedNode, source: SourceLike, progress: Callable[[int], None] | None
) -> None:
    """Convert the loader's rdflib triples to quads in ``graph``, in batches."""
    from rdflib.term import BNode, Literal, URIRef

    bnodes: dict[str, ox.BlankNode] = {}

    def convert(term: Any) -> Any:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            node = bnodes.get(str(term))
            if node is None:
                node = bnodes[str(term)] = ox.BlankNode()
            return node
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        raise TypeError(f"unsupported term {term!r}")

    written = 0
    batch: list[ox.Quad] = []
    for triple in source.triples():
        try:
            s, p, o = triple
            batch.append(ox.Quad(convert(s), convert(p), convert(o), graph))
        except (TypeError, ValueError) as error:
            raise StoreError(f"{source.location}: cannot store {triple!r}: {error}") from None
        if len(batch) >= _BATCH:
            db.bulk_extend(batch)
            written += len(batch)
            batch = []
            if progress is not None:
                progress(written)
    if batch:
        db.bulk_extend(batch)
        written += len(batch)
    if progress is not None:
        progress(written)


def _write_manifest(db: ox.Store, source: SourceLike, name: str, statements: int) -> None:
    graph = ox.NamedNode(GRAPH_NS + name)
    _remove_manifest_entry(db, graph)
    manifest = ox.NamedNode(MANIFEST_GRAPH)
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    values = {
        "name": ox.Literal(name),
        "location": ox.Literal(str(source.location)),
        "sha256": ox.Literal(source.sha256),
        "loader": ox.Literal(source.loader),
        "loadedAt": ox.Literal(
            now.isoformat().replace("+00:00", "Z"), datatype=ox.NamedNode(_XSD + "dateTime")
        ),
        "statements": ox.Literal(str(statements), datatype=ox.NamedNode(_XSD + "integer")),
    }
    db.extend(
        ox.Quad(graph, ox.NamedNode(MANIFEST_NS + field), value, manifest)
        for field, value in values.items()
    )


def _remove_manifest_entry(db: ox.Store, graph: ox.NamedNode) -> None:
    for quad in list(db.quads_for_pattern(graph, None, None, ox.NamedNode(MANIFEST_GRAPH))):
        db.remove(quad)


def _infer(db: ox.Store, added: ox.NamedNode | None = None, size: int = 0) -> None:
    """Bring ``pgg:inferred`` to the fixpoint of :func:`graph.inference.rules` (semi-naive).

    Full rebuild (``added`` is ``None``): round 1 reads every graph. Incremental
    (``added``, a graph new to the store that states no schema — see
    :func:`_incremental` — holding ``size`` statements): ``pgg:inferred`` already holds
    the closure of everything else, and the rules are linear (one data premise each), so
    the closure of the whole is that plus the consequences of ``added``. What ``added``
    itself states is dropped from ``pgg:inferred``, then round 1 reads ``added`` and the
    manifest (it gained an entry). Round *k* ≥ 2 reads what round *k − 1* added (a
    scratch graph; scratch graphs are dropped at the end). The rules of a round run at
    once on a thread pool (Oxigraph evaluates without the GIL). Round 1 uses
    :func:`graph.inference.rules` ``bulk`` on every graph, or on a new graph of at least
    :data:`_BULK_INFERENCE` statements; later rounds read what is mostly typing of things
    already typed, where lookups win (1M statements: round 2 over 59k new statements,
    0.25 s with lookups against 1.7 s with ``bulk``). Runs on a private generation, so it
    need not be transactional.
    """
    from concurrent.futures import ThreadPoolExecutor

    from graph import inference

    inferred = ox.NamedNode(INFERRED_GRAPH)
    if added is None:
        db.remove_graph(inferred)
    else:
        _drop_stated(db, inferred, added, size)
    source = ox.Variable(inference.SOURCE_VARIABLE)
    scratch: list[ox.NamedNode] = []
    # (graph, statements) each round reads; round 1 of a rebuild reads every graph (None)
    reads: list[tuple[ox.NamedNode | None, int]] = (
        [(None, 0)] if added is None else [(added, size), (ox.NamedNode(MANIFEST_GRAPH), 0)])

    def evaluate(rule: str, graph: ox.NamedNode | None) -> list[ox.Triple]:
        query = db.query(rule, use_default_graph_as_union=True,
                         substitutions=None if graph is None else {source: graph})
        assert isinstance(query, ox.QueryTriples)
        return list(query)

    def run_round(number: int) -> int:
        nonlocal reads
        targets = [inferred]
        if number > 1:
            targets.append(ox.NamedNode(f"{_DELTA_GRAPH}{number}"))
            scratch.append(targets[-1])
        jobs = [(rule, graph) for graph, statements in reads
                for rule in inference.rules(
                    bulk=number == 1 and (graph is None or statements >= _BULK_INFERENCE))]
        new: dict[ox.Triple, None] = {}  # the rules filter out what is stated; fold repeats
        for triples in pool.map(lambda job: evaluate(*job), jobs):
            new.update(dict.fromkeys(triples))
        if new:
            db.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                           for t in new for graph in targets)
        reads = [(targets[-1], len(new))]
        return len(new)

    try:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            inference.saturate(run_round)
    except inference.InferenceError as error:
        raise StoreError(str(error)) from None
    finally:
        for graph in scratch:
            db.remove_graph(graph)


def _drop_stated(db: ox.Store, inferred: ox.NamedNode, added: ox.NamedNode, size: int) -> None:
    """Remove from ``inferred`` what ``added`` (``size`` statements) states, walking the
    smaller of the two graphs."""
    if _count(db, inferred) <= size:
        walk, other = inferred, added
    else:
        walk, other = added, inferred
    found = [q for q in db.quads_for_pattern(None, None, None, walk)
             if ox.Quad(q.subject, q.predicate, q.object, other) in db]
    for quad in found:
        db.remove(ox.Quad(quad.subject, quad.predicate, quad.object, inferred))


def _incremental(db: ox.Store, graph: ox.NamedNode, replaced: bool) -> ox.NamedNode | None:
    """``graph`` if adding it can be inferred incrementally, else ``None`` (rebuild).

    Incremental needs a source new to the store (no earlier statements of it to retract)
    that states none of :data:`graph.inference.SCHEMA_PREDICATES` (so what the other
    sources imply is unchanged).
    """
    from graph import inference

    if replaced:
        return None
    for predicate in inference.SCHEMA_PREDICATES:
        if next(db.quads_for_pattern(None, ox.NamedNode(predicate), None, graph), None) is not None:
            return None
    return graph


def _variable(name: str) -> ox.Variable:
    bare = name[1:] if name[:1] in ("?", "$") else name
    try:
        return ox.Variable(bare)
    except ValueError:
        raise StoreError(f"invalid parameter name {name!r}") from None


def _engine_term(term: Term, name: str) -> Any:
    if not isinstance(term, Term):
        raise TypeError(
            f"parameter {name!r} must be a graph.terms.Term (Term.iri / Term.literal), "
            f"not {type(term).__name__}"
        )
    try:
        if term.kind == "uri":
            return ox.NamedNode(term.value)
        if term.kind == "bnode":
            return ox.BlankNode(term.value)
        if term.kind == "literal":
            if term.lang is not None:
                return ox.Literal(term.value, language=term.lang)
            if term.datatype is not None:
                return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
            return ox.Literal(term.value)
    except ValueError as error:
        raise StoreError(f"parameter {name!r}: {error}: {term.n3()}") from None
    raise StoreError(f"parameter {name!r}: a {term.kind} term cannot be bound")


def _term(node: Any) -> Term:
    """The plain :class:`Term` for a pyoxigraph term (the engine's are canonical already:
    language tags lower-cased, ``xsd:string`` and ``rdf:langString`` dropped here)."""
    kind = type(node)
    if kind is ox.NamedNode:
        return canonical_term("uri", node.value)
    if kind is ox.Literal:
        lang = node.language
        if lang is not None:
            return canonical_term("literal", node.value, None, lang)
        datatype = node.datatype.value
        return canonical_term("literal", node.value, None if datatype == _XSD_STRING else datatype)
    if kind is ox.BlankNode:
        return canonical_term("bnode", node.value)
    if kind is ox.Triple:
        inner = " ".join(_term(t).n3() for t in (node.subject, node.predicate, node.object))
        return canonical_term("triple", inner)
    raise TypeError(f"unexpected engine term {node!r}")


def _form(result: Any) -> str:
    if isinstance(result, ox.QuerySolutions):
        return "a SELECT query"
    if isinstance(result, ox.QueryBoolean):
        return "an ASK query"
    return "a CONSTRUCT or DESCRIBE query"


def _query_syntax_error(error: SyntaxError) -> QuerySyntaxError:
    message = str(error.msg if error.msg is not None else error)
    line, column = error.lineno, error.offset
    match = _QUERY_POSITION.match(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[match.end():]
    return QuerySyntaxError(message, line=line, column=column)


def _last_json(data: bytes) -> dict[str, Any]:
    for line in reversed(data.decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    # skip Rust's backtrace lines, keep the panic / abort message
    for line in reversed(lines):
        if not re.match(r"^(\d+:|at |note:|stack backtrace:)", line):
            return line[:200]
    return ""

