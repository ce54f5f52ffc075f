"""Snapshots of the store: one folder to cite, share and compare; export, restore, diff.

A snapshot folder (:func:`take`) holds::

    manifest.json           what it is: versions, sources, counts, file hashes, content_hash
    dataset.nq              canonical N-Quads of every named graph except pgg:manifest
    graphs/<name>.nq        the same lines, one file per named graph
    dataset.trig            TriG of the whole store (pgg:manifest included), readable prefixes
    union.ttl               Turtle of the union of all graphs
    dataset.jsonld          JSON-LD of the whole store, compacted with the project prefixes
    network.graphml         the analysts' network (:func:`network`: graph.analytics with
    network.gexf            centrality and community), as GraphML and as GEXF
    csv/tracks.csv          saved queries as spreadsheets (formula-like cells neutralised):
    csv/precedents.csv      ``tracks``, ``precedents``, ``precedents-for-track`` run for every
    csv/precedents-by-track.csv   track and concatenated, ``party-status``, ``timeline``
    csv/party-status.csv
    csv/timeline.csv

**What identifies a snapshot.** ``content_hash`` is the sha256 of ``dataset.nq`` (check it
with ``sha256sum dataset.nq``): the statements of every named graph, blank nodes labelled by
RDFC-1.0 and lines sorted by code point (:meth:`graph.store.Store.canonical_nquads`), so
the same content always gives the same bytes. The manifest graph ``pgg:manifest`` is left
out of it on purpose: it records *when* each source was loaded, which says nothing about
the content and changes on every reload or restore. Its entries are kept, times included,
in ``manifest.json`` (``sources``). ``pgg:inferred`` is part of the content: it is what
the ontology implies, and a restore rebuilds it to the same statements.

The other RDF files are pyoxigraph's own dumps of the store (:meth:`Store.dump`; the
JSON-LD's IRIs rewritten as CURIEs as it streams): byte for byte the same for one store
read the same way (an in-memory copy and the disk give the statements in other orders),
but they include ``pgg:manifest`` and use the store's blank node labels, so a restored
store writes them differently. Compare snapshots with ``dataset.nq`` (:func:`diff`), not
with them.

**Consistency.** Everything in a snapshot is read through one read-only store handle,
which sees a single committed generation (see :mod:`graph.store`): a load that runs
meanwhile is either wholly in the snapshot or not at all.

**Blank nodes.** RDFC-1.0 labels depend on each blank node's neighbourhood, so unrelated
changes do not relabel them, but a change next to a blank node may; a diff then shows
that node's statements as removed and added. The curated data has no blank nodes (its
annotation selectors are IRIs); the ontology's OWL lists do.

>>> neutralise("=HYPERLINK(\\"http://evil\\")")
'\\'=HYPERLINK("http://evil")'
>>> Statement.parse('<https://w3id.org/peacegraph/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en .').object
Term(kind='literal', value='A', datatype=None, lang='en')
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from graph.results import short_iri
from graph.store import INFERRED_GRAPH, MANIFEST_GRAPH, MANIFEST_NS, Store
from graph.terms import SelectResult, Term
from ontology import GRAPH_NS, ONTOLOGY_VERSION, PREFIXES

if TYPE_CHECKING:
    import networkx

__all__ = [
    "SNAPSHOT_FORMAT", "EXPORT_FORMATS", "CSV_FILES", "SnapshotError",
    "SourceRecord", "Manifest", "Statement", "Diff", "RestoreReport",
    "take", "export", "restore", "diff", "read_manifest", "verify", "network", "neutralise",
]

#: The ``format`` field of manifest.json; bumped when the folder layout changes.
SNAPSHOT_FORMAT = "peacegraph-snapshot/1"
#: What :func:`export` writes.
EXPORT_FORMATS: dict[str, str] = {
    "ttl": "Turtle, the union of all graphs",
    "nt": "N-Triples, the union of all graphs",
    "nq": "canonical N-Quads, every graph but pgg:manifest (dataset.nq of a snapshot)",
    "trig": "TriG, the whole store",
    "jsonld": "JSON-LD, the whole store, compacted with the project prefixes",
    "graphml": "GraphML of the network (graph.analytics, with centrality and community)",
    "gexf": "GEXF of the same network",
}
#: The CSV files of a snapshot and the saved query each one runs.
CSV_FILES: dict[str, str] = {
    "csv/tracks.csv": "tracks",
    "csv/precedents.csv": "precedents",
    "csv/precedents-by-track.csv": "precedents-for-track",
    "csv/party-status.csv": "party-status",
    "csv/timeline.csv": "timeline",
}

_MANIFEST_FILE = "manifest.json"
_DATASET_FILE = "dataset.nq"
_RDF = PREFIXES["rdf"]
_RDFS = PREFIXES["rdfs"]
_PG = PREFIXES["pg"]
_RDF_TYPE = _RDF + "type"
_LABELS = (_RDFS + "label", PREFIXES["skos"] + "prefLabel")
_PARTICIPATION = _PG + "Participation"
_PART_FIELDS = {_PG + "party": "party", _PG + "agreement": "agreement",
                _PG + "status": "status", _PG + "date": "date"}
_ALL_PREFIXES = {**PREFIXES, "pgm": MANIFEST_NS}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_WIDTH = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_JSONLD_CHUNK = 1 << 18  # bytes of JSON-LD rewritten at a time
_SPLIT_BUFFER = 16 << 20  # bytes of lines held while splitting dataset.nq by graph

# one N-Quads line (as pyoxigraph writes it); groups: s-iri s-bnode p o-iri o-bnode
# o-literal o-lang o-datatype g-iri g-bnode. RDF 1.2 triple terms are not handled.
_IRI = r"<((?:[^>\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>"
_BNODE = r"_:(\S+)"
_NQUAD_PATTERN = (
    rf"(?:{_IRI}|{_BNODE}) {_IRI} "
    rf'(?:{_IRI}|{_BNODE}|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^{_IRI})?)'
    rf"(?: (?:{_IRI}|{_BNODE}))? \."
)
_NQUAD = re.compile(_NQUAD_PATTERN)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
# lines the diff needs to read (labels, types, participations), by their predicate
_WANTED = re.compile(
    rb"\S+ <(" + b"|".join(re.escape(p.encode()) for p in (*_LABELS, _RDF_TYPE, *_PART_FIELDS))
    + rb")> "
)


class SnapshotError(Exception):
    """A snapshot could not be written, read, restored or compared; ``str()`` is one line."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SourceRecord:
    """One source as the store's manifest recorded it when the snapshot was taken."""

    name: str
    location: str
    sha256: str
    loader: str
    loaded_at: str  #: ISO 8601, UTC (``2026-11-26T10:00:00Z``)
    statements: int


@dataclass(frozen=True)
class Manifest:
    """The contents of a snapshot's ``manifest.json``.

    ``graphs`` and ``classes`` are :meth:`Store.stats` (all graphs, ``pgg:manifest``
    included); ``statements`` counts the lines of ``dataset.nq``; ``graph_files`` maps each
    graph of ``dataset.nq`` to its ``graphs/*.nq`` file; ``files`` maps every file of the
    folder but manifest.json to its sha256; ``network`` says how the GraphML/GEXF
    projection was built and its size.
    """

    format: str
    created: str
    peacegraph_version: str
    ontology_version: str
    store_version: str
    content_hash: str
    statements: int
    sources: tuple[SourceRecord, ...]
    graphs: dict[str, int]
    classes: dict[str, int]
    graph_files: dict[str, str]
    network: dict[str, Any]
    files: dict[str, str]

    def to_json(self) -> str:
        """The manifest as pretty JSON (what manifest.json holds).

        >>> m = Manifest(SNAPSHOT_FORMAT, "t", "0", "0", "v", "h", 0, (), {}, {}, {}, {}, {})
        >>> Manifest.from_json(m.to_json()) == m
        True
        """
        data = {
            "format": self.format, "created": self.created,
            "peacegraph_version": self.peacegraph_version,
            "ontology_version": self.ontology_version, "store_version": self.store_version,
            "content_hash": self.content_hash, "statements": self.statements,
            "sources": [vars(s) for s in self.sources],
            "graphs": self.graphs, "classes": self.classes, "graph_files": self.graph_files,
            "network": self.network, "files": self.files,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse manifest.json; :class:`SnapshotError` when it is not one."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
                found = data.get("format") if isinstance(data, dict) else None
                raise ValueError(f"format is {found!r}, not {SNAPSHOT_FORMAT!r}")
            return cls(
                format=str(data["format"]), created=str(data["created"]),
                peacegraph_version=str(data["peacegraph_version"]),
                ontology_version=str(data["ontology_version"]),
                store_version=str(data["store_version"]),
                content_hash=str(data["content_hash"]), statements=int(data["statements"]),
                sources=tuple(SourceRecord(**s) for s in data["sources"]),
                graphs=dict(data["graphs"]), classes=dict(data["classes"]),
                graph_files=dict(data["graph_files"]), network=dict(data["network"]),
                files=dict(data["files"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise SnapshotError(f"not a peacegraph snapshot manifest: {error}") from None


@dataclass(frozen=True)
class Statement:
    """One quad of a canonical N-Quads file; ``nquad`` is the line as written (no newline)."""

    subject: Term
    predicate: Term
    object: Term
    graph: Term | None
    nquad: str = field(compare=False, repr=False)

    @classmethod
    def parse(cls, line: str) -> Statement:
        """Parse one N-Quads line (as pyoxigraph writes it); :class:`SnapshotError` if not one.

        >>> s = Statement.parse('_:c14n0 <http://x/p> "a\\\\"b"^^<http://x/d> <http://x/g> .')
        >>> s.subject.kind, s.object.value, s.object.datatype, s.graph.value
        ('bnode', 'a"b', 'http://x/d', 'http://x/g')
        """
        text = line.rstrip("\r\n")
        match = _NQUAD.fullmatch(text)
        if match is None:
            raise SnapshotError(f"not an N-Quads statement peacegraph can read: {text[:120]}")
        g = match.groups()
        subject = Term.iri(_unescape(g[0])) if g[0] is not None else Term.bnode(g[1])
        predicate = Term.iri(_unescape(g[2]))
        if g[3] is not None:
            obj = Term.iri(_unescape(g[3]))
        elif g[4] is not None:
            obj = Term.bnode(g[4])
        else:
            datatype = _unescape(g[7]) if g[7] is not None else None
            obj = Term("literal", _unescape(g[5]), datatype, g[6])
        graph = (Term.iri(_unescape(g[8])) if g[8] is not None
                 else Term.bnode(g[9]) if g[9] is not None else None)
        return cls(subject, predicate, obj, graph, text)


@dataclass(frozen=True)
class RestoreReport:
    """What :func:`restore` did.

    ``matches`` is true when the restored store's content hash equals the snapshot's (it
    can differ only if the inference rules changed since the snapshot was taken).
    """

    store: Path
    sources: tuple[str, ...]
    removed: tuple[str, ...]
    statements: int
    content_hash: str
    expected_hash: str
    seconds: float

    @property
    def matches(self) -> bool:
        """Whether the store now holds exactly the snapshot's content."""
        return self.content_hash == self.expected_hash


# --------------------------------------------------------------------------- taking


def take(store: Store, outdir: str | Path, *,
         progress: Callable[[str], None] | None = None, in_memory: bool = True) -> Manifest:
    """Write a snapshot of ``store`` into the new folder ``outdir``; return its manifest.

    ``outdir`` must not exist (or be an empty directory). The folder is written beside
    it under a temporary name and renamed at the end, so ``outdir`` is either complete
    or absent. Everything is read from the one generation ``store`` sees: by default
    through :meth:`Store.transaction_view`, an in-memory copy read from disk in one pass
    (about 0.6 GB per million statements), which later loads cannot change or delete and
    which the four RDF files and the network and CSV queries then read several times
    faster than the disk (measured at 1M statements: RDF files in 36 s with the copy
    against 66 s from disk, queries 3 to 5 times faster). ``in_memory=False`` reads the
    store directly, in about half the memory (the generation it reads stays on disk until
    it ends, whatever loads happen meanwhile). ``dataset.nq`` is written as it is sorted,
    in bounded memory, and ``graphs/*.nq`` are split from it. ``progress`` is called with each
    file's path (relative to ``outdir``) once the file is written. Two snapshots of an
    unchanged store have byte-identical ``dataset.nq`` and ``graphs/*.nq`` and the same
    ``content_hash``; with the same ``in_memory``, byte-identical RDF files.
    """
    target = Path(outdir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SnapshotError(f"{target} already exists and is not an empty folder; "
                            "give a new folder for the snapshot")
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
    except OSError as error:
        raise SnapshotError(f"cannot create {target}: {error.strerror or error}") from None
    try:
        view = store.transaction_view() if in_memory else store

        def release() -> None:
            if view is not store:
                view.close()  # and its memory is given back

        try:
            manifest = _write_snapshot(view, temp, progress or (lambda path: None), release)
        finally:
            release()
        os.chmod(temp, 0o755)
        if target.exists():
            target.rmdir()
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return manifest


def _write_snapshot(store: Store, folder: Path, progress: Callable[[str], None],
                    release: Callable[[], None]) -> Manifest:
    """Write the files into ``folder``; ``release()`` once ``store`` is read no more."""
    files: dict[str, str] = {}

    def done(relative: str) -> None:
        files[relative] = _sha256_file(folder / relative)
        progress(relative)

    def path_for(relative: str) -> Path:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    with open(path_for(_DATASET_FILE), "wb") as handle:
        _write_canonical(store, handle)
    done(_DATASET_FILE)
    sources = store.manifest()
    graph_files, statements = _split_by_graph(folder / _DATASET_FILE, folder / "graphs",
                                              [GRAPH_NS + entry.name for entry in sources])
    for _, relative in sorted(graph_files.items()):
        done(relative)

    for relative, format in (("dataset.trig", "trig"), ("union.ttl", "ttl")):
        with open(path_for(relative), "wb") as handle:
            store.dump(format, output=handle)
        done(relative)
    with open(path_for("dataset.jsonld"), "wb") as handle:
        _jsonld(store, handle)
    done("dataset.jsonld")

    net = network(store)
    tables = {relative: _csv_bytes(_csv_result(store, query))
              for relative, query in CSV_FILES.items()}
    stats, store_version = store.stats(), store.version
    # networkx builds the GEXF document whole (GraphML it streams through lxml): drop the
    # in-memory copy before (measured at 1M statements: peak 1.08 GB with it, against
    # 0.72 GB for bare dumps of the RDF files)
    release()
    for format in ("graphml", "gexf"):
        _write_network(net, format, path_for(f"network.{format}"))
        done(f"network.{format}")
    for relative, data in tables.items():
        path_for(relative).write_bytes(data)
        done(relative)

    manifest = Manifest(
        format=SNAPSHOT_FORMAT,
        created=_now(),
        peacegraph_version=_peacegraph_version(),
        ontology_version=ONTOLOGY_VERSION,
        store_version=store_version,
        content_hash=files[_DATASET_FILE],
        statements=statements,
        sources=tuple(
            SourceRecord(name=e.name, location=e.location, sha256=e.sha256, loader=e.loader,
                         loaded_at=_iso(e.loaded_at), statements=e.statements)
            for e in sources
        ),
        graphs=dict(stats.graphs),
        classes=dict(stats.classes),
        graph_files=graph_files,
        network={"projection": "graph.analytics.network",
                 "projections": str(net.graph.get("projections", "")),
                 "node_attributes": "graph.analytics.node_attributes",
                 "nodes": net.number_of_nodes(), "edges": net.number_of_edges()},
        files=dict(sorted(files.items())),
    )
    (folder / _MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    progress(_MANIFEST_FILE)
    return manifest


def read_manifest(snapshot_dir: str | Path) -> Manifest:
    """The :class:`Manifest` of a snapshot folder; :class:`SnapshotError` if there is none."""
    path = Path(snapshot_dir) / _MANIFEST_FILE
    try:
        text = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"{Path(snapshot_dir)} is not a snapshot: cannot read "
                            f"{_MANIFEST_FILE} ({error.strerror or error})") from None
    try:
        return Manifest.from_json(text)
    except SnapshotError as error:
        raise SnapshotError(f"{path}: {error}") from None


def verify(snapshot_dir: str | Path) -> list[str]:
    """What is wrong with a snapshot folder, one line each; ``[]`` when it is intact.

    Checks every file against the sha256 manifest.json gives, files missing or not
    listed, and that ``content_hash`` is the sha256 of ``dataset.nq``.

    >>> verify("/nonexistent")[0]  # doctest: +ELLIPSIS
    '/nonexistent is not a snapshot: cannot read manifest.json ...'
    """
    folder = Path(snapshot_dir)
    try:
        manifest = read_manifest(folder)
    except SnapshotError as error:
        return [str(error)]
    problems = []
    for relative, expected in manifest.files.items():
        path = folder / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
            continue
        found = _sha256_file(path)
        if found != expected:
            problems.append(f"{relative}: sha256 is {found}, manifest.json says {expected}")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for relative in sorted(present - set(manifest.files) - {_MANIFEST_FILE}):
        problems.append(f"{relative}: not listed in manifest.json")
    if manifest.files.get(_DATASET_FILE) != manifest.content_hash:
        problems.append(f"content_hash {manifest.content_hash} is not the sha256 of {_DATASET_FILE}")
    return problems


# --------------------------------------------------------------------------- export


def export(store: Store, format: str, output: str | Path | BinaryIO, *,
           in_memory: bool = False) -> None:
    """Write the store in one of :data:`EXPORT_FORMATS` to a path or a binary stream.

    The bytes are those of the matching snapshot file (``nq``: ``dataset.nq``, ``trig``:
    ``dataset.trig``, ``ttl``: ``union.ttl``, ...) when both read the store the same
    way. By default the generation ``store`` sees is streamed from disk: Oxigraph
    serialises it, and canonical N-Quads are sorted in bounded memory, so memory stays
    about flat whatever the store's size. ``in_memory=True`` first copies it
    (:meth:`Store.transaction_view`, about 0.6 GB per million statements): same content,
    other statement order in TriG, Turtle and JSON-LD; it pays only when the same view
    is read many times. Streamed, the generation it reads stays on disk until it ends,
    whatever loads happen meanwhile. A path is written under a temporary name and renamed,
    so it is complete or unchanged.
    """
    if format not in EXPORT_FORMATS:
        raise SnapshotError(f"unknown export format {format!r}; "
                            f"expected one of {', '.join(EXPORT_FORMATS)}")
    view = store.transaction_view() if in_memory and format not in ("graphml", "gexf") else store
    try:
        _export(view, format, output)
    finally:
        if view is not store:
            view.close()


def _export(store: Store, format: str, output: str | Path | BinaryIO) -> None:
    if not isinstance(output, (str, Path)):
        _export_to(store, format, output)
        return
    target = Path(output)
    temp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with open(temp, "wb") as handle:
            _export_to(store, format, handle)
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise SnapshotError(f"cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _export_to(store: Store, format: str, handle: BinaryIO) -> None:
    if format == "nq":
        _write_canonical(store, handle)
    elif format == "jsonld":
        _jsonld(store, handle)
    elif format in ("graphml", "gexf"):
        _write_network(network(store), format, handle)
    else:
        store.dump(format, output=handle)


def _write_canonical(store: Store, handle: BinaryIO) -> None:
    """Canonical N-Quads (every graph but ``pgg:manifest``) into ``handle``."""
    if isinstance(store, Store):
        store.canonical_nquads(output=handle)  # streamed, sorted in bounded memory
    else:  # a graph.remote.RemoteStore, which returns the bytes
        handle.write(store.canonical_nquads())


def _jsonld(store: Store, handle: BinaryIO) -> None:
    """pyoxigraph's JSON-LD, compacted to CURIEs under an ``@context`` of prefixes, into ``handle``.

    The document is ``{"@context": {prefix: namespace, ...}, "@graph": [...]}``, the
    ``@graph`` being pyoxigraph's expanded JSON-LD with every IRI of a known namespace
    (a property, an ``@id``, a datatype's ``@type``) written as ``prefix:local``. It is
    rewritten as it streams (:class:`_CompactingWriter`), so memory does not grow with
    the store.
    """
    context = json.dumps(dict(_ALL_PREFIXES), ensure_ascii=False, separators=(",", ":"))
    handle.write(f'{{"@context":{context},"@graph":'.encode("utf-8"))
    writer = _CompactingWriter(handle, _ALL_PREFIXES)
    store.dump("jsonld", output=writer)  # type: ignore[arg-type]  # (write and flush suffice)
    writer.finish()
    handle.write(b"}\n")


class _CompactingWriter:
    """A binary stream that writes pyoxigraph's expanded JSON-LD with IRIs as CURIEs.

    Works on the text as pyoxigraph writes it (no spaces, every value in an object):
    a property key ``,"http://ns#p":`` or ``{"http://ns#p":`` and an ``"@id":"http://ns#x"``
    or ``"@type":"http://ns#t"`` value are rewritten when the IRI starts with a namespace
    (the longest that leaves a local part not starting with ``//``, which would read as an
    absolute IRI). Inside a JSON string a quote is always escaped, so ``{"``, ``,"`` and
    ``"@id":"`` only occur as structure and literal values are never touched. The text is
    cut before the last ``{"`` of what has arrived, which no rewrite spans.

    >>> out = io.BytesIO()
    >>> w = _CompactingWriter(out, {"ex": "http://ex.org/"})
    >>> for part in (b'[{"@id":"http://ex.org/a","http://ex', b'.org/p":[{"@value":"http://ex.org/v"}]}]'):
    ...     _ = w.write(part)
    >>> w.finish(); out.getvalue()
    b'[{"@id":"ex:a","ex:p":[{"@value":"http://ex.org/v"}]}]'
    """

    def __init__(self, output: BinaryIO, prefixes: Mapping[str, str]) -> None:
        self._output = output
        by_namespace = {ns.encode("utf-8"): f"{prefix}:".encode("utf-8")
                        for prefix, ns in prefixes.items()}
        self._curie = by_namespace
        namespaces = b"|".join(re.escape(ns) for ns in sorted(by_namespace, key=len, reverse=True))
        # a key after { or , (pyoxigraph writes no string array elements), or the value
        # of @id or @type; the local part must not be empty nor start with //
        self._pattern = re.compile(
            rb'(\{"|,"|"@id":"|"@type":")(' + namespaces + rb')(?!//)(?=[^"])')
        self._parts: list[bytes] = []
        self._size = 0
        self._limit = _JSONLD_CHUNK
        self._empty = True

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        self._size += len(data)
        if self._size >= self._limit:
            text = b"".join(self._parts)
            cut = text.rfind(b'{"')
            if cut > 0:
                self._emit(text[:cut])
                text = text[cut:]
                self._limit = _JSONLD_CHUNK
            else:  # one long literal: wait for twice as much (linear time overall)
                self._limit = 2 * len(text)
            self._parts, self._size = [text], len(text)
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        """Write what is left (call once pyoxigraph is done)."""
        self._emit(b"".join(self._parts))
        self._parts, self._size = [], 0
        if self._empty:
            self._output.write(b"[]")

    def _emit(self, text: bytes) -> None:
        if text:
            self._empty = False
            self._output.write(self._pattern.sub(self._replace, text))

    def _replace(self, match: re.Match[bytes]) -> bytes:
        return match[1] + self._curie[match[2]]


# --------------------------------------------------------------------------- the network


def network(store: Store) -> networkx.MultiDiGraph:
    """The network written to GraphML and GEXF: :func:`graph.analytics.network` annotated.

    The analysts' projection (tracks, precedents, issues, parties, agreements,
    institutions; one edge per row of the ``edges-*`` saved queries, IRIs as node ids,
    never a literal or an ontology class), with each node's attributes from
    :func:`graph.analytics.node_attributes` added: ``centrality`` (betweenness),
    ``community`` (seeded Louvain), ``degree`` and ``tracks_reached``, beside ``label``,
    ``type``, ``role``, ``track_number`` and ``date_*``. Every edge gets a unique ``id``
    (``e0``, ``e1``, … in the projection's fixed order): GraphML needs distinct edge ids.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
    ...     network(s).number_of_nodes()
    0
    """
    from graph import analytics

    graph = analytics.network(store)
    for node, attributes in analytics.node_attributes(store, graph=graph).items():
        if node in graph:
            graph.nodes[node].update(attributes)
    for number, (_, _, attributes) in enumerate(graph.edges(data=True)):
        attributes["id"] = f"e{number}"
    return graph


def _write_network(graph: networkx.MultiDiGraph, format: str, output: str | Path | BinaryIO) -> None:
    import networkx as nx

    if format == "graphml":
        nx.write_graphml(graph, output, edge_id_from_attribute="id")
        return
    if isinstance(output, (str, Path)):
        with open(output, "wb") as handle:
            _write_network(graph, format, handle)
        return
    # networkx stamps today's date into <meta lastmodifieddate>: drop it, so the same
    # store gives the same bytes on any day. Written a batch of lines at a time (the
    # document is a few bytes per statement: one more copy of it costs memory).
    from graph.linesort import write_lines

    def lines() -> Iterator[bytes]:
        yield b"<?xml version='1.0' encoding='utf-8'?>\n"
        dated = True
        for line in nx.generate_gexf(graph):
            if dated and " lastmodifieddate=" in line:
                line = re.sub(r' lastmodifieddate="[^"]*"', "", line, count=1)
                dated = False
            yield (line + "\n").encode("utf-8")

    write_lines(lines(), output)


def _lang_rank(term: Term) -> int:
    return 0 if term.lang == "en" else 1 if term.lang is None else 2


# --------------------------------------------------------------------------- CSV


def neutralise(cell: str) -> str:
    """``cell`` with a ``'`` in front when a spreadsheet would run it as a formula.

    Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
    prefixed (OWASP's advice for CSV injection); anything else is returned unchanged.

    >>> neutralise("-1"), neutralise("@SUM(A1)"), neutralise("1953-07-27")
    ("'-1", "'@SUM(A1)", '1953-07-27')
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _csv_result(store: Store, query: str) -> SelectResult:
    from graph import queries

    if query != "precedents-for-track":
        result = queries.run(store, query)
        assert isinstance(result, SelectResult)
        return result
    tracks = queries.run(store, "tracks")
    assert isinstance(tracks, SelectResult)
    rows: list[dict[str, Term]] = []
    variables: tuple[str, ...] = queries.get(query).columns
    for track in tracks.rows:
        part = queries.run(store, query, track=track["track"])
        assert isinstance(part, SelectResult)
        variables = part.variables
        rows.extend(part.rows)
    return SelectResult(variables, rows, False)


def _csv_bytes(result: SelectResult) -> bytes:
    """RFC 4180 CSV (CRLF, UTF-8), one column per variable, values as plain text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in result.variables])
    for row in result.rows:
        writer.writerow([neutralise(_cell(row.get(v))) for v in result.variables])
    return buffer.getvalue().encode("utf-8")


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "bnode":
        return "_:" + term.value
    if term.kind == "triple":
        return term.n3()
    return term.value


# --------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class _RestoredSource:
    """A snapshot graph as the store's :meth:`Store.load` reads a source."""

    name: str
    location: str
    loader: str
    sha256: str
    path: Path
    rdf_format: str | None = None

    def triples(self) -> Iterator[tuple[Any, Any, Any]]:
        from rdflib.term import BNode, Literal, URIRef

        def convert(term: Term) -> Any:
            if term.kind == "uri":
                return URIRef(term.value)
            if term.kind == "bnode":
                return BNode(term.value)
            if term.kind == "literal":
                return Literal(term.value, lang=term.lang, datatype=term.datatype, normalize=False)
            raise SnapshotError(f"{self.path}: cannot restore the triple term {term.n3()}")

        with open(self.path, encoding="utf-8", newline="") as handle:
            for line in handle:
                statement = Statement.parse(line)
                yield convert(statement.subject), convert(statement.predicate), \
                    convert(statement.object)


def restore(store_path: str | Path, snapshot_dir: str | Path, *, force: bool = False,
            progress: Callable[[str], None] | None = None) -> RestoreReport:
    """Load a snapshot into the store at ``store_path`` (created if needed).

    Refuses a store that holds anything unless ``force``; with ``force`` the sources the
    snapshot lacks are removed and the others loaded, except those the store already holds
    with the same name and sha256 (the store's own rule). The snapshot is checked first
    (:func:`verify`). Each source of the snapshot's manifest goes through
    :meth:`Store.load` from its ``graphs/*.nq`` file, so each one is restored completely
    or not at all, and ``pgg:inferred`` is rebuilt; a failure part-way leaves the
    sources already restored in place (rerun with ``force``). The manifest entries keep
    their name, location, sha256, loader and statement count, so a later
    ``peacegraph load`` of the same files skips them; two things cannot be kept:
    ``loadedAt`` is the time of the restore (the original times stay in manifest.json),
    and a source loaded with the ``rdf`` loader records the snapshot's ``graphs/*.nq``
    file as its location, since the store bulk-loads RDF from the file it names.
    ``progress`` is called with each source's name before it is loaded.
    """
    started = time.monotonic()
    folder = Path(snapshot_dir)
    problems = verify(folder)
    if problems:
        raise SnapshotError(f"{folder} is damaged, not restoring: {problems[0]}"
                            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    manifest = read_manifest(folder)
    by_name = {GRAPH_NS + s.name: s for s in manifest.sources}
    strays = sorted(set(manifest.graph_files) - set(by_name) - {INFERRED_GRAPH, MANIFEST_GRAPH})
    if strays:
        raise SnapshotError(f"{folder}: graph {strays[0]} has no source in manifest.json")
    todo = []
    for iri, record in sorted(by_name.items()):
        relative = manifest.graph_files.get(iri)
        if relative is None:
            raise SnapshotError(f"{folder}: source {record.name!r} has no graphs/*.nq file")
        path = (folder / relative).absolute()
        if record.loader == "rdf":
            todo.append(_RestoredSource(record.name, str(path), "rdf", record.sha256, path, "nq"))
        else:
            todo.append(_RestoredSource(record.name, record.location, record.loader,
                                        record.sha256, path))
    with Store.open(store_path, read_only=False) as store:
        present = [entry.name for entry in store.manifest()]
        if (present or store.stats().statements) and not force:
            listed = ", ".join(present) or "statements without sources"
            raise SnapshotError(f"store {store.path} is not empty ({listed}); restore into an "
                                "empty store, or use --force to replace its content")
        removed = tuple(name for name in present if GRAPH_NS + name not in by_name)
        for name in removed:
            store.remove(name)
        for source in todo:
            if progress is not None:
                progress(source.name)
            store.load(source)  # a source the store has already (same name, sha256) is kept
        content = store.canonical_nquads()
    return RestoreReport(
        store=Path(store_path), sources=tuple(s.name for s in todo), removed=removed,
        statements=content.count(b"\n"), content_hash=hashlib.sha256(content).hexdigest(),
        expected_hash=manifest.content_hash, seconds=round(time.monotonic() - started, 3),
    )


# --------------------------------------------------------------------------- diff


@dataclass
class _Index:
    """What a diff needs to name things on one side: labels, types, participations."""

    labels: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    types: dict[str, list[tuple[bool, str]]] = field(default_factory=lambda: defaultdict(list))
    parts: dict[str, dict[str, list[Term]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    subjects: set[bytes] = field(default_factory=set)  #: scanned terms that are subjects here

    def scan(self, lines: Iterable[bytes], terms: set[bytes]) -> None:
        """Record the labels, types and participation fields of ``terms`` (N-Quads tokens)."""
        for line in lines:
            subject = line[:line.find(b" ")]
            if subject not in terms:
                continue
            self.subjects.add(subject)
            if not _WANTED.match(line):
                continue
            statement = Statement.parse(line.decode("utf-8"))
            key = _key(statement.subject)
            prop = statement.predicate.value
            if prop in _LABELS and statement.object.kind == "literal":
                rank = _lang_rank(statement.object) + (0 if prop == _LABELS[0] else 3)
                self.labels[key].append((rank, statement.object.value))
            elif prop == _RDF_TYPE and statement.object.kind == "uri":
                self.types[key].append((_is_inferred(statement), statement.object.value))
            elif prop in _PART_FIELDS:
                self.parts[key][_PART_FIELDS[prop]].append(statement.object)

    def related(self) -> set[bytes]:
        """Terms the recorded ones point to: their classes and participation fields."""
        found = {f"<{cls}>".encode() for types in self.types.values() for _, cls in types}
        for fields in self.parts.values():
            found |= {t.n3().encode() for terms in fields.values() for t in terms
                      if t.kind != "literal"}
        return found


def _indexes(before: _Side, after: _Side, changed: Iterable[Statement]) -> tuple[_Index, _Index]:
    """Both sides' names for the terms of ``changed``, in two passes over each side."""
    terms = {t.n3().encode() for s in changed for t in (s.subject, s.predicate, s.object)
             if t.kind != "literal"}
    old, new = _Index(), _Index()
    old.scan(before.lines, terms)
    new.scan(after.lines, terms)
    more = (old.related() | new.related()) - terms
    if more:
        old.scan(before.lines, more)
        new.scan(after.lines, more)
    return old, new


@dataclass(frozen=True)
class _Side:
    name: str
    content_hash: str
    lines: frozenset[bytes]


@dataclass(frozen=True)
class Diff:
    """Statements in ``new`` and not in ``old`` (``added``) and the reverse (``removed``).

    Both sides are canonical N-Quads (every graph but ``pgg:manifest``); the statements
    are sorted by their N-Quads line. :meth:`text` is for people, :meth:`json` and
    :meth:`patch` for machines.
    """

    old: str
    new: str
    old_hash: str
    new_hash: str
    added: tuple[Statement, ...]
    removed: tuple[Statement, ...]
    _old_index: _Index = field(repr=False, compare=False)
    _new_index: _Index = field(repr=False, compare=False)

    @property
    def equal(self) -> bool:
        """Whether both sides hold the same statements."""
        return not self.added and not self.removed

    def patch(self) -> str:
        """The removed then the added N-Quads lines, prefixed ``- `` and ``+ ``."""
        return "".join([f"- {s.nquad}\n" for s in self.removed] +
                       [f"+ {s.nquad}\n" for s in self.added])

    def json(self) -> str:
        """Both sides, counts (per class of the subject too) and every changed statement.

        Each statement has its terms in the W3C SPARQL JSON shape, the class of its
        subject, labels for its terms, and its N-Quads line.
        """
        def item(statement: Statement, sign: str) -> dict[str, Any]:
            first, second = self._indexes(sign)
            return {
                "subject": _json_term(statement.subject),
                "predicate": _json_term(statement.predicate),
                "object": _json_term(statement.object),
                "graph": statement.graph.value if statement.graph is not None else None,
                "class": self._class(statement.subject, sign),
                "labels": {
                    "subject": _name(statement.subject, first, second),
                    "predicate": _name(statement.predicate, first, second),
                    "object": _name(statement.object, first, second),
                },
                "nquad": statement.nquad,
            }

        by_class: dict[str, dict[str, int]] = defaultdict(lambda: {"added": 0, "removed": 0})
        for sign, statements in (("+", self.added), ("-", self.removed)):
            for statement in statements:
                by_class[self._class_label(statement.subject, sign)][
                    "added" if sign == "+" else "removed"] += 1
        data = {
            "equal": self.equal,
            "old": {"source": self.old, "content_hash": self.old_hash},
            "new": {"source": self.new, "content_hash": self.new_hash},
            "counts": {
                "added": len(self.added), "removed": len(self.removed),
                "added_inferred": sum(1 for s in self.added if _is_inferred(s)),
                "removed_inferred": sum(1 for s in self.removed if _is_inferred(s)),
                "by_class": dict(sorted(by_class.items())),
            },
            "added": [item(s, "+") for s in self.added],
            "removed": [item(s, "-") for s in self.removed],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def text(self) -> str:
        """A readable report: asserted changes grouped by the class of their subject, then counts.

        Each line is ``± subject — predicate — object`` in labels. A participation is
        named ``party — status — agreement, date``, and one that is wholly new (or gone)
        is one line, ``+ Russia — withdrew — CFE Treaty, 2023-11-07``, followed by its
        other statements. Statements of ``pgg:inferred`` are counted, not listed.
        """
        if self.equal:
            return f"no differences (content {self.new_hash[:16]})\n"
        out = [f"--- {self.old} (content {self.old_hash[:16]})",
               f"+++ {self.new} (content {self.new_hash[:16]})"]
        groups: dict[str, dict[tuple[str, str], list[tuple[str, Statement]]]] = defaultdict(
            lambda: defaultdict(list))
        for sign, statements in (("-", self.removed), ("+", self.added)):
            for statement in statements:
                if _is_inferred(statement):
                    continue
                first, second = self._indexes(sign)
                subject = _name(statement.subject, first, second)
                groups[self._class_label(statement.subject, sign)][(subject, sign)].append(
                    (sign, statement))
        for cls in sorted(groups, key=str.lower):
            subjects = groups[cls]
            plus = sum(len(v) for (_, sign), v in subjects.items() if sign == "+")
            minus = sum(len(v) for (_, sign), v in subjects.items() if sign == "-")
            out += ["", f"{cls} (+{plus} −{minus})"]
            for (subject, sign) in sorted(subjects, key=lambda k: (k[0].lower(), k[1])):
                out += self._subject_lines(subject, sign, subjects[(subject, sign)])
        asserted_plus = sum(1 for s in self.added if not _is_inferred(s))
        asserted_minus = sum(1 for s in self.removed if not _is_inferred(s))
        out += ["", f"{asserted_plus} statements added, {asserted_minus} removed; "
                    f"inferred: {len(self.added) - asserted_plus} added, "
                    f"{len(self.removed) - asserted_minus} removed"]
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ rendering helpers
    def _indexes(self, sign: str) -> tuple[_Index, _Index]:
        return (self._new_index, self._old_index) if sign == "+" else (
            self._old_index, self._new_index)

    def _class(self, subject: Term, sign: str) -> str | None:
        for index in self._indexes(sign):
            types = index.types.get(_key(subject))
            if types:
                return min(types, key=lambda t: (t[0], not t[1].startswith(_PG), t[1]))[1]
        return None

    def _class_label(self, subject: Term, sign: str) -> str:
        cls = self._class(subject, sign)
        if cls is None:
            return "Other"
        first, second = self._indexes(sign)
        label = _label_of(cls, first, second) or short_iri(cls).split(":")[-1]
        return label[:1].upper() + label[1:]

    def _subject_lines(self, subject: str, sign: str,
                       items: list[tuple[str, Statement]]) -> list[str]:
        first, other = self._indexes(sign)
        term = items[0][1].subject
        whole = (self._class(term, sign) == _PARTICIPATION
                 and term.n3().encode("utf-8") not in other.subjects)
        lines = []
        if whole:
            lines.append(f"{sign} {subject}")
        for _, statement in sorted(items, key=lambda i: (
                _name(i[1].predicate, first, other).lower(), i[1].nquad)):
            if whole and (statement.predicate.value in _PART_FIELDS
                          or statement.predicate.value == _RDF_TYPE):
                continue
            lines.append(f"{sign} {subject} — {_name(statement.predicate, first, other)} — "
                         f"{_name(statement.object, first, other)}")
        return lines


def diff(old: str | Path | Store, new: str | Path | Store) -> Diff:
    """Compare two snapshots, a snapshot and a store, or two stores.

    A path is a snapshot folder (it has manifest.json: its ``dataset.nq`` is read) or a
    store directory (opened read-only); a :class:`Store` is read as it is. Compares the
    canonical N-Quads of both (``pgg:manifest`` left out).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as s:
    ...     diff(s, s).equal
    True
    """
    before, after = _read_side(old), _read_side(new)
    added = after.lines - before.lines
    removed = before.lines - after.lines
    if not added and not removed:
        empty = _Index()
        return Diff(before.name, after.name, before.content_hash, after.content_hash,
                    (), (), empty, empty)
    plus = tuple(Statement.parse(line.decode("utf-8")) for line in sorted(added))
    minus = tuple(Statement.parse(line.decode("utf-8")) for line in sorted(removed))
    old_index, new_index = _indexes(before, after, plus + minus)
    return Diff(old=before.name, new=after.name, old_hash=before.content_hash,
                new_hash=after.content_hash, added=plus, removed=minus,
                _old_index=old_index, _new_index=new_index)


def _read_side(side: str | Path | Store) -> _Side:
    if isinstance(side, Store):
        data = side.canonical_nquads()
        name = f"store {side.path} ({side.generation or 'empty'})"
    else:
        folder = Path(side)
        if (folder / _MANIFEST_FILE).is_file():
            try:
                data = (folder / _DATASET_FILE).read_bytes()
            except OSError as error:
                raise SnapshotError(f"cannot read {folder / _DATASET_FILE}: "
                                    f"{error.strerror or error}") from None
            name = f"snapshot {folder}"
        elif (folder / "CURRENT").is_file():
            with Store.open(folder) as store:
                return _read_side(store)
        else:
            raise SnapshotError(f"{folder} is neither a snapshot (no {_MANIFEST_FILE}) "
                                "nor a store (no CURRENT)")
    return _Side(name, hashlib.sha256(data).hexdigest(), frozenset(data.splitlines()))


def _key(term: Term) -> str:
    return term.value if term.kind == "uri" else term.n3()


def _label_of(iri: str, first: _Index, second: _Index) -> str | None:
    for index in (first, second):
        candidates = index.labels.get(iri)
        if candidates:
            return _printable(min(candidates)[1])
    return None


def _printable(text: str) -> str:
    """``text`` on one line, with control characters (terminal escapes) shown as ``\\xNN``.

    >>> _printable("a\\n b\\x1b[31m")
    'a b\\\\x1b[31m'
    """
    flat = " ".join(text.split())
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", flat)


def _name(term: Term, first: _Index, second: _Index, *, depth: int = 0) -> str:
    """A person's name for a term: its label, a participation summary, a short literal."""
    if term.kind == "literal":
        text = _printable(term.value)
        if len(text) > _TEXT_WIDTH:
            text = text[:_TEXT_WIDTH - 1] + "…"
        return text if term.datatype is not None else f'"{text}"'
    key = _key(term)
    if depth == 0:
        for index in (first, second):
            types = {t for _, t in index.types.get(key, ())}
            if _PARTICIPATION in types and key in index.parts:
                return _participation(index.parts[key], first, second)
    if term.kind == "uri":
        return _label_of(key, first, second) or short_iri(key)
    return _label_of(key, first, second) or term.n3()


def _participation(fields: Mapping[str, list[Term]], first: _Index, second: _Index) -> str:
    """``party — status — agreement, date`` (each part only if known)."""
    def named(name: str) -> str:
        terms = fields.get(name) or []
        return " / ".join(sorted(_name(t, first, second, depth=1) for t in terms)) or "?"

    text = f"{named('party')} — {named('status')} — {named('agreement')}"
    dates = sorted(t.value for t in fields.get("date") or [])
    return f"{text}, {', '.join(dates)}" if dates else text


def _json_term(term: Term) -> dict[str, str]:
    out = {"type": {"uri": "uri", "bnode": "bnode", "literal": "literal"}.get(term.kind, "triple"),
           "value": term.value}
    if term.lang is not None:
        out["xml:lang"] = term.lang
    elif term.datatype is not None:
        out["datatype"] = term.datatype
    return out


def _is_inferred(statement: Statement) -> bool:
    return statement.graph is not None and statement.graph.value == INFERRED_GRAPH


# --------------------------------------------------------------------------- helpers


def _split_by_graph(dataset: Path, folder: Path,
                    graphs: Iterable[str] = ()) -> tuple[dict[str, str], int]:
    """Write the lines of the canonical N-Quads file ``dataset`` into one file per graph.

    Each file is ``folder/<name>.nq`` (:func:`_graph_file_name`), its lines in the order
    of ``dataset`` (so sorted too); ``graphs`` get a file even if they hold nothing.
    Returns graph IRI (``""``: the default graph) → path relative to ``folder``'s parent,
    and the number of lines. Reads ``dataset`` once and holds a few MB of lines at a time.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[bytes, str] = {}  # graph term as written → graph IRI
    pending: dict[bytes, list[bytes]] = defaultdict(list)
    files: dict[str, str] = {}

    def file_of(graph: str) -> Path:
        return folder / f"{_graph_file_name(graph)}.nq"

    def write_out() -> None:
        for term, lines in pending.items():
            with open(file_of(names[term]), "ab") as handle:
                handle.writelines(lines)
        pending.clear()

    for graph in graphs:
        file_of(graph).touch()
        files[graph] = f"{folder.name}/{file_of(graph).name}"
    count = 0
    with open(dataset, "rb") as handle:
        while block := handle.readlines(_SPLIT_BUFFER):
            for line in block:
                # fast path: the last "<...>" before " ." is a graph already seen, and
                # three terms precede it (in the default graph it would be the object)
                end = len(line) - 3
                start = line.rfind(b" <", 0, end)
                term = line[start + 1:end]
                if term not in names or line.count(b" ", 0, start) < 2:
                    term = _graph_term(line)
                    if term not in names:
                        graph = (_unescape(term[1:-1].decode("utf-8")) if term.startswith(b"<")
                                 else term.decode("utf-8"))
                        names[term] = graph
                        if graph not in files:
                            file_of(graph).touch()
                            files[graph] = f"{folder.name}/{file_of(graph).name}"
                pending[term].append(line)
            count += len(block)
            write_out()
    return files, count


def _graph_term(line: bytes) -> bytes:
    """The graph term of an N-Quads line as written (``<iri>`` or ``_:b``), ``b""`` if none.

    Fast and exact for lines as pyoxigraph writes them: the subject and predicate hold no
    space (RDF 1.2 allows triple terms only as objects), so the last space-separated
    token is the graph unless it starts where the object does; a token that ends a
    literal (it holds a ``"``, or does not look like an IRI or a blank node) is no graph.

    >>> _graph_term(b'<http://s> <http://p> "a <http://x>" .')
    b''
    >>> _graph_term(b'_:a <http://p> <http://o> .')
    b''
    >>> _graph_term(b'<http://s> <http://p> "a b"@en <http://g> .')
    b'<http://g>'
    """
    body = line.rstrip(b"\r\n")
    if not body.endswith(b" ."):
        raise SnapshotError(f"not an N-Quads statement: {body[:120].decode('utf-8', 'replace')}")
    end = len(body) - 2
    start = body.rfind(b" ", 0, end) + 1
    first = body.find(b" ")
    object_start = body.find(b" ", first + 1) + 1
    if first < 0 or object_start <= 0 or start <= object_start:
        return b""
    token = body[start:end]
    if b'"' in token:
        return b""
    if token.startswith(b"<") and token.endswith(b">") and token.count(b"<") == 1:
        return token
    return token if token.startswith(b"_:") else b""


def _graph_file_name(graph: str) -> str:
    """``curated`` for ``pgg:curated``; a stable hash name for any other graph."""
    name = graph[len(GRAPH_NS):] if graph.startswith(GRAPH_NS) else ""
    if _NAME.match(name):
        return name
    digest = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:16]
    return f"default-{digest}" if not graph else f"graph-{digest}"


def _unescape(text: str) -> str:
    """Undo N-Triples escapes (``\\n``, ``\\"``, ``\\u00e9`` …).

    >>> _unescape('a\\\\"b\\\\u00e9\\\\n')
    'a"bé\\n'
    """
    if "\\" not in text:
        return text
    return _ESCAPE.sub(
        lambda m: chr(int(m[1] or m[2], 16)) if (m[1] or m[2]) else _ECHARS.get(m[3], m[3]), text)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return _iso(_dt.datetime.now(_dt.timezone.utc))


def _iso(moment: _dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    text = moment.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z")


def _peacegraph_version() -> str:
    """``peacegraph.__version__``, read from the installed metadata (graph/ never imports
    the command-line package); ``"unknown"`` when peacegraph is not installed."""
    from importlib import metadata

    try:
        return metadata.version("peacegraph")
    except metadata.PackageNotFoundError:
        return "unknown"
