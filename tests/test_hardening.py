"""Hardening: bad input, faults and hostile queries lose nothing.

Everything here goes through the installed ``peacegraph`` entry point in a subprocess, as
an analyst would run it, against a store pre-loaded with the bundled data. A refused input
must give a non-zero exit, one ``peacegraph: error:`` line naming the file and the
line/column (or record/field) and what was expected, no Python traceback, and an
UNCHANGED store: the same live generation, version, manifest, generation directories and
byte-identical N-Quads dump (:func:`state`).

The unit tests of each module are not repeated (test_cli, test_store, test_sandbox,
test_loaders_rdf, test_xmlguard, test_curated, test_tabular); this module checks the
guarantees end to end and the gaps between modules: huge files, entity attacks that slip
past the guard, killed and concurrent writers, the app during a load, a full disk, hostile
queries watched by a TCP listener, and credentials. See SECURITY.md for the threat model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph.store import Store
from loaders import Source

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "fixtures" / "hostile"
CURATED = REPO / "tests" / "fixtures" / "curated"
_SCRIPT = Path(sys.executable).parent / "peacegraph"
#: The installed console script (pip install -e .), else ``python -m peacegraph``.
ENTRY = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "peacegraph"]
#: Set in the environment of every command started here, so the processes it starts
#: (query workers, loader children) can be found in /proc and checked for leaks.
TAG = "PEACEGRAPH_HARDENING_TAG"
EX = "https://example.org/hostile/"


# --------------------------------------------------------------------------- helpers


def _env(tag: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, TAG: tag, **(extra or {})}


def peacegraph(store: Path, *args: str, timeout: float = 120, stdin: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``peacegraph --store STORE ARGS`` in a subprocess (output decoded by hand)."""
    done = subprocess.run([*ENTRY, "--store", str(store), *args], cwd=REPO,
                          input=None if stdin is None else stdin.encode(),
                          capture_output=True, timeout=timeout, env=env or _env("run"))
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def start(store: Path, *args: str, tag: str = "start") -> subprocess.Popen[bytes]:
    """``peacegraph --store STORE ARGS`` in the background, with Ctrl-C (SIGINT) handled
    as in a terminal even when this suite runs where SIGINT is ignored (a background job
    of a non-interactive shell inherits that, and so would the command)."""
    return subprocess.Popen([*ENTRY, "--store", str(store), *args], cwd=REPO, env=_env(tag),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def assert_clean_failure(done: subprocess.CompletedProcess[str], *needles: str,
                         status: int = 1) -> str:
    """Exit ``status``, one ``peacegraph: error:`` line holding every needle, no traceback."""
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("peacegraph: error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


@dataclass(frozen=True)
class State:
    """Everything that must not change when a load is refused."""

    current: str
    generations: tuple[str, ...]
    version: str
    manifest: tuple[tuple[str, str, int], ...]
    statements: int
    nquads_sha256: str


def state(store: Path) -> State:
    """The store's :class:`State`, read through a read-only handle."""
    with Store.open(store) as handle:
        data = handle.dump("nq")
        assert isinstance(data, bytes)
        return State(
            current=(store / "CURRENT").read_text().strip(),
            generations=tuple(sorted(p.name for p in store.glob("gen-*"))),
            version=handle.version,
            manifest=tuple((e.name, e.sha256, e.statements) for e in handle.manifest()),
            statements=data.count(b"\n"),
            nquads_sha256=hashlib.sha256(data).hexdigest(),
        )


def graph_dump(store: Path, name: str) -> bytes:
    """One graph's statements, sorted, with blank nodes labelled canonically: a reload of
    the same source (e.g. the ontology under ``load --force``) gives the same triples with
    new internal blank-node ids, which is the same content."""
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    with Store.open(store) as handle:
        data = handle.dump("nt", graph=name)
        assert isinstance(data, bytes)
    canonical = to_canonical_graph(Graph().parse(data=data, format="nt"))
    return "\n".join(sorted(canonical.serialize(format="nt").splitlines())).encode()


def wait_for(condition: Callable[[], object], timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def tagged_processes(tag: str) -> list[int]:
    """Live processes whose environment holds ``TAG=tag`` (ours, and what they started)."""
    needle = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0") and _alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.1)
        self.port: int = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    self.received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> list[bytes]:
        """Stop listening (a late connection attempt still counts); what was received."""
        if self._stop.is_set():
            return self.received
        time.sleep(0.2)
        self._stop.set()
        self._thread.join(2)
        self._server.close()
        return self.received


@contextmanager
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def write_ntriples(path: Path, lines: int, *, bad_at: int | None = None) -> int:
    """``lines`` N-Triples statements (~120 bytes each); line ``bad_at`` (1-based) is broken."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(1, lines + 1):
            if i == bad_at:
                out.write(f'<{EX}s{i}> <{EX}p> "an unterminated literal .\n')
            else:
                out.write(f'<{EX}s{i}> <{EX}p{i % 7}> "statement {i}: some padding to make the '
                          f'line longer" .\n')
    return lines - (bad_at is not None)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled ontology and curated data, loaded by `peacegraph load` (do not change)."""
    path = tmp_path_factory.mktemp("hardening") / "store"
    done = peacegraph(path, "load")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Path:
    """A private copy of the pre-loaded store."""
    copy = tmp_path / "store"
    shutil.copytree(base_store, copy)
    return copy


@pytest.fixture(scope="module")
def medium_nt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A valid N-Triples file whose load takes a few seconds (for faults and concurrency)."""
    path = tmp_path_factory.mktemp("medium") / "medium.nt"
    return path, write_ntriples(path, 30_000)


# --------------------------------------------------------------------------- bad input

MALFORMED = {
    # file: what the one error line must say (file:line:column, then what was wrong)
    "broken.ttl": ("broken.ttl:7:1: ", "dot is expected"),
    "broken.nt": ("broken.nt:3:", "string literal"),
    "broken.nq": ("broken.nq:3:", "followed by a dot"),
    "broken.trig": ("broken.trig:10:", "not a valid RDF object"),
    "broken.jsonld": ("broken.jsonld:6:", "railing comma"),
    "broken.rdf": ("broken.rdf:8:", "not well-formed XML: mismatched tag"),
    "bad-status.csv": ("bad-status.csv:4:3: ", "column 'status'", "unknown status 'Stat party'",
                       "expected one of signed"),
    "latin1.ttl": ("latin1.ttl:2:19: ", "invalid UTF-8 byte 0xE9", "expected UTF-8 encoded Turtle"),
    "utf16.ttl": ("utf16.ttl: ", "UTF-16", "expected UTF-8 encoded Turtle"),
    "empty.ttl": ("empty.ttl: ", "is empty", "expected Turtle"),
    "blank.nt": ("blank.nt: ", "is empty", "expected N-Triples"),
    "garbage.ttl": ("garbage.ttl:", "binary data", "expected a Turtle text file"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_file_is_refused_and_store_unchanged(store: Path, name: str) -> None:
    before = state(store)
    line = assert_clean_failure(peacegraph(store, "load", str(HOSTILE / name)), *MALFORMED[name])
    assert "Parser error" not in line  # the parser's own position prefix is not repeated
    assert state(store) == before


def _set(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8")
        assert old in text, (file, old)
        (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return mutate


def _append(file: str, text: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        with (folder / file).open("a", encoding="utf-8") as out:
            out.write(text)
    return mutate


CURATED_ERRORS: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "unknown track": (_set("precedents.yaml", "track: track-1", "track: track-9"), (
        "precedents.yaml:2: ", "record 'pl-track-1-armistice'", "field 'track'",
        "unknown track 'track-9'", "expected an id from tracks.yaml")),
    "unknown party": (_set("participations.yaml", "party: state-rok", "party: state-xx"), (
        "participations.yaml:9: ", "record 'p-armistice-rok'", "field 'party'",
        "unknown party 'state-xx'", "expected an id from parties.yaml")),
    "bad date": (_set("participations.yaml", "date: 1953-07-27", "date: 1953-02-30"), (
        "participations.yaml:5: ", "record 'p-armistice-unc'", "field 'date'",
        "invalid date '1953-02-30'", "expected a date YYYY-MM-DD")),
    "missing source": (_set("parties.yaml", "  sources: [jamestown-russia]\n", ""), (
        "parties.yaml:", "record 'state-russia'", "field 'sources'",
        "missing required field", "expected a list of ids from sources.yaml")),
    "duplicate id": (_set("events.yaml", "id: peace-dialogue-2018-06", "id: state-us"), (
        "events.yaml:1: ", "record 'state-us'", "duplicate id 'state-us'",
        "first used in parties.yaml line 1")),
    "broken YAML": (_append("persons.yaml", "- id: someone\n  label: [unclosed\n"), (
        "persons.yaml:", "YAML syntax error", "expected a YAML list of mappings")),
}


@pytest.mark.parametrize("case", CURATED_ERRORS)
def test_bad_curated_dataset_is_refused_and_store_unchanged(store: Path, tmp_path: Path,
                                                             case: str) -> None:
    """A copy of the curated fixture with one fault, loaded over the live ``curated`` graph."""
    mutate, needles = CURATED_ERRORS[case]
    data = tmp_path / "data"
    shutil.copytree(CURATED, data)
    mutate(data)
    before = state(store)
    assert_clean_failure(peacegraph(store, "load", str(data), "--name", "curated"), *needles)
    assert state(store) == before


_MAX_RSS_SCRIPT = r"""
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True)
print(json.dumps({"returncode": done.returncode, "stderr": done.stderr.decode("utf-8", "replace"),
                  "seconds": time.monotonic() - started,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def test_huge_file_with_one_bad_line_near_the_end(store: Path, tmp_path: Path) -> None:
    """~40 MB of N-Triples, broken five lines from the end: refused, bounded memory.

    The load runs under a small wrapper process, so ``RUSAGE_CHILDREN`` covers exactly
    the command and the loader process it starts (the biggest of them counts).
    """
    lines = 330_000
    huge = tmp_path / "huge.nt"
    write_ntriples(huge, lines, bad_at=lines - 5)
    assert huge.stat().st_size > 35_000_000
    before = state(store)
    wrapper = subprocess.run([sys.executable, "-c", _MAX_RSS_SCRIPT, *ENTRY, "--store", str(store),
                              "load", str(huge)], capture_output=True, text=True, timeout=300,
                             cwd=REPO, env=_env("huge"))
    report = json.loads(wrapper.stdout)
    done = subprocess.CompletedProcess([], report["returncode"], "", report["stderr"])
    assert_clean_failure(done, f"huge.nt:{lines - 5}:", "string literal")
    assert report["max_rss_kib"] < 1 << 20, f"{report['max_rss_kib'] / 1024:.0f} MiB"
    assert state(store) == before


# --------------------------------------------------------------------------- XML, JSON-LD, network


def test_external_entities_are_never_resolved(store: Path, tmp_path: Path) -> None:
    """XXE in every spelling: refused, nothing read or fetched, no canary anywhere."""
    canary = tmp_path / "canary.txt"
    secret = f"CANARY-{os.urandom(8).hex()}"
    canary.write_text(secret)
    rdf = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}a">'
           "<ex:label>&x;</ex:label></rdf:Description></rdf:RDF>\n")
    before = state(store)
    with listener() as connections:
        url = f"{connections.url}/evil"
        attacks = {
            "file.rdf": f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{canary.as_uri()}">]>\n{rdf}',
            "http.rdf": f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{url}">]>\n{rdf}',
            "public.rdf": f'<!DOCTYPE rdf:RDF [<!ENTITY x PUBLIC "-//x//EN" "{url}">]>\n{rdf}',
            "parameter.rdf": (f'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{canary.as_uri()}"> %p;]>\n'
                              + rdf.replace("&x;", "x")),
            "dtd.rdf": f'<!DOCTYPE rdf:RDF SYSTEM "{url}.dtd">\n' + rdf.replace("&x;", "x"),
        }
        outputs = []
        for name, text in attacks.items():
            path = tmp_path / name
            path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text)
            done = peacegraph(store, "load", str(path))
            assert_clean_failure(done, f"{name}:2:", "never" if name == "dtd.rdf" else "entit")
            outputs.append(done.stdout + done.stderr)
        passwd = peacegraph(store, "load", str(HOSTILE / "xxe-passwd.rdf"))
        assert_clean_failure(passwd, "xxe-passwd.rdf:3:", "external entity 'x'", "refused")
        outputs.append(passwd.stdout + passwd.stderr)
    assert connections.received == []
    assert state(store) == before
    with Store.open(store) as handle:
        dump = handle.dump("nq")
    assert isinstance(dump, bytes)
    for text in [*outputs, dump.decode()]:
        assert secret not in text and "root:" not in text


def test_entity_bombs_are_refused_fast(store: Path, tmp_path: Path) -> None:
    """Billion laughs and quadratic blow-up: refused before any expansion."""
    import loaders

    quadratic = tmp_path / "quadratic.rdf"
    quadratic.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [<!ENTITY a "{"x" * 50_000}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}a"><ex:label>'
        + "&a;" * 50_000 + "</ex:label></rdf:Description></rdf:RDF>\n")
    before = state(store)
    for path, where in ((HOSTILE / "billion-laughs.rdf", "billion-laughs.rdf:3:"),
                        (quadratic, "quadratic.rdf:2:")):
        started = time.perf_counter()
        with pytest.raises(loaders.LoadError, match="entity"):
            loaders.resolve(path)  # the check `peacegraph load` runs first
        assert time.perf_counter() - started < 0.5
        started = time.monotonic()
        done = peacegraph(store, "load", str(path))
        elapsed = time.monotonic() - started
        assert_clean_failure(done, where, "internal entity", "refused")
        assert elapsed < 5, elapsed  # interpreter start-up included, on a busy machine
    assert state(store) == before


def test_attacks_that_skip_the_guard_are_contained_by_the_store(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: a file swapped after ``resolve`` checked it reaches the store's
    loader process directly. pyoxigraph resolves no external entity and fetches no
    JSON-LD context; an entity bomb kills only the loader process (memory limit)."""
    monkeypatch.setenv("PEACEGRAPH_LOAD_MEMORY", str(512 << 20))
    secret = f"CANARY-{os.urandom(8).hex()}"
    canary = tmp_path / "canary.txt"
    canary.write_text(secret)
    before = state(store)
    with listener() as connections:
        url = f"{connections.url}/ctx"
        files = {
            "xxe.rdf": ('<?xml version="1.0"?>\n'
                        f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{canary.as_uri()}">]>\n'
                        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                        f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}a">'
                        "<ex:label>&x;</ex:label></rdf:Description></rdf:RDF>\n"),
            "ctx.jsonld": json.dumps({"@context": url, "@id": f"{EX}a", "label": "x"}),
            "import.jsonld": json.dumps({"@context": {"@import": url}, "@id": f"{EX}a",
                                         f"{EX}p": "x"}),
            "bomb.rdf": (HOSTILE / "billion-laughs.rdf").read_text(),
        }
        with Store.open(store, read_only=False) as writer:
            for name, text in files.items():
                path = tmp_path / name
                path.write_text(text)
                fmt = "rdf" if name.endswith(".rdf") else "jsonld"
                started = time.monotonic()
                with pytest.raises(Exception) as caught:  # noqa: PT011 - any clean refusal
                    writer.load(Source(f"x-{name.split('.')[0]}", str(path), "rdf",
                                       name, fmt))
                assert time.monotonic() - started < 30
                assert type(caught.value).__module__ == "graph.store", caught.value
                assert name in str(caught.value) and secret not in str(caught.value)
    assert connections.received == []
    assert state(store) == before


def test_remote_jsonld_context_is_refused_without_a_connection(store: Path, tmp_path: Path) -> None:
    before = state(store)
    with listener() as connections:
        doc = tmp_path / "remote.jsonld"
        doc.write_text(json.dumps({
            "@context": f"{connections.url}/context.jsonld",
            "@id": f"{EX}a", "label": "x"}, indent=1))
        assert_clean_failure(peacegraph(store, "load", str(doc)), "remote.jsonld:2:",
                             "remote JSON-LD contexts are not fetched", "expected an inline @context")
    assert connections.received == []
    assert state(store) == before


# --------------------------------------------------------------------------- faults


def _generation_numbers(store: Path) -> list[int]:
    """Generation directories, committed or not (``gen-000003.tmp`` is a checkpoint in the works)."""
    return sorted(int(m.group(1)) for p in store.glob("gen-*")
                  if (m := re.match(r"gen-(\d+)", p.name)))


def _kill_mid_way(loader: subprocess.Popen[bytes], tag: str, store: Path, live: int, *,
                  child: bool) -> None:
    """SIGKILL the command once its new generation exists (and, with ``child``, while its
    loader process is writing), then check that no process it started survives."""
    assert wait_for(lambda: _generation_numbers(store)[-1] > live, 60), "no new generation"
    if child:
        assert wait_for(lambda: len(tagged_processes(tag)) >= 2, 60), "no loader process"
        time.sleep(0.3)
        assert len(tagged_processes(tag)) >= 2, "the loader process ended before the kill"
    else:
        time.sleep(0.3)
    assert loader.poll() is None, "the load finished before it could be killed"
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait()
    assert wait_for(lambda: not tagged_processes(tag), 10), f"orphans: {tagged_processes(tag)}"


def test_sigkill_mid_load_keeps_old_or_new_content_and_a_new_load_completes(
        store: Path, tmp_path: Path) -> None:
    """SIGKILL the command half-way through an RDF load (while its loader process
    writes), then half-way through an in-process reload of the curated data; each time the
    store opens with the old or the new content of that source, nothing it started
    survives, and the next load completes."""
    big = tmp_path / "big.nt"
    statements = write_ntriples(big, 150_000)
    before = state(store)
    curated_before, ontology_before = graph_dump(store, "curated"), graph_dump(store, "ontology")

    loader = start(store, "load", str(big), tag="killed-rdf")
    _kill_mid_way(loader, "killed-rdf", store, int(before.current[4:]), child=True)
    after = state(store)
    if after.current == before.current:  # old content; the next writer removes the torn generation
        assert _generation_numbers(store)[-1] > int(before.current[4:])
        assert replace(after, generations=before.generations) == before
    else:  # the kill came after the switch: the new content, whole
        assert {name: count for name, _, count in after.manifest}["file-big"] == statements
    assert graph_dump(store, "curated") == curated_before
    assert graph_dump(store, "ontology") == ontology_before
    small = tmp_path / "small.nt"
    write_ntriples(small, 10)
    done = peacegraph(store, "load", str(small))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "file-small: loaded 10 statements\n"
    assert _generation_numbers(store)[-1] == int(state(store).current[4:])  # torn one removed

    # the in-process path: triples written and pgg:inferred rebuilt by the command itself
    loaded = state(store)
    loader = start(store, "load", "--force", tag="killed-curated")
    _kill_mid_way(loader, "killed-curated", store, int(loaded.current[4:]), child=False)
    again = state(store)
    assert {m[0] for m in again.manifest} == {m[0] for m in loaded.manifest}
    assert graph_dump(store, "curated") == curated_before  # same data: old and new agree
    assert graph_dump(store, "ontology") == ontology_before
    done = peacegraph(store, "load", str(CURATED), "--name", "fixture")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("fixture: loaded ")
    final = state(store)
    assert _generation_numbers(store)[-1] == int(final.current[4:])
    assert {m[0] for m in final.manifest} == {m[0] for m in loaded.manifest} | {"fixture"}


_READER = r"""
import json, os, sys, time
from graph.store import Store
store, stop = sys.argv[1], sys.argv[2]
query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
while not os.path.exists(stop):
    try:
        with Store.open(store) as handle:
            n = int(handle.select(query).rows[0]["n"].value)
        print(json.dumps({"at": time.time(), "n": n}), flush=True)
    except Exception as error:
        print(json.dumps({"at": time.time(), "error": f"{type(error).__name__}: {error}"}), flush=True)
    time.sleep(0.05)
"""


def _lock_holder(store: Path) -> str:
    """The pid the writer lock file names (the last writer's, if none holds it now)."""
    try:
        return (store / "lock").read_text().strip()
    except OSError:
        return ""


def test_second_writer_is_refused_while_readers_keep_answering(
        store: Path, tmp_path: Path, medium_nt: tuple[Path, int]) -> None:
    nt, statements = medium_nt
    before = state(store)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(store), str(stop)], cwd=REPO,
                              env=_env("reader", {"PYTHONPATH": str(REPO)}),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        loader = start(store, "load", str(nt), tag="writer")
        load_started = time.time()
        assert wait_for(lambda: _lock_holder(store) == str(loader.pid), 20), "no lock taken"
        second = peacegraph(store, "load", str(HOSTILE.parent / "files" / "small.ttl"))
        assert loader.poll() is None, "the load ended before the second writer tried"
        assert_clean_failure(second, "is locked by another writer", f"pid {loader.pid}")
        query = peacegraph(store, "query", "--sparql",
                           "SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:Track }")
        assert query.returncode == 0 and query.stdout.split("\r\n")[1].isdigit(), query.stderr
        out, err = loader.communicate(timeout=120)
        load_ended = time.time()
        assert loader.returncode == 0, err
        time.sleep(0.3)
    finally:
        stop.touch()
        answers, reader_err = reader.communicate(timeout=30)
    assert reader.returncode == 0, reader_err
    records = [json.loads(line) for line in answers.decode().splitlines()]
    assert [r for r in records if "error" in r] == []
    after = state(store)
    assert {name: count for name, _, count in after.manifest}["file-medium"] == statements
    counts = {r["n"] for r in records}  # quads in all graphs: the old store or the new one
    assert counts == {before.statements, after.statements}, counts
    during = sorted(r["at"] for r in records if load_started <= r["at"] <= load_ended)
    assert len(during) >= 3, during
    gaps = [b - a for a, b in zip([load_started, *during], [*during, load_ended])]
    assert max(gaps) < 2.5, gaps


def test_app_keeps_serving_while_the_command_line_loads(
        store: Path, tmp_path: Path, medium_nt: tuple[Path, int],
        require: Callable[[object, str], None]) -> None:
    import importlib.util

    require((REPO / "app.py").is_file(), "app.py is not there yet")
    require(importlib.util.find_spec("streamlit") is not None, "streamlit is not installed")
    nt, _ = medium_nt
    port = free_port()
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen([*ENTRY, "--store", str(store), "app", "--port", str(port)], cwd=REPO,
                           env=_env("app"), stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    health = f"http://127.0.0.1:{port}/_stcore/health"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(health, timeout=2) as answer:
                return answer.status == 200 and answer.read().strip() == b"ok"
        except OSError:
            return False

    try:
        assert wait_for(healthy, 60, interval=0.2), (tmp_path / "app.log").read_text()
        loader = start(store, "load", str(nt), tag="app-load")
        polls = []
        while loader.poll() is None:
            polls.append(healthy())
            time.sleep(0.2)
        assert loader.returncode == 0, loader.stderr.read() if loader.stderr else ""
        assert len(polls) >= 3 and all(polls), polls
        assert healthy()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
    finally:
        try:
            os.killpg(app.pid, signal.SIGTERM)
            app.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        log.close()


@contextmanager
def small_disk(folder: Path, size: str = "8m") -> Iterator[bool]:
    """A tmpfs of ``size`` mounted on ``folder``; yields False where mounting is refused."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0 if shutil.which("mount") else False
    try:
        yield mounted
    finally:
        if mounted:
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(folder)], capture_output=True)


_FSIZE_LOAD = r"""
import resource, subprocess, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.exit(subprocess.run(sys.argv[2:]).returncode)
"""


def test_full_disk_fails_cleanly_and_keeps_the_old_content(
        base_store: Path, tmp_path: Path, medium_nt: tuple[Path, int]) -> None:
    """The store on an 8 MB tmpfs (``mount -t tmpfs``, as root). Where mounting is not
    permitted, a file size limit (``RLIMIT_FSIZE``) on the loading process simulates the
    full disk instead (writes fail with EFBIG rather than ENOSPC)."""
    nt, _ = medium_nt
    with small_disk(tmp_path / "disk") as mounted:
        store = tmp_path / "disk" / "store"
        shutil.copytree(base_store, store)
        before = state(store)
        if mounted:
            done = peacegraph(store, "load", str(nt))
            assert_clean_failure(done, "medium.nt", "No space left on device",
                                 "the store is unchanged")
            assert state(store) == before
            # the in-process path, with the disk all but full
            free = shutil.disk_usage(store).free
            (tmp_path / "disk" / "filler").write_bytes(b"\0" * max(free - 64 * 1024, 0))
            done = peacegraph(store, "load", "--force", str(REPO / "data"), "--name", "curated")
            assert_clean_failure(done, "No space left on device")
            assert state(store) == before
            (tmp_path / "disk" / "filler").unlink()
        else:
            env = _env("fsize")
            done = subprocess.run([sys.executable, "-c", _FSIZE_LOAD, str(1 << 20), *ENTRY,
                                   "--store", str(store), "load", str(nt)], capture_output=True,
                                  text=True, cwd=REPO, env=env, timeout=120)
            assert_clean_failure(done, "medium.nt")
            assert state(store) == before
        # space again: the next load completes
        small = tmp_path / "small.nt"
        write_ntriples(small, 100)
        done = peacegraph(store, "load", str(small))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "file-small: loaded 100 statements"


# --------------------------------------------------------------------------- hostile queries

REFUSED = {
    "LOAD escaped": (r"\u004COAD <{url}/data.ttl>", "SPARQL update (LOAD)"),
    "SERVICE": ("SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", "uses SERVICE"),
    "SERVICE escaped": (r"ASK {{ FILTER EXISTS {{ \u0053\u0045RVICE SILENT <{url}/x> {{ ?s ?p ?o }} }} }}",
                        "uses SERVICE"),
    "update with SERVICE": ("INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/s> {{ ?s ?p ?o }} }} ;"
                            " DROP ALL", "SPARQL update (DELETE/INSERT, DROP)"),
}


def test_updates_load_and_service_are_refused_without_a_connection(store: Path, tmp_path: Path) -> None:
    before = state(store)
    with listener() as connections:
        url = connections.url
        for name, (sparql, needle) in REFUSED.items():
            text = sparql.format(url=url)
            if name == "SERVICE escaped":  # from a file, as .rq
                (tmp_path / "evil.rq").write_text(text)
                assert_clean_failure(peacegraph(store, "query", str(tmp_path / "evil.rq")),
                                     "refused", needle)
            else:
                assert_clean_failure(peacegraph(store, "query", "--sparql", text), "refused",
                                     needle)
        # not refused, and never dereferenced: FROM only names graphs of the store
        done = peacegraph(store, "query", "--sparql",
                          f"SELECT ?o FROM <{url}/g> FROM NAMED <file:///etc/passwd> "
                          "WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }")
        assert done.returncode == 0, done.stderr
        assert done.stdout == "o\r\n"
    assert connections.received == []
    assert state(store) == before


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_runaway_query_stops_at_the_timeout_and_leaves_no_worker(store: Path) -> None:
    started = time.monotonic()
    done = peacegraph(store, "query", "--timeout", "2", "--sparql", RUNAWAY, env=_env("runaway"))
    assert time.monotonic() - started < 10
    assert_clean_failure(done, "query stopped after 2 s")
    assert wait_for(lambda: not tagged_processes("runaway"), 5), tagged_processes("runaway")


def test_ctrl_c_stops_a_runaway_query_and_its_worker(store: Path) -> None:
    query = start(store, "query", "--timeout", "60", "--sparql", RUNAWAY, tag="interrupted")
    try:
        assert wait_for(lambda: len(tagged_processes("interrupted")) >= 2, 15), "no worker"
        time.sleep(0.5)
        query.send_signal(signal.SIGINT)
        out, err = query.communicate(timeout=10)
    finally:
        if query.poll() is None:
            query.kill()
            query.wait()
    done = subprocess.CompletedProcess([], query.returncode, out.decode(), err.decode())
    assert_clean_failure(done, "interrupted", status=130)
    assert wait_for(lambda: not tagged_processes("interrupted"), 5)


def test_rows_and_triples_are_capped(store: Path) -> None:
    rows = peacegraph(store, "query", "--limit", "7", "-f", "json", "--sparql",
                      "SELECT * WHERE { ?s ?p ?o }")
    assert rows.returncode == 0, rows.stderr
    assert len(json.loads(rows.stdout)["results"]["bindings"]) == 7
    assert "stopped at 7 rows (--limit)" in rows.stderr
    triples = peacegraph(store, "query", "--limit", "5", "-f", "nt", "--sparql",
                         "CONSTRUCT WHERE { ?s ?p ?o }")
    assert triples.returncode == 0, triples.stderr
    assert len(triples.stdout.splitlines()) == 5
    assert "stopped at 5 triples" in triples.stderr


INJECTION = "x> } UNION { ?s ?p ?o . BIND(<y"


def test_parameter_injection_adds_nothing(store: Path) -> None:
    # a saved query's iri parameter: refused as not an IRI
    assert_clean_failure(peacegraph(store, "query", "precedents-for-track", "-p", "track", INJECTION),
                         "parameter 'track'", "is not an IRI", status=2)
    # a saved query's string parameter: a plain string that matches nothing
    done = peacegraph(store, "query", "search", "-p", "text", '") || true || CONTAINS("', "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"] == []
    # ad hoc queries: the values are terms, bound by the engine
    ad_hoc = "SELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    for name, value in (("t", INJECTION), ("l", '"x" } UNION { ?s ?p ?o } #'),
                        ("t", "<x> } UNION { ?s ?p ?o . BIND(<y>")):
        done = peacegraph(store, "query", "--sparql", ad_hoc, "-p", name, value, "-f", "json")
        if done.returncode == 0:
            assert json.loads(done.stdout)["results"]["bindings"] == [], (name, value)
        else:  # an IRI that no IRI can be
            assert_clean_failure(done, f"parameter '{name}'", "Invalid IRI")


# --------------------------------------------------------------------------- secrets


class _EchoingServer(BaseHTTPRequestHandler):
    """A SPARQL server that answers reads, demands a login to update, then fails the
    update with an error page that echoes the request: its headers (Authorization
    included), its body and the decoded user name and password."""

    seen: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = urllib.parse.parse_qs(body)
        if self.path.startswith("/update"):
            auth = self.headers.get("Authorization")
            if not auth:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="peacegraph"')
                self.end_headers()
                return
            self.seen.append(auth)
            decoded = base64.b64decode(auth.split()[1]).decode()
            page = (f"Error 42: update refused for {decoded} (Authorization: {auth})\n"
                    f"{self.headers}\n{body}\n").encode()
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(page)
            return
        query = (form.get("query") or [""])[0]
        if query.lstrip().upper().startswith("ASK"):
            answer = {"head": {}, "boolean": True}
        else:
            answer = {"head": {"vars": re.findall(r"\?(\w+)", query.split("WHERE")[0])},
                      "results": {"bindings": []}}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@dataclass(frozen=True)
class _Exposure:
    """Every text a failed remote load produced, and the secrets that must not be in it."""

    texts: tuple[str, ...]
    password: str
    token: str  # the HTTP basic ``Authorization`` value: base64 of "user:password"


@pytest.fixture
def remote_exposure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
                    require: Callable[[object, str], None]) -> _Exposure:
    """A remote load with PEACEGRAPH_USER / PEACEGRAPH_PASSWORD against
    :class:`_EchoingServer`, then a snapshot of that store: what came out of it all."""
    try:
        from graph import remote
    except ImportError:
        remote = None  # type: ignore[assignment]
    require(remote is not None and hasattr(remote, "RemoteStore"),
            "graph.remote (SPARQL endpoints with credentials) is not there yet")
    import loaders
    from graph import snapshot

    user, password = "analyst", f"pw-{os.urandom(6).hex()}"
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    monkeypatch.setenv("PEACEGRAPH_USER", user)
    monkeypatch.setenv("PEACEGRAPH_PASSWORD", password)
    monkeypatch.setenv("HOME", str(tmp_path))  # no real credentials file
    caplog.set_level(logging.DEBUG)
    source_file = tmp_path / "one.ttl"
    source_file.write_text(f"<{EX}a> <{EX}p> \"x\" .\n")
    _EchoingServer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    texts: list[str] = []
    try:
        with remote.RemoteStore.open(f"{base}/query", update_endpoint=f"{base}/update",
                                     read_only=False, timeout=10) as writer:
            texts.append(repr(writer))
            with pytest.raises(remote.RemoteError) as caught:
                writer.load(loaders.resolve(source_file))
            error: BaseException | None = caught.value
            texts.append("".join(traceback.format_exception(caught.value)))
            while error is not None:
                texts += [str(error), repr(error), repr(error.args)]
                error = error.__cause__ or error.__context__
            try:
                snapshot.take(writer, tmp_path / "snap")  # type: ignore[arg-type]
            except Exception as failure:  # noqa: BLE001 - only its text matters here
                texts.append("".join(traceback.format_exception(failure)))
    finally:
        server.shutdown()
        server.server_close()
    # the credentials were used, in the handshake of the update endpoint
    assert _EchoingServer.seen and set(_EchoingServer.seen) == {f"Basic {token}"}
    captured = capsys.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    texts += [repr(record.args) for record in caplog.records]
    snap = tmp_path / "snap"
    texts += [path.read_bytes().decode("utf-8", "replace")
              for path in (snap.rglob("*") if snap.exists() else []) if path.is_file()]
    assert "Error 42" in " ".join(texts)  # the echoing error page did reach the message
    return _Exposure(tuple(texts), password, token)


def test_password_never_leaks(remote_exposure: _Exposure) -> None:
    """Not in the error (message, args, repr, traceback), the log, the output or a snapshot,
    even when the server echoes it back."""
    for text in remote_exposure.texts:
        assert remote_exposure.password not in text, text


def test_basic_auth_token_never_leaks(remote_exposure: _Exposure) -> None:
    for text in remote_exposure.texts:
        assert remote_exposure.token not in text, text


def test_password_never_leaks_through_the_command_line(
        tmp_path: Path, require: Callable[[object, str], None]) -> None:
    """``peacegraph --endpoint … --update-endpoint … load`` against the echoing server,
    plainly, with ``-v`` and with ``--debug`` (a traceback): the password is in none of it."""
    require("--update-endpoint" in subprocess.run([*ENTRY, "--help"], capture_output=True,
                                                  text=True, cwd=REPO).stdout,
            "the command line has no --endpoint / --update-endpoint yet")
    password = f"pw-{os.urandom(6).hex()}"
    source_file = tmp_path / "one.ttl"
    source_file.write_text(f"<{EX}a> <{EX}p> \"x\" .\n")
    _EchoingServer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = _env("remote", {"PEACEGRAPH_USER": "analyst", "PEACEGRAPH_PASSWORD": password,
                          "HOME": str(tmp_path)})
    env.pop("PEACEGRAPH_STORE", None)
    try:
        for flags in ([], ["-v"], ["--debug"]):
            done = subprocess.run(
                [*ENTRY, *flags, "--endpoint", f"{base}/query", "--update-endpoint",
                 f"{base}/update", "load", str(source_file)],
                capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
            assert done.returncode == 1, (done.stdout, done.stderr)
            assert "Error 42" in done.stderr, done.stderr  # the echoed page was shown
            assert password not in done.stdout + done.stderr, done.stderr
            if not flags:
                assert "Traceback" not in done.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert _EchoingServer.seen  # the credentials were used
    assert not list(tmp_path.rglob(".peacegraph"))  # nothing written locally
