r"""graph.sandbox: the read-only guard and the killable query worker."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import sandbox
from graph.sandbox import (
    QueryMemoryError, QuerySyntaxError, QueryTimeout, Triples, UnsafeQuery, check_read_only, run_query,
)
from graph.terms import SelectResult, Term

try:
    from graph.store import Store, StoreNotFound
except ImportError:  # pragma: no cover - the lead removes this guard
    Store = None  # type: ignore[assignment,misc]

needs_store = pytest.mark.skipif(Store is None, reason="needs graph.store")

EX = "http://example.org/"

# --------------------------------------------------------------------------- the check

SERVICE_QUERIES = {
    "plain": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "lower-case": "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
    "silent, variable endpoint": "SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }",
    "\\u escape": r"SELECT * WHERE { \u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "\\U escape": r"SELECT * WHERE { \U00000053\U00000045RVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "escaped IRI": r"SELECT * WHERE { SERVICE <\u0068ttp://example.org/sparql> { ?s ?p ?o } }",
    "in OPTIONAL": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://x.org/> { ?s ?q ?r } } }",
    "in a sub-select": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://x.org/> { ?s ?p ?o } } } }",
    "in UNION": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <http://x.org/> { ?s ?p ?o } } }",
    "in FILTER EXISTS": "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x.org/> { ?s ?p ?o } } }",
    "in FILTER NOT EXISTS": "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://x.org/> { ?s ?p ?o } } }",
    "in MINUS": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <http://x.org/> { ?s ?p ?o } } }",
    "in GRAPH": "SELECT * WHERE { GRAPH ?g { SERVICE <http://x.org/> { ?s ?p ?o } } }",
    "in a projected EXISTS": "SELECT (EXISTS { SERVICE <http://x.org/> { ?s ?p ?o } } AS ?e) WHERE { ?s ?p ?o }",
    "in ORDER BY": "SELECT * WHERE { ?s ?p ?o } ORDER BY (EXISTS { SERVICE <http://x.org/> { ?s ?p ?o } })",
    "after a comment": "SELECT * WHERE { # SERVICE in a comment is fine\n SERVICE <http://x.org/> { ?s ?p ?o } }",
    "in ASK": "ASK { SERVICE <http://x.org/> { ?s ?p ?o } }",
    "in CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x.org/> { ?s ?p ?o } }",
    "in DESCRIBE": "DESCRIBE ?s WHERE { SERVICE <http://x.org/> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("sparql", SERVICE_QUERIES.values(), ids=SERVICE_QUERIES.keys())
def test_service_is_refused(sparql: str) -> None:
    with pytest.raises(UnsafeQuery, match="refused: the query uses SERVICE"):
        check_read_only(sparql)


UPDATES = {
    "LOAD <http://example.org/data.ttl>": "LOAD",
    "load silent <http://example.org/d.ttl> into graph <http://example.org/g>": "LOAD",
    "INSERT DATA { <http://a> <http://b> <http://c> }": "INSERT DATA",
    "DELETE DATA { <http://a> <http://b> <http://c> }": "DELETE DATA",
    "DELETE WHERE { ?s ?p ?o }": "DELETE WHERE",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }": "DELETE/INSERT",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": "DELETE/INSERT",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://x.org/> { ?s ?p ?o } }": "DELETE/INSERT",
    "DROP ALL": "DROP",
    "CLEAR DEFAULT": "CLEAR",
    "CREATE GRAPH <http://g>": "CREATE",
    "ADD DEFAULT TO <http://g>": "ADD",
    "MOVE DEFAULT TO <http://g>": "MOVE",
    "COPY DEFAULT TO <http://g>": "COPY",
    "PREFIX ex: <http://example.org/>\nDROP GRAPH ex:g ; LOAD <http://x.org/d>": "DROP, LOAD",
    r"\u004C\u004F\u0041\u0044 <http://example.org/d.ttl>": "LOAD",
    "INSERT DATA { <http://a> <http://b> }": "INSERT",  # malformed, still an update
}


@pytest.mark.parametrize(("sparql", "operation"), UPDATES.items(), ids=list(UPDATES.values()))
def test_updates_are_refused(sparql: str, operation: str) -> None:
    with pytest.raises(UnsafeQuery, match=rf"refused: this is a SPARQL update \({operation}\)"):
        check_read_only(sparql)


@pytest.mark.parametrize(("sparql", "form"), [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://example.org/>\nselect distinct ?s where { ?s a ex:C } limit 5", "SELECT"),
    ("SELECT ?s WHERE { ?s a pg:Treaty }", "SELECT"),  # the store predeclares the prefixes
    ("ASK { ?s ?p ?o }", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("CONSTRUCT { ?s <http://x.org/p> ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://example.org/a>", "DESCRIBE"),
    ('SELECT ?service WHERE { ?service <http://x.org/SERVICE> "SERVICE" } # SERVICE', "SELECT"),
    (r'SELECT * WHERE { ?s ?p "caf\u00e9" }', "SELECT"),
])
def test_read_only_queries_pass(sparql: str, form: str) -> None:
    assert check_read_only(sparql) == form


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        check_read_only("SELECT ?s\nWHERE {\n  ?s ?p }")
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert str(caught.value).startswith("SPARQL syntax error at line 3, column 3: ")


@pytest.mark.parametrize("sparql", ["", "   \n", "# just a comment", "PREFIX ex: <http://example.org/>"])
def test_empty_text_is_a_syntax_error(sparql: str) -> None:
    with pytest.raises(QuerySyntaxError, match="no query"):
        check_read_only(sparql)


@pytest.mark.parametrize("sparql", [
    r'SELECT * WHERE { ?s ?p "\u005Cu0022" }',  # expands to another escape
    r'SELECT * WHERE { ?s ?p "\uD800" }',  # a lone surrogate
    r'SELECT * WHERE { ?s ?p "\U00110000" }',  # beyond Unicode
])
def test_bad_escapes_are_syntax_errors(sparql: str) -> None:
    with pytest.raises(QuerySyntaxError):
        check_read_only(sparql)


def test_engine_runs_the_checked_text() -> None:
    """Escapes are expanded once, here; the engine gets the text that was checked."""
    assert sandbox._checked(r"\u0053ELECT * WHERE { ?s ?p ?o }") == (
        "SELECT", "SELECT * WHERE { ?s ?p ?o }")


# --------------------------------------------------------------------------- no network


@pytest.fixture()
def listener():
    """A local TCP server that records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)

    def connected() -> bool:
        try:
            conn, _ = server.accept()
        except OSError:
            return False
        conn.close()
        return True

    yield server.getsockname()[1], connected
    server.close()


def test_service_query_is_refused_before_any_engine_sees_it(listener, monkeypatch) -> None:
    port, connected = listener
    started = []
    monkeypatch.setattr(sandbox.subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(UnsafeQuery):
        run_query("/nonexistent", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> "
                                  "{ ?s ?p ?o } }", timeout=5)
    assert started == []  # no worker was started
    assert not connected()


def _can_isolate_network() -> bool:
    probe = ("import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); "
             "sys.exit(0 if libc.unshare(0x10000000 | 0x40000000) == 0 else 1)")
    return subprocess.run([sys.executable, "-c", probe]).returncode == 0


@needs_store
def test_worker_has_no_network_even_if_service_slipped_through(store_dir: Path, listener) -> None:
    """Defence in depth: a SERVICE that bypassed the check still cannot connect."""
    if not _can_isolate_network():
        pytest.skip("this kernel refuses unprivileged network namespaces")
    port, connected = listener
    request = {
        "opener": sandbox._OPENER, "store": str(store_dir), "form": "SELECT", "params": {},
        "sparql": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "limit": 10, "max_memory": 2 << 30, "cpu_seconds": 30,
    }
    done = subprocess.run([sys.executable, "-m", "graph.sandbox"], cwd=sandbox._ROOT,
                          input=json.dumps(request).encode(), capture_output=True, timeout=30)
    reply = json.loads(done.stdout)
    assert "error" in reply, reply
    assert not connected()


# --------------------------------------------------------------------------- running

N = 3000


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    """A store of a little over 3000 statements: labels in two languages, typed values."""
    if Store is None:
        pytest.skip("needs graph.store")
    from loaders import resolve

    folder = tmp_path_factory.mktemp("sandbox")
    data = folder / "things.ttl"
    lines = ["@prefix ex: <http://example.org/> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
             'ex:a ex:label "Armistice"@en, "정전협정"@ko ; ex:year "1953"^^xsd:gYear ; '
             'ex:note "line one\\nline two, with \\"quotes\\"" .']
    lines += [f"ex:s{i} ex:n {i} ." for i in range(N)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = folder / "store"
    with Store.open(store, read_only=False) as writer:
        writer.load(resolve(data, name="things"))
    return store


@needs_store
def test_select(store_dir: Path) -> None:
    result = run_query(store_dir, "PREFIX ex: <http://example.org/> "
                                  "SELECT ?label WHERE { ex:a ex:label ?label } ORDER BY ?label")
    assert isinstance(result, SelectResult)
    assert result.variables == ("label",)
    assert [row["label"] for row in result.rows] == [
        Term.literal("Armistice", lang="en"), Term.literal("정전협정", lang="ko")]
    assert not result.truncated


@needs_store
def test_params_are_bound_by_the_engine(store_dir: Path) -> None:
    result = run_query(store_dir, "SELECT ?s ?v WHERE { ?s <http://example.org/n> ?v }",
                       params={"v": Term.literal(42)})
    assert [row["s"].value for row in result.rows] == [EX + "s42"]


@needs_store
def test_unbound_values_are_absent(store_dir: Path) -> None:
    result = run_query(store_dir, "SELECT ?s ?missing WHERE { ?s <http://example.org/year> ?y "
                                  "OPTIONAL { ?s <http://example.org/none> ?missing } }")
    assert result.rows == [{"s": Term.iri(EX + "a")}]


@needs_store
def test_ask_and_construct(store_dir: Path) -> None:
    assert run_query(store_dir, "ASK { <http://example.org/a> ?p ?o }") is True
    assert run_query(store_dir, "ASK { <http://example.org/zzz> ?p ?o }") is False
    triples = run_query(store_dir, "CONSTRUCT WHERE { <http://example.org/a> "
                                   "<http://example.org/note> ?o }")
    assert isinstance(triples, Triples) and not triples.truncated
    assert triples == [(Term.iri(EX + "a"), Term.iri(EX + "note"),
                        Term.literal('line one\nline two, with "quotes"'))]


@needs_store
def test_row_cap_truncates(store_dir: Path) -> None:
    result = run_query(store_dir, "SELECT ?s WHERE { ?s <http://example.org/n> ?v }", limit=100)
    assert len(result.rows) == 100 and result.truncated
    exact = run_query(store_dir, "SELECT ?s WHERE { ?s <http://example.org/n> ?v }", limit=N)
    assert len(exact.rows) == N and not exact.truncated
    triples = run_query(store_dir, "CONSTRUCT WHERE { ?s <http://example.org/n> ?v }", limit=10)
    assert len(triples) == 10 and triples.truncated


@needs_store
def test_runaway_query_is_killed_at_the_timeout(store_dir: Path, monkeypatch) -> None:
    workers = []
    popen = subprocess.Popen

    def spy(*args, **kwargs):
        workers.append(popen(*args, **kwargs))
        return workers[-1]

    monkeypatch.setattr(sandbox.subprocess, "Popen", spy)
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"query stopped after 1\.5 s"):
        run_query(store_dir, cartesian, timeout=1.5)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 4, elapsed
    assert workers[0].returncode == -9  # killed, and reaped


@needs_store
def test_memory_cap(store_dir: Path) -> None:
    sort_everything = ("SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } "
                       "ORDER BY ?a ?d ?g")
    with pytest.raises(QueryMemoryError, match="more than 600 MiB"):
        run_query(store_dir, sort_everything, timeout=60, limit=5, max_memory=600 << 20)


@needs_store
def test_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="no store at"):
        run_query(tmp_path / "nothing", "ASK { ?s ?p ?o }")


@needs_store
def test_engine_syntax_errors_come_back_as_syntax_errors(store_dir: Path) -> None:
    # rdflib accepts an undeclared prefix at parse time; Oxigraph does not
    with pytest.raises(QuerySyntaxError, match="line 1, column 33: .*Prefix not found"):
        run_query(store_dir, "SELECT * WHERE { ?s a nope:Thing }")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="timeout"):
        run_query("/x", "ASK {}", timeout=0)
    with pytest.raises(ValueError, match="limit"):
        run_query("/x", "ASK {}", limit=0)
