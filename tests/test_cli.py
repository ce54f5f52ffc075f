"""The ``peacegraph`` command line, through the real entry point in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest

from peacegraph import __version__
from peacegraph.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parent.parent
_SCRIPT = Path(sys.executable).parent / "peacegraph"
#: The installed console script when there is one (pip install -e .), else python -m.
ENTRY = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "peacegraph"]

try:
    import graph.store  # noqa: F401
    import loaders  # noqa: F401
except ImportError:  # pragma: no cover - the lead removes this guard
    HAVE_STORE = False
else:
    HAVE_STORE = True
needs_store = pytest.mark.skipif(not HAVE_STORE, reason="needs graph.store")


def run(*args: str, stdin: str | None = None, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``peacegraph ARGS`` in a subprocess, from a scratch directory."""
    done = subprocess.run([*ENTRY, *args], input=None if stdin is None else stdin.encode(),
                          capture_output=True, timeout=timeout, cwd=REPO, env=env)
    # decoded by hand: text=True would turn CSV's CRLF line ends into LF
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


def assert_one_line_error(done: subprocess.CompletedProcess[str], status: int, *needles: str) -> None:
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("peacegraph: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


# --------------------------------------------------------------------------- no store needed


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(COMMANDS))])
def test_help(command: list[str]) -> None:
    done = run(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: peacegraph {' '.join(command)}".rstrip())
    assert done.stderr == ""


def test_every_command_is_listed_and_found() -> None:
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == ["analyze", "app", "diff", "export", "load", "queries",
                                      "query", "restore", "snapshot", "stats", "validate",
                                      "verify"]
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
    assert cli.get_command(ctx, "frobnicate") is None


def test_an_unknown_command_suggests_close_names() -> None:
    if not hasattr(click.exceptions, "NoSuchCommand"):
        pytest.skip("click < 8.4 suggests no command names")
    assert_one_line_error(run("quer"), 2, "No such command 'quer'", "'queries', 'query'")


def test_help_documents_store_and_exit_statuses() -> None:
    text = run("--help").stdout
    assert "--store DIR" in text and "$PEACEGRAPH_STORE or ./.peacegraph/store" in " ".join(text.split())
    for status in ("0 ", "1 ", "2 ", "130"):
        assert f"\n    {status}" in text, status


def test_version_matches_pyproject() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert __version__ == pyproject["project"]["version"]
    assert run("--version").stdout == f"peacegraph {__version__}\n"


@pytest.mark.parametrize(("args", "needle"), [
    (["frobnicate"], "No such command 'frobnicate'"),
    (["query", "--frob"], "No such option '--frob'"),
    (["query"], "give one of: a saved query NAME, a FILE.rq, or --sparql TEXT"),
    (["query", "tracks", "--sparql", "ASK {}"], "give one of"),
    (["-q", "-v", "stats"], "either --quiet or --verbose"),
    (["query", "--sparql", "ASK {}", "--limit", "0"], "--limit"),
    (["query", "--sparql", "ASK {}", "--timeout", "-1"], "--timeout"),
    (["query", "missing-file.rq"], "cannot read missing-file.rq"),
    (["query", "--sparql", "ASK { ?s ?p ?o }", "-f", "ttl"], "use table, csv, tsv, json, xml"),
    (["query", "--sparql", "CONSTRUCT WHERE { ?s ?p ?o }", "-f", "csv"], "use ttl, nt, jsonld"),
    (["query", "--sparql", "ASK {}", "-p", "x", "1", "-p", "x", "2"], "parameter 'x' is given twice"),
    (["load", "--name", "x"], "--name needs exactly one SOURCE"),
])
def test_usage_errors_exit_2_with_one_line(args: list[str], needle: str) -> None:
    assert_one_line_error(run(*args), 2, needle)


@pytest.mark.parametrize(("sparql", "needle"), [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "uses SERVICE"),
    (r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "uses SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o OPTIONAL { service <http://127.0.0.1:9/> { ?s ?p ?o } } }",
     "uses SERVICE"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "SPARQL update (LOAD)"),
    ("INSERT DATA { <http://a> <http://b> <http://c> }", "SPARQL update (INSERT DATA)"),
    ("DELETE WHERE { ?s ?p ?o }", "SPARQL update (DELETE WHERE)"),
    ("DROP ALL", "SPARQL update (DROP)"),
])
def test_unsafe_queries_are_refused(tmp_path: Path, sparql: str, needle: str) -> None:
    # refused before any store is opened: the store does not even exist
    done = run("--store", str(tmp_path / "none"), "query", "--sparql", sparql)
    assert_one_line_error(done, 1, "refused", needle)


def test_unsafe_query_from_a_file_and_stdin(tmp_path: Path) -> None:
    rq = tmp_path / "evil.rq"
    rq.write_text("# harmless?\nCLEAR ALL\n")
    assert_one_line_error(run("query", str(rq)), 1, "SPARQL update (CLEAR)")
    assert_one_line_error(run("query", "-", stdin="MOVE DEFAULT TO <http://g>"), 1,
                          "SPARQL update (MOVE)")


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    done = run("--store", str(tmp_path / "none"), "query", "--sparql", "SELECT ?s\nWHERE {\n ?s ?p }")
    assert_one_line_error(done, 1, "SPARQL syntax error at line 3, column 2")


def test_missing_store_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    store = tmp_path / "none"
    done = run("--store", str(store), "query", "--sparql", "ASK { ?s ?p ?o }")
    assert_one_line_error(done, 1, f"no store at {store}", "peacegraph load")
    assert_one_line_error(run("--store", str(store), "stats"), 1, "no store at")
    debug = run("--store", str(store), "--debug", "stats")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "StoreNotFound" in debug.stderr


def test_load_error_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .\n")
    done = run("--store", str(tmp_path / "store"), "load", str(bad))
    assert_one_line_error(done, 1, "bad.ttl")


def test_app_without_app_py_exits_2_or_shows_a_local_only_command(tmp_path: Path) -> None:
    done = run("--store", str(tmp_path / "s"), "app", "--dry-run", "--port", "8765")
    if not (REPO / "app.py").exists():
        assert_one_line_error(done, 2, "app.py does not exist")
        return
    assert done.returncode == 0, done.stderr
    for flag in ("streamlit run", "--server.address 127.0.0.1", "--server.port 8765",
                 "--browser.gatherUsageStats false", "--client.showErrorDetails none",
                 "--server.enableXsrfProtection true", f"PEACEGRAPH_STORE={tmp_path / 's'}"):
        assert flag in done.stdout, flag


# --------------------------------------------------------------------------- with a store


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled ontology and curated data, loaded by `peacegraph load`."""
    if not HAVE_STORE:
        pytest.skip("needs graph.store")
    path = tmp_path_factory.mktemp("cli") / "store"
    done = run("--store", str(path), "load")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("ontology: loaded ")
    assert done.stdout.splitlines()[1].startswith("curated: loaded ")
    assert "\r" not in done.stderr  # no progress bar when stderr is not a terminal
    return path


@needs_store
def test_load_again_skips_unchanged_sources(store: Path) -> None:
    done = run("--store", str(store), "load")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ontology: skipped (unchanged)\ncurated: skipped (unchanged)\n"
    assert run("--store", str(store), "-q", "load").stdout == ""


@needs_store
def test_stats(store: Path) -> None:
    done = run("--store", str(store), "stats")
    assert done.returncode == 0, done.stderr
    assert "pgg:curated" in done.stdout and "pg:Track" in done.stdout
    counts = json.loads(run("--store", str(store), "stats", "-f", "json").stdout)
    assert counts["classes"]["https://w3id.org/peacegraph/ontology#Track"] == 6


@needs_store
def test_queries_listing(store: Path) -> None:
    table = run("queries")
    assert table.returncode == 0 and "precedents-for-track" in table.stdout
    listing = json.loads(run("queries", "--format", "json").stdout)
    by_name = {q["name"]: q for q in listing}
    assert by_name["precedents-for-track"]["parameters"][0]["name"] == "track"
    assert {"name", "title", "description", "parameters"} <= set(by_name["tracks"])


@needs_store
def test_saved_query_formats(store: Path) -> None:
    csv = run("--store", str(store), "query", "tracks")  # piped: csv by default
    assert csv.returncode == 0, csv.stderr
    header, *rows = csv.stdout.split("\r\n")
    assert header.startswith("track,number,label") and len([r for r in rows if r]) == 6
    table = run("--store", str(store), "query", "tracks", "-f", "table").stdout
    assert "pgid:track-1" in table and table.endswith("\n6 rows\n")
    doc = json.loads(run("--store", str(store), "query", "tracks", "-f", "json").stdout)
    assert len(doc["results"]["bindings"]) == 6
    tsv = run("--store", str(store), "query", "tracks", "-f", "tsv").stdout
    assert tsv.startswith("?track\t?number\t")
    assert run("--store", str(store), "query", "tracks", "-f", "xml").stdout.startswith("<?xml")


@needs_store
def test_saved_query_parameters(store: Path) -> None:
    done = run("--store", str(store), "query", "precedents-for-track", "-p", "track", "track-4")
    assert done.returncode == 0, done.stderr
    assert "https://w3id.org/peacegraph/id/cfe-treaty" in done.stdout
    assert_one_line_error(run("--store", str(store), "query", "timeline", "-p", "from", "1990-13-01"),
                          2, "parameter 'from'", "not a date")
    assert_one_line_error(run("--store", str(store), "query", "trackz"), 2,
                          "no saved query named 'trackz'", "did you mean tracks")


@needs_store
def test_saved_query_limit(store: Path) -> None:
    done = run("--store", str(store), "query", "tracks", "--limit", "2", "-f", "table")
    assert done.stdout.endswith("2 rows (truncated at 2 rows)\n")
    piped = run("--store", str(store), "query", "tracks", "--limit", "2")
    assert "stopped at 2 rows" in piped.stderr


@needs_store
def test_ad_hoc_queries(store: Path, tmp_path: Path) -> None:
    sparql = "SELECT ?t WHERE { ?t a pg:Track } ORDER BY ?t"
    done = run("--store", str(store), "query", "--sparql", sparql)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\r\n")[:2] == ["t", "https://w3id.org/peacegraph/id/track-1"]
    rq = tmp_path / "tracks.rq"
    rq.write_text(sparql)
    assert run("--store", str(store), "query", str(rq)).stdout == done.stdout
    assert run("--store", str(store), "query", "-", stdin=sparql).stdout == done.stdout
    # a bound parameter must be projected (pyoxigraph's substitution semantics)
    number = run("--store", str(store), "query", "--sparql",
                 "SELECT ?t ?n WHERE { ?t pg:trackNumber ?n }", "-p", "n", "4")
    assert number.stdout == "t,n\r\nhttps://w3id.org/peacegraph/id/track-4,4\r\n"
    ask = run("--store", str(store), "query", "--sparql", "ASK { pgid:track-4 a pg:Track }",
              "-f", "json")
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}


@needs_store
def test_construct(store: Path) -> None:
    sparql = "CONSTRUCT WHERE { pgid:track-4 rdfs:label ?l }"
    ttl = run("--store", str(store), "query", "--sparql", sparql)
    assert ttl.returncode == 0, ttl.stderr
    assert "pgid:track-4" in ttl.stdout and "rdfs:label" in ttl.stdout
    nt = run("--store", str(store), "query", "--sparql", sparql, "-f", "nt").stdout
    assert nt.startswith("<https://w3id.org/peacegraph/id/track-4> "
                         "<http://www.w3.org/2000/01/rdf-schema#label> ")


@needs_store
def test_runaway_ad_hoc_query_times_out(store: Path) -> None:
    started = time.monotonic()
    done = run("--store", str(store), "query", "--timeout", "1", "--sparql",
               "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert time.monotonic() - started < 10
    assert_one_line_error(done, 1, "query stopped after 1 s")


@needs_store
def test_saved_query_path_is_lean(store: Path) -> None:
    """`peacegraph query NAME` imports none of the heavy libraries."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "peacegraph",
                           "--store", str(store), "query", "tracks"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "graph" in imported and "click" in imported  # the measurement works
    heavy = {"streamlit", "owlready2", "networkx", "pandas", "pyshacl", "rdflib"}
    assert imported & heavy == set()


@needs_store
def test_saved_query_path_loads_only_its_command(store: Path, tmp_path: Path) -> None:
    """`peacegraph query NAME` imports no other command's module, and once the query's
    parse is kept (with bytecode, as the benchmark runs it), not PyYAML either."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    code = ("import atexit, json, sys\n"
            "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
            "from peacegraph.cli import main\n"
            "main()\n")
    for attempt in range(2):
        done = subprocess.run([sys.executable, "-c", code, "--store", str(store), "query",
                               "tracks", "--format", "csv"],
                              capture_output=True, text=True, cwd=REPO, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("track,")
        imported = set(json.loads(done.stderr.splitlines()[-1]))
        assert "peacegraph.cli_query" in imported  # the measurement works
        others = {"peacegraph.cli_analyze", "peacegraph.cli_app", "peacegraph.cli_data",
                  "peacegraph.cli_snapshot", "graph.sandbox", "graph.remote"}
        assert imported & others == set()
    assert "yaml" not in imported


@pytest.mark.slow
@needs_store
def test_validate(store: Path, require) -> None:
    import shutil

    require(shutil.which("java"), "the OWL check needs Java")
    done = run("--store", str(store), "validate", timeout=600)
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.startswith("SHACL: ")
    assert "OWL: " in done.stdout
    assert done.stdout.rstrip().endswith("valid")
    assert (done.returncode == 0) == done.stdout.rstrip().endswith("\nvalid")


@needs_store
def test_validate_without_the_curated_graph(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run("--store", str(store), "load", str(REPO / "ontology" / "peacegraph.ttl")).returncode == 0
    assert_one_line_error(run("--store", str(store), "validate", "--no-owl"), 1,
                          "no graph 'curated'", "peacegraph load")


def test_queries_check() -> None:
    done = run("queries", "--check")
    assert done.returncode == 0, done.stderr
    assert "saved queries OK" in done.stderr


def test_every_command_takes_the_store_options_after_its_name(bundled_store_path: Path) -> None:
    """--store, --endpoint and --update-endpoint work before or after a command's name,
    on every command (the issue spells `peacegraph app [--store DIR] [--endpoint URL]`)."""

    def commands(group: Any) -> list[Any]:
        out = []
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            out += commands(command) if isinstance(command, click.Group) else [command]
        return out

    for command in commands(cli):
        names = {name for param in command.params for name in param.opts}
        assert {"--store", "--endpoint", "--update-endpoint"} <= names, command.name
    here = run("query", "--store", str(bundled_store_path), "tracks", "--format", "csv")
    assert here.returncode == 0 and "Inter-Korean relations" in here.stdout
    # the command's own --store wins over the group's
    both = run("--store", "/nonexistent", "query", "--store", str(bundled_store_path), "tracks",
               "--format", "csv")
    assert both.returncode == 0 and "Inter-Korean relations" in both.stdout
    shown = run("app", "--store", "/tmp/s", "--endpoint", "http://127.0.0.1:9/query",
                "--port", "8600", "--dry-run")
    assert shown.returncode == 0
    assert "PEACEGRAPH_ENDPOINT=http://127.0.0.1:9/query" in shown.stdout
    assert "--server.port 8600" in shown.stdout
