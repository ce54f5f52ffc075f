"""The child processes of the harness: ``python -m benchmarks.tasks TASK ARGS-JSON``.

A task (:data:`TASKS`) does one measured thing in a fresh process and prints one JSON
line: ``ok``, ``seconds`` (timed inside, after the imports), ``rss_self_kb`` and
``rss_children_kb``. ``python -m benchmarks.tasks worker ARGS`` is a long-lived engine
process (:data:`benchmarks.ENGINES`: peacegraph on disk, peacegraph as the app answers,
pyoxigraph or rdflib) that answers JSON commands on stdin, one line each: run a query,
serialise the dataset, quit. rdflib is stopped by ``SIGALRM``; the others are stopped by
the parent, which kills the worker.

This is measurement code: it imports pyoxigraph directly.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import HERE
from ontology import PREFIXES

__all__ = ["TASKS", "SNAPSHOT_RDF", "main"]

REPO = HERE.parent
#: The RDF files of a snapshot (what the bare-pyoxigraph "snapshot" dumps).
SNAPSHOT_RDF = {"dataset.nq": "nq", "dataset.trig": "trig", "union.ttl": "ttl",
                "dataset.jsonld": "jsonld"}
_RDFLIB_FORMATS = {"nt": "nt", "ttl": "turtle", "nq": "nquads", "trig": "trig",
                   "jsonld": "json-ld"}


def _task_build_store(args: dict[str, Any]) -> dict[str, Any]:
    import loaders
    from graph.store import Store
    from ontology import ONTOLOGY_TTL

    started = time.perf_counter()
    with Store.open(args["store"], read_only=False) as store:
        for location, name in args["sources"]:
            source = loaders.resolve(ONTOLOGY_TTL if location == "ontology" else location,
                                     name=name)
            store.load(source)
        stats = store.stats()
        if args.get("dump"):
            with open(args["dump"], "wb") as handle:
                store.dump("nq", output=handle)
    out: dict[str, Any] = {"ok": True, "quads": stats.statements,
                           "graphs": dict(sorted(stats.graphs.items())),
                           "inferred": stats.graphs.get(
                               "https://w3id.org/peacegraph/graph/inferred", 0)}
    if args.get("bare"):
        import pyoxigraph as ox

        bare = ox.Store(args["bare"])
        bare.bulk_load(path=args["dump"], format=ox.RdfFormat.N_QUADS)
        bare.flush()
        out["bare_quads"] = len(bare)
        del bare
    out["seconds"] = time.perf_counter() - started
    return out


def _task_load_pg(args: dict[str, Any]) -> dict[str, Any]:
    import loaders
    from graph.store import Store

    started = time.perf_counter()
    source = loaders.resolve(args["file"])
    with Store.open(args["store"], read_only=False) as store:
        report = store.load(source)
    seconds = time.perf_counter() - started
    return {"ok": True, "seconds": seconds, "statements": report.statements,
            "inferred": report.inferred}


def _task_load_ox(args: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store(args["store"])
    store.bulk_load(path=args["file"], format=ox.RdfFormat.from_extension(args["format"]),
                    to_graph=ox.NamedNode("https://w3id.org/peacegraph/graph/bench"))
    store.flush()
    del store
    return {"ok": True, "seconds": time.perf_counter() - started}


def _task_load_rdflib(args: dict[str, Any]) -> dict[str, Any]:
    import rdflib

    started = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(args["file"], format=_RDFLIB_FORMATS[args["format"]])
    return {"ok": True, "seconds": time.perf_counter() - started, "statements": len(graph)}


def _task_export_pg(args: dict[str, Any]) -> dict[str, Any]:
    from graph.store import Store

    try:
        from graph import snapshot
    except ImportError:
        snapshot = None  # type: ignore[assignment]
    with Store.open(args["store"]) as store:
        started = time.perf_counter()
        if snapshot is not None:
            snapshot.export(store, args["format"], Path(args["out"]))
        else:
            with open(args["out"], "wb") as handle:
                store.dump(args["format"], output=handle)
        seconds = time.perf_counter() - started
    return {"ok": True, "seconds": seconds, "bytes": Path(args["out"]).stat().st_size}


def _ox_dump(store: Any, fmt: str, out: str) -> None:
    import pyoxigraph as ox

    rdf_format = ox.RdfFormat.from_extension(fmt)
    assert rdf_format is not None, fmt
    if rdf_format.supports_datasets:
        store.dump(out, rdf_format, prefixes=PREFIXES)
        return
    union = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                        use_default_graph_as_union=True)
    ox.serialize(union, out, rdf_format, prefixes=PREFIXES)


def _task_export_ox(args: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    store = ox.Store.read_only(args["store"])
    started = time.perf_counter()
    _ox_dump(store, args["format"], args["out"])
    seconds = time.perf_counter() - started
    return {"ok": True, "seconds": seconds, "bytes": Path(args["out"]).stat().st_size}


def _task_snapshot_pg(args: dict[str, Any]) -> dict[str, Any]:
    from graph import snapshot
    from graph.store import Store

    marks: dict[str, list[float]] = {}

    def progress(relative: str) -> None:
        marks[relative] = [round(time.perf_counter() - started, 3), _rss_now_kb()]

    with Store.open(args["store"]) as store:
        started = time.perf_counter()
        snapshot.take(store, Path(args["out"]), progress=progress)
        seconds = time.perf_counter() - started
    # the RDF files come first: the time to the last of them compares with the bare dumps
    rdf = max(marks[name][0] for name in SNAPSHOT_RDF)
    return {"ok": True, "seconds": seconds, "rdf_seconds": rdf,
            "files": {name: mark for name, mark in marks.items()
                      if not name.startswith("graphs/")}}


def _task_snapshot_ox(args: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    store = ox.Store.read_only(args["store"])
    out = Path(args["out"])
    out.mkdir(parents=True)
    started = time.perf_counter()
    for name, fmt in SNAPSHOT_RDF.items():
        _ox_dump(store, fmt, str(out / name))
    return {"ok": True, "seconds": time.perf_counter() - started}


def _rss_now_kb() -> int:
    """The resident set size of this process now (``VmRSS``), in KiB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _task_app(args: dict[str, Any]) -> dict[str, Any]:
    """The app's start-up (``start_seconds``: open the store and copy it into memory, as
    the first page run does; ``added_rss_kb``), then the first render of a page."""
    os.environ["PEACEGRAPH_STORE"] = args["store"]
    os.environ["PEACEGRAPH_REPLICA"] = args.get("replica", "auto")
    from streamlit.testing.v1 import AppTest

    from webapp import data

    before, started = _rss_now_kb(), time.perf_counter()
    opened = data.opened()  # fills the app's own cache: the render below reuses it
    start_seconds = time.perf_counter() - started
    added = _rss_now_kb() - before
    assert opened is not None
    test = AppTest.from_file(str(REPO / "app.py"), default_timeout=args["timeout"])
    if args["page"] != "overview":
        # st.navigation pages are callables, which AppTest.switch_page cannot name:
        # ask for the page's script hash (Streamlit's hash of its URL path) directly.
        from streamlit.util import calc_hash

        test.query_params["number"] = "1"
        test._page_hash = calc_hash(args["page"])  # noqa: SLF001 (AppTest has no public way)
    started = time.perf_counter()
    test.run()
    seconds = time.perf_counter() - started
    errors = [str(e.value)[:300] for e in test.exception]
    if errors:
        return {"ok": False, "error": "; ".join(errors)}
    if args["page"] == "track":
        texts = [str(e.value) for kind in ("title", "header", "subheader", "markdown")
                 for e in getattr(test, kind)]
        if not any("Track 1" in text for text in texts):
            return {"ok": False, "error": f"the Track page did not show track 1: {texts[:4]}"}
    return {"ok": True, "seconds": seconds, "start_seconds": start_seconds,
            "in_memory": opened.in_memory, "statements": opened.statements,
            "reason": opened.reason, "added_rss_kb": added}


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "build-store": _task_build_store, "load-pg": _task_load_pg, "load-ox": _task_load_ox,
    "load-rdflib": _task_load_rdflib, "export-pg": _task_export_pg,
    "export-ox": _task_export_ox, "snapshot-pg": _task_snapshot_pg,
    "snapshot-ox": _task_snapshot_ox, "app": _task_app,
}


# ---------------------------------------------------------------------- the query worker


class _Stop(Exception):
    """rdflib ran out of time (raised from SIGALRM)."""


def _worker(args: dict[str, Any]) -> None:
    """Answer JSON commands on stdin, one per line, with one JSON line each."""
    started = time.perf_counter()
    engine = args["engine"]
    ready: dict[str, Any] = {}
    if engine == "peacegraph":
        from graph import queries
        from graph.store import Store

        store: Any = Store.open(args["store"])
        queries.catalogue()
    elif engine == "peacegraph-app":
        from graph import queries
        from webapp import data

        opened = data.open_store(args["store"], replica=args.get("replica", "auto"))
        store = opened.store
        queries.catalogue()
        ready = {"in_memory": opened.in_memory, "statements": opened.statements,
                 "open_seconds": round(opened.seconds, 3), "reason": opened.reason}
    elif engine == "pyoxigraph":
        import pyoxigraph as ox

        store = ox.Store.read_only(args["store"])
    else:
        import rdflib

        store = rdflib.Dataset(default_union=True)
        store.parse(args["nq"], format="nquads")
    _reply({"ok": True, "seconds": time.perf_counter() - started, **ready})

    def alarm(signum: int, frame: Any) -> None:
        raise _Stop()

    signal.signal(signal.SIGALRM, alarm)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        try:
            if engine == "rdflib":
                signal.setitimer(signal.ITIMER_REAL, command["timeout"])
            try:
                if command["op"] == "query":
                    reply = _run_query(engine, store, command)
                else:
                    reply = _run_export(engine, store, command)
            finally:
                if engine == "rdflib":
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except _Stop:
            reply = {"ok": False, "timeout": True, "limit": command["timeout"]}
        except Exception as error:  # a failed query is a result, not a crash
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
        _reply(reply)


def _reply(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def _run_query(engine: str, store: Any, command: dict[str, Any]) -> dict[str, Any]:
    if engine in ("peacegraph", "peacegraph-app"):
        from graph import queries

        cpu, started = time.process_time(), time.perf_counter()
        result = queries.run(store, command["name"], **command["raw"])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        count = len(result.rows) if hasattr(result, "rows") else None
        return {"ok": True, "seconds": seconds, "cpu": cpu, "rows": count}
    if engine == "pyoxigraph":
        import pyoxigraph as ox

        substitutions = {ox.Variable(k): _ox_term(v) for k, v in command["params"].items()}
        cpu, started = time.process_time(), time.perf_counter()
        result = store.query(command["sparql"], prefixes=PREFIXES,
                             use_default_graph_as_union=True,
                             substitutions=substitutions or None)
        solutions = [tuple(solution) for solution in result]
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"ok": True, "seconds": seconds, "cpu": cpu, "rows": len(solutions)}
    from rdflib import Variable

    bindings = {Variable(k): _rdflib_term(v) for k, v in command["params"].items()}
    cpu, started = time.process_time(), time.perf_counter()
    result = store.query(command["sparql"], initNs=PREFIXES, initBindings=bindings or None)
    answers = list(result)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"ok": True, "seconds": seconds, "cpu": cpu, "rows": len(answers)}


def _run_export(engine: str, store: Any, command: dict[str, Any]) -> dict[str, Any]:
    fmt = command["format"]
    started = time.perf_counter()
    if fmt in ("nt", "ttl"):
        import rdflib

        union = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            union.bind(prefix, namespace)
        for triple in store.triples((None, None, None)):
            union.add(triple)
        union.serialize(command["out"], format=_RDFLIB_FORMATS[fmt])
    else:
        for prefix, namespace in PREFIXES.items():
            store.bind(prefix, namespace)
        store.serialize(command["out"], format=_RDFLIB_FORMATS[fmt])
    return {"ok": True, "seconds": time.perf_counter() - started}


def _ox_term(spec: list[Any]) -> Any:
    import pyoxigraph as ox

    kind, value, datatype, lang = spec
    if kind == "uri":
        return ox.NamedNode(value)
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def _rdflib_term(spec: list[Any]) -> Any:
    from rdflib import Literal, URIRef

    kind, value, datatype, lang = spec
    if kind == "uri":
        return URIRef(value)
    return Literal(value, lang=lang, datatype=URIRef(datatype) if datatype and not lang else None)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.tasks TASK ARGS-JSON`` (or ``worker ARGS-JSON``)."""
    argv = sys.argv[1:] if argv is None else argv
    task, args = argv[0], json.loads(argv[1])
    if task == "worker":
        _worker(args)
        return 0
    try:
        report = TASKS[task](args)
    except Exception as error:  # reported, not raised: the parent records the failure
        report = {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
    report["rss_self_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report["rss_children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
