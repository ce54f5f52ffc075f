"""graph.store: generations, atomic loads, locking, queries, dumps.

Fixtures other test files may reuse (candidates for conftest.py):
``make_source`` (a Source-like record for a file or for in-memory triples),
``make_store`` (a writer on a fresh store in tmp_path) and ``write_ttl``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from rdflib import BNode, Literal, URIRef

import graph.store as store_module
from graph.store import (
    INFERRED_GRAPH, MANIFEST_GRAPH, QuerySyntaxError, SourceSyntaxError, Store, StoreError,
    StoreLocked, StoreNotFound,
)
from graph.terms import XSD, Term
from ontology import GRAPH_NS, ID_NS, PG_NS

REPO = Path(__file__).resolve().parent.parent
EX = "http://example.org/"
PX = f"PREFIX ex: <{EX}>\n"


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class FakeSource:
    """A stand-in for :class:`loaders.Source` (the store reads only these fields)."""

    name: str
    location: str
    loader: str
    sha256: str
    rdf_format: str | None = None
    statements: tuple[tuple[Any, Any, Any], ...] = field(default=(), repr=False)
    fail_after: int | None = None

    def triples(self) -> Iterator[tuple[Any, Any, Any]]:
        for index, triple in enumerate(self.statements):
            if self.fail_after is not None and index == self.fail_after:
                raise ValueError(f"{self.location}: broken record {index}")
            yield triple


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def make_source() -> Callable[..., FakeSource]:
    """``make_source(path, name=...)`` for an RDF file, or ``make_source(triples=..., name=...)``."""

    def make(path: Path | None = None, *, name: str = "test", triples: Iterable[tuple] = (),
             loader: str | None = None, fail_after: int | None = None) -> FakeSource:
        if path is not None:
            return FakeSource(name, str(path), loader or "rdf", _sha256(path), path.suffix[1:])
        statements = tuple(triples)
        digest = hashlib.sha256(repr(statements).encode()).hexdigest()
        return FakeSource(name, f"<{name}>", loader or "curated", digest, None, statements, fail_after)

    return make


@pytest.fixture
def write_ttl(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write_ttl("a.ttl", body)``: a Turtle file with ``ex:``/``pg:``/``pgid:`` prefixes."""

    def write(filename: str, body: str) -> Path:
        path = tmp_path / filename
        path.write_text(
            f"@prefix ex: <{EX}> .\n@prefix pg: <{PG_NS}> .\n@prefix pgid: <{ID_NS}> .\n"
            + textwrap.dedent(body), encoding="utf-8")
        return path

    return write


def _ttl_source(body: str, *, name: str = "test") -> FakeSource:
    """Turtle (with ``ex:``/``pg:``/``pgid:`` prefixes) parsed in-process by rdflib."""
    from rdflib import Graph

    text = f"@prefix ex: <{EX}> .\n@prefix pg: <{PG_NS}> .\n@prefix pgid: <{ID_NS}> .\n{body}"
    statements = tuple(Graph().parse(data=text, format="turtle"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return FakeSource(name, f"<{name}>", "curated", digest, None, statements)


@pytest.fixture
def ttl_source() -> Callable[..., FakeSource]:
    """``ttl_source(body, name=...)``: a triples source (loader "curated"), no child process."""
    return _ttl_source


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Callable[..., Store]]:
    """``make_store()``: a writer on ``tmp_path/store``; closed at teardown."""
    opened: list[Store] = []

    def make(path: Path | None = None, *, read_only: bool = False) -> Store:
        store = Store.open(path or tmp_path / "store", read_only=read_only)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _objects(store: Store, subject: str, predicate: str) -> set[str]:
    rows = store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
                        params={"s": Term.iri(subject), "p": Term.iri(predicate)}).rows
    return {row["o"].value for row in rows}


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


# --------------------------------------------------------------------------- open


def test_open_without_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="run `peacegraph load` first"):
        Store.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreNotFound):
        Store.open(tmp_path / "empty")


def test_read_only_store_refuses_changes(make_store, ttl_source) -> None:
    writer = make_store()
    writer.load(ttl_source("ex:a ex:p 1 .\n"))
    reader = make_store(writer.path, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        reader.load(ttl_source("ex:b ex:p 1 .\n", name="b"))
    with pytest.raises(StoreError, match="read-only"):
        reader.remove("test")


def test_closed_store_raises(make_store) -> None:
    store = make_store()
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.select("SELECT * WHERE { ?s ?p ?o }")


# --------------------------------------------------------------------------- loading


def test_load_rdf_file_into_its_named_graph(make_store, make_source, write_ttl) -> None:
    store = make_store()
    path = write_ttl("a.ttl", 'ex:a ex:p "one"@en, 2 ; ex:q [ ex:r ex:b ] .\n')
    seen: list[int] = []
    report = store.load(make_source(path, name="file-a"), progress=seen.append)
    assert (report.name, report.statements, report.skipped) == ("file-a", 4, False)
    assert seen == [4]
    rows = store.select(PX + f"SELECT ?o WHERE {{ GRAPH <{GRAPH_NS}file-a> {{ ex:a ex:p ?o }} }} ORDER BY ?o").rows
    assert {row["o"] for row in rows} == {Term.literal("one", lang="en"), Term.literal(2)}
    assert store.select("SELECT * WHERE { GRAPH <urn:x:default> { ?s ?p ?o } }").rows == []


def test_load_triples_source(make_store, make_source) -> None:
    bnode = BNode()
    triples = [
        (URIRef(EX + "a"), URIRef(EX + "p"), Literal("Panmunjom", lang="en")),
        (URIRef(EX + "a"), URIRef(EX + "d"), Literal("1953-07-27", datatype=URIRef(XSD + "date"))),
        (URIRef(EX + "a"), URIRef(EX + "q"), bnode),
        (bnode, URIRef(EX + "r"), Literal("x")),
    ]
    store = make_store()
    seen: list[int] = []
    report = store.load(make_source(triples=triples, name="curated"), progress=seen.append)
    assert report.statements == 4 and seen[-1] == 4
    [row] = store.select(PX + "SELECT ?d ?x WHERE { ex:a ex:d ?d ; ex:q ?b . ?b ex:r ?x }",
                         params={}).rows
    assert row["d"].to_python().year == 1953
    assert row["x"] == Term.literal("x")


def test_unchanged_source_is_skipped_and_force_reloads(make_store, ttl_source) -> None:
    store = make_store()
    source = ttl_source("ex:a ex:p 1 .\n")
    first = store.load(source)
    version = store.version
    again = store.load(source)
    assert again.skipped and again.statements == 1
    assert (store.generation, store.version) == (first.generation, version)
    forced = store.load(source, force=True)
    assert not forced.skipped and forced.generation != first.generation
    assert store.version != version
    assert len(store.manifest()) == 1


def test_reload_replaces_only_that_source_graph(make_store, ttl_source) -> None:
    store = make_store()
    store.load(ttl_source("ex:a ex:p 1, 2 .\n", name="a"))
    store.load(ttl_source("ex:b ex:p 9 .\n", name="b"))
    store.load(ttl_source("ex:a ex:p 2, 3 .\n", name="a"))
    assert _objects(store, EX + "a", EX + "p") == {"2", "3"}
    assert _objects(store, EX + "b", EX + "p") == {"9"}
    assert {e.name: e.statements for e in store.manifest()} == {"a": 2, "b": 1}


def test_manifest_records_each_source(make_store, make_source, write_ttl) -> None:
    store = make_store()
    path = write_ttl("a.ttl", "ex:a ex:p 1, 2, 3 .\n")
    before = time.time()
    store.load(make_source(path, name="a"))
    [entry] = store.manifest()
    assert (entry.name, entry.location, entry.loader, entry.statements) == ("a", str(path), "rdf", 3)
    assert entry.sha256 == _sha256(path)
    assert before - 1 <= entry.loaded_at.timestamp() <= time.time() + 1
    assert entry.loaded_at.tzinfo is not None
    # the manifest is data too, in its own graph
    assert store.ask(f"ASK {{ GRAPH <{MANIFEST_GRAPH}> {{ <{GRAPH_NS}a> ?p ?o }} }}")


def test_remove_drops_graph_manifest_entry_and_inferences(make_store, ttl_source, make_source) -> None:
    store = make_store()
    store.load(make_source(REPO / "ontology" / "peacegraph.ttl", name="ontology"))
    store.load(ttl_source("pgid:t a pg:Treaty .\n", name="a"))
    assert store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ pgid:t a pg:Agreement }} }}")
    store.remove("a")
    assert [e.name for e in store.manifest()] == ["ontology"]
    assert not store.ask("ASK { pgid:t ?p ?o }")
    with pytest.raises(StoreError, match="no source named 'a'"):
        store.remove("a")


@pytest.mark.parametrize("name", ["manifest", "inferred", "a b", "", "../x"])
def test_reserved_and_invalid_names_are_refused(make_store, make_source, name: str) -> None:
    store = make_store()
    with pytest.raises(StoreError):
        store.load(make_source(triples=[(URIRef(EX + "a"), URIRef(EX + "p"), Literal(1))], name=name))


def test_dataset_file_lands_in_the_source_graph(make_store, make_source, tmp_path: Path) -> None:
    path = tmp_path / "d.trig"
    path.write_text(f"<{EX}a> <{EX}p> 1 .\n<{EX}g> {{ <{EX}a> <{EX}p> 2 . }}\n", encoding="utf-8")
    store = make_store()
    assert store.load(make_source(path, name="d")).statements == 2
    graphs = {row["g"].value for row in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    assert graphs == {GRAPH_NS + "d", MANIFEST_GRAPH}


def _ntriples(path: Path, lines: int, *, broken: int | None = None, blank: bool = False) -> Path:
    body = [f'<{EX}s{i}> <{EX}p> "{i} 한" .\n' for i in range(lines)]
    if broken is not None:
        body[broken] = f'<{EX}s{broken}> <{EX}p> "unterminated .\n'
    if blank:
        body[0] = body[-1] = f"_:b <{EX}p> <{EX}o> .\n"
    path.write_text("".join(body), encoding="utf-8")
    return path


@pytest.fixture
def split_loads(monkeypatch) -> None:
    """Split every N-Triples file, however small, into three parts."""
    monkeypatch.setattr(store_module, "_SPLIT_LOAD", 0)
    monkeypatch.setattr(store_module, "_cores", lambda: 3)


def test_ntriples_in_parts_load_as_one(make_store, make_source, tmp_path: Path, split_loads) -> None:
    path = _ntriples(tmp_path / "big.nt", 3000)
    assert store_module._cuts(path, 3) is not None
    store = make_store()
    assert store.load(make_source(path, name="big")).statements == 3000
    whole = _load_whole(make_store, make_source, path, "big")
    assert store.dump("nt", graph="big") == whole.dump("nt", graph="big")


def test_ntriples_with_blank_nodes_load_whole(make_store, make_source, tmp_path: Path, split_loads) -> None:
    path = _ntriples(tmp_path / "b.nt", 3000, blank=True)
    assert store_module._cuts(path, 3) is None  # a label is one node only within one parse
    store = make_store()
    store.load(make_source(path, name="b"))
    rows = store.select(PX + "SELECT DISTINCT ?b WHERE { ?b ex:p ex:o }").rows
    assert len(rows) == 1


@pytest.mark.parametrize("broken", [5, 1500, 2999])
def test_syntax_error_in_a_later_part_names_its_file_line(
    make_store, make_source, tmp_path: Path, split_loads, broken: int
) -> None:
    path = _ntriples(tmp_path / "bad.nt", 3000, broken=broken)
    store = make_store()
    before = _snapshot(store)
    with pytest.raises(SourceSyntaxError) as caught:
        store.load(make_source(path, name="bad"))
    assert caught.value.line == broken + 1
    assert _snapshot(store) == before


def _turtle(path: Path, statements: int, *, broken: int | None = None, extra: str = "") -> Path:
    """``statements`` subjects of three triples each, 4 lines per subject (3 + a blank)."""
    body = [f"@prefix ex: <{EX}> .\n# a comment.\n\n"]
    for i in range(statements):
        value = '"unterminated' if i == broken else f'"{i} 한"@ko'
        body.append(f"ex:s{i} a ex:Thing ;\n    ex:p {value} ;\n    ex:q ex:o{i % 7} .\n\n")
    path.write_text("".join(body) + extra, encoding="utf-8")
    return path


def _load_whole(make_store, make_source, path: Path, name: str) -> Store:
    whole = make_store(path.parent / f"whole-{path.stem}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "_SPLIT_LOAD", 1 << 40)
        whole.load(make_source(path, name=name))
    return whole


def test_turtle_in_parts_loads_as_one(make_store, make_source, tmp_path: Path, split_loads) -> None:
    path = _turtle(tmp_path / "big.ttl", 1000)
    cuts, head = store_module._cuts(path, 3, turtle=True)
    assert len(cuts) == 4 and path.read_bytes()[:head].startswith(b"@prefix ex:")
    assert all(path.read_bytes()[cut - 3:cut] == b" .\n" for cut in cuts[1:-1])
    store = make_store()
    assert store.load(make_source(path, name="big")).statements == 3000
    whole = _load_whole(make_store, make_source, path, "big")
    assert store.dump("nt", graph="big") == whole.dump("nt", graph="big")


@pytest.mark.parametrize("extra", [
    '<urn:x> <urn:p> """two\nlines""" .\n',
    "@prefix ex: <urn:other#> .\n",
    "PREFIX other: <urn:other#>\n",
    "_:b <urn:p> <urn:o> .\n",
])
def test_turtle_that_parts_could_misread_loads_whole(tmp_path: Path, extra: str) -> None:
    assert store_module._cuts(_turtle(tmp_path / "t.ttl", 300), 3, least=0, turtle=True)
    assert store_module._cuts(_turtle(tmp_path / "t.ttl", 300, extra=extra), 3, least=0,
                              turtle=True) is None


def test_turtle_without_directives_first_loads_whole(tmp_path: Path) -> None:
    body = _turtle(tmp_path / "t.ttl", 300).read_text(encoding="utf-8").replace("ex:", "ex1:")
    (tmp_path / "late.ttl").write_text(body.split("\n\n", 1)[1] + f"@prefix ex1: <{EX}> .\n",
                                       encoding="utf-8")
    assert store_module._cuts(tmp_path / "late.ttl", 3, least=0, turtle=True) is None


def test_turtle_cut_inside_a_statement_still_loads_it(
    make_store, make_source, tmp_path: Path, split_loads
) -> None:
    # every line of a statement ends in "." (comments) and starts in column 0, so the
    # cuts fall inside statements: the parts fail and the file loads in one parse
    path = tmp_path / "odd.ttl"
    path.write_text(f"@prefix ex: <{EX}> .\n" + "".join(
        f"ex:s{i} # subject.\nex:p # predicate.\nex:o{i} .\n" for i in range(900)), encoding="utf-8")
    cuts, _ = store_module._cuts(path, 3, turtle=True)
    data = path.read_bytes()
    assert any(data[:cut].endswith((b"subject.\n", b"predicate.\n")) for cut in cuts[1:-1])
    store = make_store()
    assert store.load(make_source(path, name="odd")).statements == 900
    assert store.dump("nt", graph="odd") == _load_whole(make_store, make_source, path, "odd").dump(
        "nt", graph="odd")


@pytest.mark.parametrize("broken", [5, 500, 999])
def test_turtle_syntax_error_in_a_part_names_its_file_line(
    make_store, make_source, tmp_path: Path, split_loads, broken: int
) -> None:
    path = _turtle(tmp_path / "bad.ttl", 1000, broken=broken)
    assert store_module._cuts(path, 3, turtle=True) is not None
    store = make_store()
    before = _snapshot(store)
    with pytest.raises(SourceSyntaxError) as caught:
        store.load(make_source(path, name="bad"))
    assert caught.value.line == 3 + broken * 4 + 2
    assert _snapshot(store) == before


def test_keeps_the_newest_two_generations(make_store, ttl_source) -> None:
    store = make_store()
    for n in range(4):
        store.load(ttl_source(f"ex:a ex:p {n} .\n", name="a"))
    assert _generations(store.path) == ["gen-000003", "gen-000004"]
    assert (store.path / "CURRENT").read_text().strip() == "gen-000004"


# --------------------------------------------------------------------------- failures leave the store as it was


def _snapshot(store: Store) -> tuple[str, list[str], bytes | None]:
    return store.version, _generations(store.path), store.dump("nq")


def test_broken_last_line_leaves_store_unchanged(make_store, ttl_source, make_source, write_ttl) -> None:
    store = make_store()
    store.load(ttl_source("ex:a ex:p 1 .\n", name="a"))
    before = _snapshot(store)
    body = "".join(f"ex:s{i} ex:p {i} .\n" for i in range(40)) + 'ex:last ex:p "unterminated .\n'
    path = write_ttl("a.ttl", body)
    last_line = len(path.read_text().splitlines())
    with pytest.raises(SourceSyntaxError) as caught:
        store.load(make_source(path, name="a"))
    error = caught.value
    assert (error.path, error.line) == (str(path), last_line)
    assert str(error).startswith(f"{path}:{last_line}:")
    assert "\n" not in str(error) and "Parser error" not in str(error)
    assert _snapshot(store) == before
    assert _snapshot(make_store(store.path, read_only=True)) == before


def test_loader_error_propagates_and_leaves_store_unchanged(make_store, make_source, monkeypatch) -> None:
    store = make_store()
    triples = [(URIRef(f"{EX}s{i}"), URIRef(EX + "p"), Literal(i)) for i in range(30)]
    store.load(make_source(triples=triples[:3], name="c"))
    before = _snapshot(store)
    monkeypatch.setattr(store_module, "_BATCH", 10)
    with pytest.raises(ValueError, match="broken record 25"):  # after two bulk batches were written
        store.load(make_source(triples=triples, name="c", fail_after=25))
    assert _snapshot(store) == before


def test_child_crash_is_reported_and_store_unchanged(make_store, ttl_source, make_source, write_ttl, monkeypatch) -> None:
    store = make_store()
    store.load(ttl_source("ex:a ex:p 1 .\n", name="a"))
    before = _snapshot(store)
    path = write_ttl("b.ttl", "ex:b ex:p 1 .\n")
    monkeypatch.setattr(store_module, "LOAD_MEMORY_LIMIT", 160 << 20)  # too small to run at all
    monkeypatch.delenv("PEACEGRAPH_LOAD_MEMORY", raising=False)
    with pytest.raises(StoreError, match=str(path)) as caught:
        store.load(make_source(path, name="b"))
    assert "the store is unchanged" in str(caught.value)
    assert _snapshot(store) == before


def test_time_limit_kills_the_child(make_store, make_source, write_ttl, monkeypatch) -> None:
    store = make_store()
    path = write_ttl("b.ttl", "ex:b ex:p 1 .\n")
    monkeypatch.setenv("PEACEGRAPH_LOAD_TIMEOUT", "0.01")
    with pytest.raises(StoreError, match="time limit"):
        store.load(make_source(path, name="b"))
    assert _generations(store.path) == []
    assert store.manifest() == []


_KILLED_LOAD = """
import sys
from dataclasses import dataclass
from graph.store import Store
@dataclass(frozen=True)
class Source:
    name: str; location: str; loader: str; sha256: str; rdf_format: str
    def triples(self): return iter(())
with Store.open(sys.argv[1], read_only=False) as store:
    store.load(Source("big", sys.argv[2], "rdf", "big", "nt"))
print("finished")
"""


def _children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (scans /proc; works without CONFIG_PROC_CHILDREN)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether any thread of ``pid`` still runs: a killed process's main thread turns
    zombie before its other threads finish exiting, and its files (the store's lock)
    close only with the last one."""
    for task in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            if task.read_text().split(")")[-1].split()[0] != "Z":
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the loader child")
def test_sigkill_mid_load_keeps_old_content(ttl_source, tmp_path: Path) -> None:
    root = tmp_path / "store"
    with Store.open(root, read_only=False) as store:
        store.load(ttl_source("ex:a ex:p 1 .\n", name="a"))
        before = _snapshot(store)
    big = tmp_path / "big.nt"
    with big.open("w") as out:
        for i in range(300_000):
            out.write(f'<{EX}s{i}> <{EX}p{i % 13}> "statement number {i}" .\n')
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    loader = subprocess.Popen([sys.executable, "-c", _KILLED_LOAD, str(root), str(big)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        worker: list[int] = []
        while not worker and time.monotonic() < deadline and loader.poll() is None:
            worker = _children(loader.pid)
            time.sleep(0.02)
        assert worker, "the load never started its worker"
        time.sleep(0.4)  # the worker has started Python and is parsing and writing
        assert _alive(worker[0]), "the worker finished before the load could be killed"
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait()
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    deadline = time.monotonic() + 5
    while _alive(worker[0]) and time.monotonic() < deadline:  # PR_SET_PDEATHSIG kills it too
        time.sleep(0.02)
    assert not _alive(worker[0])
    assert (root / "gen-000002").exists()  # the half-written generation was there
    with Store.open(root) as reader:
        assert _snapshot(reader)[::2] == before[::2]
        assert not reader.ask("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'big')) }")
    with Store.open(root, read_only=False) as store:
        assert _generations(root) == ["gen-000001"]  # the torn generation is cleaned up
        report = store.load(ttl_source("ex:b ex:p 2 .\n", name="b"))
        assert report.generation == "gen-000002" and report.statements == 1
        assert {e.name for e in store.manifest()} == {"a", "b"}


# --------------------------------------------------------------------------- writers and readers


def test_second_writer_is_locked_out_while_a_reader_keeps_querying(make_store, ttl_source) -> None:
    writer = make_store()
    writer.load(ttl_source("ex:a ex:p 1 .\n", name="a"))
    reader = make_store(writer.path, read_only=True)
    with pytest.raises(StoreLocked, match=f"locked by another writer \\(pid {os.getpid()}\\)"):
        Store.open(writer.path, read_only=False)
    writer.load(ttl_source("ex:a ex:p 2 .\n", name="a"))
    assert _objects(reader, EX + "a", EX + "p") == {"1"}  # its snapshot, still readable
    assert _objects(make_store(writer.path, read_only=True), EX + "a", EX + "p") == {"2"}
    assert reader.version != writer.version and reader.stale and not writer.stale
    writer.close()
    with Store.open(writer.path, read_only=False) as again:  # the lock is released on close
        assert _objects(again, EX + "a", EX + "p") == {"2"}


def test_a_reader_keeps_its_generation_on_disk_until_it_closes(make_store, ttl_source) -> None:
    writer = make_store()
    writer.load(ttl_source("ex:a ex:p 1 .\n", name="a"))
    reader = Store.open(writer.path)  # reads gen-000001
    for n in (2, 3, 4):
        writer.load(ttl_source(f"ex:a ex:p {n} .\n", name="a"))
    # not deleted under the reader, though older than the two kept
    assert _generations(writer.path) == ["gen-000001", "gen-000003", "gen-000004"]
    assert _objects(reader, EX + "a", EX + "p") == {"1"}
    assert str(EX + "a").encode() in reader.dump("nq")
    reader.close()
    writer.load(ttl_source("ex:a ex:p 5 .\n", name="a"))  # the next writer deletes it
    assert _generations(writer.path) == ["gen-000004", "gen-000005"]


# --------------------------------------------------------------------------- queries (one shared store)

_A_TTL = """ex:a ex:label "Alpha" ; ex:p 1, 2, 3 ; ex:q ex:b ; a ex:C ; ex:name "x"@en .
ex:b ex:label "Beta" ; a ex:C, ex:D .
"""


@pytest.fixture(scope="module")
def query_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A read-only store with an RDF file "a" (:data:`_A_TTL`) and a triples source "b"
    that repeats two of its statements (so the union has duplicates to fold)."""
    tmp = tmp_path_factory.mktemp("query_store")
    path = tmp / "a.ttl"
    path.write_text(PX.replace("PREFIX", "@prefix").rstrip() + " .\n" + _A_TTL, encoding="utf-8")
    with Store.open(tmp / "store", read_only=False) as writer:
        writer.load(FakeSource("a", str(path), "rdf", _sha256(path), "ttl"))
        writer.load(_ttl_source("ex:a ex:p 1 ; a ex:C .\n", name="b"))
    with Store.open(tmp / "store") as reader:
        yield reader


def test_params_are_bound_by_the_engine_not_pasted(query_store: Store) -> None:
    store = query_store
    query = PX + "SELECT ?s ?label WHERE { ?s ex:label ?label }"
    [row] = store.select(query, params={"label": Term.literal("Alpha")}).rows
    assert row["s"] == Term.iri(EX + "a")
    evil = 'Alpha" } UNION { ?s ?p ?label } #'
    assert store.select(query, params={"label": Term.literal(evil)}).rows == []
    with pytest.raises(StoreError, match="parameter '[?]s'"):  # not an IRI: refused, not pasted
        store.select(query, params={"?s": Term.iri(EX + "b> } UNION { ?s ?p ?o")})
    assert store.ask(PX + "ASK { ?s ex:label ?l }", params={"l": Term.literal("Beta")})
    assert not store.ask(PX + "ASK { ?s ex:label ?l }", params={"l": Term.literal("Beta", lang="en")})
    with pytest.raises(TypeError, match="Term"):
        store.select(query, params={"label": "Alpha"})  # type: ignore[dict-item]
    with pytest.raises(StoreError, match="projected"):
        store.select(PX + "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:label ?l }", params={"l": Term.literal("Beta")})


def test_limit_sets_truncated(query_store: Store) -> None:
    query = PX + "SELECT DISTINCT ?o WHERE { ex:a ex:p ?o } ORDER BY ?o"
    assert [r["o"].to_python() for r in query_store.select(query, limit=2).rows] == [1, 2]
    assert query_store.select(query, limit=2).truncated
    assert not query_store.select(query, limit=3).truncated
    assert not query_store.select(query).truncated
    empty = query_store.select(query, limit=0)
    assert empty.rows == [] and empty.truncated
    with pytest.raises(ValueError):
        query_store.select(query, limit=-1)


def test_unbound_variables_are_absent(query_store: Store) -> None:
    result = query_store.select("SELECT ?a ?b WHERE { BIND(1 AS ?a) }")
    assert result.variables == ("a", "b") and result.rows == [{"a": Term.literal(1)}]


@pytest.mark.parametrize("verb, query", [
    ("select", "INSERT DATA { <http://a> <http://b> <http://c> }"),
    ("select", "DROP ALL"),
    ("select", "SELECT ?x WHERE { ?x ?y }"),
    ("ask", "CLEAR DEFAULT"),
    ("construct", "DELETE WHERE { ?s ?p ?o }"),
])
def test_updates_and_bad_queries_are_refused(query_store: Store, verb: str, query: str) -> None:
    before = query_store.stats()
    with pytest.raises(QuerySyntaxError) as caught:
        getattr(query_store, verb)(query)
    assert caught.value.line == 1 and "SPARQL syntax error" in str(caught.value)
    assert query_store.stats() == before


def test_result_terms_equal_the_checked_constructors(query_store: Store) -> None:
    # results are built without the constructor's checks: they must land in the same
    # canonical shape (xsd:string and rdf:langString dropped, tags lower-cased)
    result = query_store.select("""SELECT * WHERE {
      VALUES (?iri ?simple ?typed ?tagged ?int) {
        (<http://a> "x"^^<http://www.w3.org/2001/XMLSchema#string> "y" "z"@EN-GB 7) }
      BIND(BNODE() AS ?blank) BIND(TRIPLE(<http://a>, <http://b>, "c"@EN) AS ?quoted) }""")
    [row] = result.rows
    assert row["iri"] == Term.iri("http://a")
    assert row["simple"] == Term.literal("x") and row["simple"].datatype is None
    assert row["typed"] == Term.literal("y", datatype=XSD + "string")
    assert row["tagged"] == Term.literal("z", lang="en-GB") and row["tagged"].lang == "en-gb"
    assert row["int"] == Term.literal(7) and hash(row["int"]) == hash(Term.literal(7))
    assert row["blank"] == Term.bnode(row["blank"].value)
    assert row["quoted"] == Term("triple", '<http://a> <http://b> "c"@en')
    for term in row.values():
        assert term == Term(term.kind, term.value, term.datatype, term.lang)
        with pytest.raises(AttributeError):
            term.value = "changed"  # type: ignore[misc]


def test_verbs_check_the_query_form(query_store: Store) -> None:
    with pytest.raises(StoreError, match="SELECT"):
        query_store.select("ASK {}")
    with pytest.raises(StoreError, match="ASK"):
        query_store.ask("SELECT * WHERE {}")
    with pytest.raises(StoreError, match="CONSTRUCT"):
        query_store.construct("ASK {}")


def test_construct_returns_terms_once(query_store: Store) -> None:
    triples = query_store.construct(PX + "CONSTRUCT { ?s ex:p ?o } WHERE { ?s ex:p ?o FILTER(?o = 1) }")
    assert triples == [(Term.iri(EX + "a"), Term.iri(EX + "p"), Term.literal(1))]


def test_stats(query_store: Store) -> None:
    stats = query_store.stats()
    assert stats.graphs[GRAPH_NS + "a"] == 10 and stats.graphs[GRAPH_NS + "b"] == 2
    assert stats.classes[EX + "C"] == 2 and stats.classes[EX + "D"] == 1
    assert stats.statements == sum(stats.graphs.values())


# --------------------------------------------------------------------------- dumps


def test_dump_round_trips(query_store: Store, tmp_path: Path) -> None:
    store = query_store
    assert store.generation is not None
    everything = set(pyoxigraph.Store.read_only(str(store.path / store.generation)))
    for fmt in ("nq", "trig", "jsonld"):
        dumped = store.dump(fmt)
        assert set(pyoxigraph.parse(dumped, pyoxigraph.RdfFormat.from_extension(fmt))) == everything, fmt
    original = {(q.subject, q.predicate, q.object) for q in everything if q.graph_name.value == GRAPH_NS + "a"}
    assert len(original) == 10
    for fmt in ("ttl", "nt"):
        dumped = store.dump(fmt, graph="a")
        parsed = {(q.subject, q.predicate, q.object)
                  for q in pyoxigraph.parse(dumped, pyoxigraph.RdfFormat.from_extension(fmt))}
        assert parsed == original, fmt
    union = (store.dump("nt") or b"").decode().splitlines()
    assert len(union) == len(set(union))  # a triple in two graphs is written once
    assert f'<{EX}a> <{EX}p> "1"^^<{XSD}integer> .' in union
    out = tmp_path / "out.ttl"
    with out.open("wb") as handle:
        assert store.dump("ttl", graph=GRAPH_NS + "a", output=handle) is None
    assert out.read_bytes().startswith(b"@prefix")
    with pytest.raises(StoreError, match="no graph"):
        store.dump("ttl", graph="nope")
    with pytest.raises(StoreError, match="unknown dump format"):
        store.dump("xml")
