"""The benchmark harness: peacegraph beside bare pyoxigraph and rdflib, on synthetic data.

For each size, :func:`run` measures, in this order:

1. **load** — ``Store.load(resolve(FILE))`` into a store that holds the ontology (each run
   in a fresh process on a fresh copy of that store: generation, inference, fsync and
   all), ``peacegraph load FILE`` through the command line, bare ``pyoxigraph.Store(dir)
   .bulk_load`` into an empty on-disk store, and rdflib's ``Graph().parse``; N-Triples
   and Turtle; throughput in statements per second.
2. **cold start** — wall time of ``peacegraph query tracks --format csv`` and of
   ``python -c "import pyoxigraph"``, fresh processes.
3. **queries** — every saved query (``queries/*.rq``) with parameters chosen from the
   generated ids, through ``graph.queries.run`` on the on-disk store (``peacegraph``) and
   on the store as the app opens it (``peacegraph-app``: ``webapp.data.open_store``, an
   in-memory copy of the generation unless the app's ``auto`` rule reads larger stores
   from disk); the same SPARQL and bindings on bare pyoxigraph
   (``use_default_graph_as_union=True``) over an on-disk store bulk-loaded with the same
   quads; and on rdflib's in-memory ``Dataset(default_union=True)``. Each engine runs in
   its own long-lived worker process, so a runaway query can be stopped and memory is
   measured per engine.
4. **export** — ``graph.snapshot.export`` (or ``Store.dump``) per format against bare
   pyoxigraph's dump of the same format (the union through one CONSTRUCT for N-Triples
   and Turtle), and rdflib's ``serialize``; one full ``snapshot.take`` against bare dumps
   of the RDF files a snapshot holds.
5. **app** — in a fresh process per run, the app's start-up (``webapp.data.opened()``:
   open the store and copy it into memory, with the memory that adds), then the first
   render of the Overview or Track page (``streamlit.testing.v1.AppTest``, store from
   ``$PEACEGRAPH_STORE``), timed apart.

Timing: each figure is the median of ``runs`` runs after ``warmup`` discarded runs, with
the compared contestants interleaved (A B C A B C …). A fast measurement gets up to three
times ``runs`` (it fits in a few seconds, and a noisy machine needs the samples); a slow
one gets fewer, so that its measured runs stay within ``budget`` seconds (``load_budget``
for loads); one whose warm-up alone exceeds the budget keeps that run as its only sample
(``warm_up_counted``). The JSON records the runs actually made. A run longer than
``timeout`` is stopped and reported as a lower bound; a query or snapshot stopped at its
limit, or slower than half of it, at one size is not retried at a larger one (reported
with that time as a lower bound). rdflib's queries are stopped at 16 times the time of
peacegraph as the app answers (enough to decide the 10x target) or ``rdflib_timeout``.
In-process query times also record CPU time (``cpu_median``), steadier than wall time on
a shared machine.

Memory: peak resident set size (``ru_maxrss`` from ``wait4``/``getrusage``). A
peacegraph load counts its own process plus its loader child, as if both peaked at once.

The child processes are :mod:`benchmarks.tasks`; the targets and the Markdown are
:mod:`benchmarks.report`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import (
    DATA_DIR, DEFAULT_SIZES, ENGINES, EXPORT_FORMATS, HERE, LOAD_FORMATS, MEASUREMENT_KEYS,
    parse_size,
)
from benchmarks.generate import PARTS, SEED, Dataset, generate
from benchmarks.report import render_markdown, targets

__all__ = ["Config", "run", "machine", "ENGINES", "EXPORT_FORMATS", "LOAD_FORMATS",
           "MEASUREMENT_KEYS"]

REPO = HERE.parent
_RDFLIB_FACTOR = 16.0  # rdflib is stopped once this many times slower than peacegraph
#: whose time sets rdflib's limit, first found: the engine of the 10x-vs-rdflib target
_RDFLIB_REFERENCE = ("peacegraph-app", "peacegraph")
_CHEAP = 5.0  # seconds: a measurement whose runs all fit in this gets more runs


@dataclass
class Config:
    """What :func:`run` measures and how hard it tries."""

    sizes: tuple[str, ...] = DEFAULT_SIZES
    runs: int = 5
    warmup: int = 1
    out: Path = HERE
    data: Path = DATA_DIR
    #: longest single run of a query, export or page render (seconds)
    timeout: float = 90.0
    #: longest single rdflib query (seconds); shorter when 16x peacegraph is reached first
    rdflib_timeout: float = 90.0
    #: measured seconds per contestant and measurement before runs are cut (see module doc)
    budget: float = 45.0
    #: longest single load (seconds)
    load_timeout: float = 1800.0
    #: the budget of each load contestant (loads are the targets that need the runs)
    load_budget: float = 150.0
    app: bool = True
    #: how the app opens the store (``webapp.data`` ``$PEACEGRAPH_REPLICA``: auto, memory,
    #: disk), for the ``peacegraph-app`` query engine and the app measurement
    replica: str = "auto"
    seed: int = SEED
    #: saved queries to measure (``None``: every one in queries/)
    queries: tuple[str, ...] | None = None
    #: formats to load (of LOAD_FORMATS) and export (of EXPORT_FORMATS)
    formats: tuple[str, ...] = EXPORT_FORMATS
    #: app pages to render
    pages: tuple[str, ...] = ("overview", "track")
    #: give fast measurements up to three times ``runs`` (see :func:`_runs_for`)
    extra_runs: bool = True
    #: let child processes cache bytecode under ``data/pycache`` (as an installed package
    #: has its .pyc files); off: children inherit the environment as it is
    bytecode: bool = True
    #: keep the sizes ``out/results.json`` already holds (same settings); measure the rest
    resume: bool = False
    log: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr,
                                                                     flush=True))


# ====================================================================== the run


def run(config: Config) -> dict[str, Any]:
    """Measure every size of ``config``; write ``results.json`` and ``results.md``.

    With ``config.resume``, sizes already in ``out/results.json`` measured with the same
    settings are kept and only the others are measured (an interrupted run resumes).
    Returns the results (what ``results.json`` holds).
    """
    config.out.mkdir(parents=True, exist_ok=True)
    config.data.mkdir(parents=True, exist_ok=True)
    settings = _settings(config)
    results: dict[str, Any] = {"machine": machine(), "config": settings, "sizes": {}}
    previous = _previous(config, settings)
    stopped: dict[tuple[str, str], dict[str, Any]] = {}  # see _measure_query
    _PYCACHE[:] = [config.data / "pycache"] if config.bytecode else []
    template = _template_store(config)
    started = time.monotonic()
    for label in config.sizes:
        if label in previous.get("sizes", {}):
            config.log(f"== {label}: kept from the run of {previous['machine'].get('date')}")
            results["sizes"][label] = previous["sizes"][label]
            results["sizes"][label].setdefault("measured_at", previous["machine"].get("date"))
            _restore_stopped(config, label, results["sizes"][label], stopped)
            continue
        size = parse_size(label)
        config.log(f"== {label}: generating")
        dataset = generate(size, config.data / label, seed=config.seed)
        measured_at = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
        load_average = _load_average()
        results["sizes"][label] = _measure_size(config, label, dataset, template, stopped)
        results["sizes"][label].update(measured_at=measured_at, load_average=load_average)
        results["targets"] = targets(results)
        _write(config, results)  # after each size, so a long run leaves partial results
    results["machine"]["load_average_end"] = _load_average()
    results["machine"]["wall_seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets(results)
    _write(config, results)
    return results


def _settings(config: Config) -> dict[str, Any]:
    return {
        "sizes": list(config.sizes), "runs": config.runs, "warmup": config.warmup,
        "engines": list(ENGINES), "replica": config.replica,
        "queries": list(config.queries) if config.queries else "all",
        "formats": list(config.formats), "pages": list(config.pages),
        "timeout_s": config.timeout, "rdflib_timeout_s": config.rdflib_timeout,
        "budget_s": config.budget, "load_budget_s": config.load_budget, "seed": config.seed,
        "bytecode": ("child processes write and reuse .pyc files (PYTHONPYCACHEPREFIX under "
                     "the data directory), as an installed package would")
        if config.bytecode else "inherited environment",
    }


def _previous(config: Config, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The results to resume from: ``out/results.json`` if measured with these settings."""
    path = config.out / "results.json"
    if not config.resume or not path.is_file():
        return {}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    old = dict(previous.get("config", {}))
    if {k: v for k, v in old.items() if k != "sizes"} != {
            k: v for k, v in settings.items() if k != "sizes"}:
        config.log("== not resuming: results.json was measured with other settings")
        return {}
    return dict(previous)


def _restore_stopped(config: Config, label: str, size: Mapping[str, Any],
                     stopped: dict[tuple[str, str], dict[str, Any]]) -> None:
    """What :func:`_measure_query` and the snapshot would have remembered at ``label``."""
    caps = {engine: config.timeout for engine in ENGINES}
    caps["rdflib"] = config.rdflib_timeout
    for name, entry in size.get("queries", {}).items():
        for engine, cap in caps.items():
            summary = entry.get(engine) or {}
            if summary.get("skipped") and summary.get("timeout"):
                continue  # already skipped there: whoever stopped it is restored before
            slowest = max(summary.get("samples") or [0])
            bound = summary.get("lower_bound_s") if summary.get("timeout") else None
            if bound is not None and bound >= cap:
                stopped.setdefault((name, engine), {"size": label, "lower_bound_s": bound})
            elif slowest > cap / 2:
                stopped.setdefault((name, engine), {"size": label, "lower_bound_s": slowest})
    snapshot = size.get("snapshot", {})
    for engine in ("peacegraph", "pyoxigraph"):
        summary = snapshot.get(engine) or {}
        slowest = max(summary.get("samples") or [0])
        if summary.get("timeout") or slowest > config.timeout * 2:
            stopped.setdefault(("snapshot", engine), {
                "size": label, "lower_bound_s": summary.get("lower_bound_s") or slowest})


def _write(config: Config, results: dict[str, Any]) -> None:
    (config.out / "results.json").write_text(json.dumps(results, indent=1) + "\n",
                                             encoding="utf-8")
    (config.out / "results.md").write_text(render_markdown(results), encoding="utf-8")


def _measure_size(config: Config, label: str, dataset: Dataset, template: Path,
                  stopped: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    work = config.data / label
    phases: dict[str, float] = {}
    clock = time.monotonic()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        phases[name] = round(now - clock, 2)
        clock = now
        config.log(f"   ({name}: {phases[name]:.1f} s)")

    config.log(f"== {label}: {dataset.statements:,} statements; building the query stores")
    stores = _query_stores(work, dataset, template)
    out: dict[str, Any] = {"statements": dataset.statements, "store": stores["info"]}
    phase("stores")
    config.log(f"== {label}: load")
    out["load"], load_rss = _measure_load(config, work, dataset, template)
    phase("load")
    config.log(f"== {label}: cold start")
    out["cold_start"] = _measure_cold_start(config, stores["pg"])
    phase("cold_start")
    config.log(f"== {label}: queries")
    out["queries"], query_rss, worker_extra = _measure_queries(
        config, label, dataset, stores, stopped)
    phase("queries")
    config.log(f"== {label}: export")
    out["export"], export_rss = _measure_export(config, work, stores, worker_extra)
    phase("export")
    out["snapshot"] = _measure_snapshot(config, label, work, stores, stopped)
    phase("snapshot")
    out["memory"] = {"load": load_rss, "queries": query_rss, "export": export_rss}
    config.log(f"== {label}: app")
    out["app"] = _measure_app(config, stores["pg"]) if config.app else {
        "skipped": "not measured (--no-app)"}
    out["app"]["query_worker"] = worker_extra.get("app_worker")
    phase("app")
    out["phase_seconds"] = phases
    shutil.rmtree(work / "scratch", ignore_errors=True)
    return out


# ====================================================================== stores


def _template_store(config: Config) -> Path:
    """A store holding the bundled ontology only: what each load run starts from."""
    path = config.data / "template-store"
    shutil.rmtree(path, ignore_errors=True)
    report = _child("build-store", {"store": str(path), "sources": [["ontology", None]]},
                    timeout=config.load_timeout)
    if not report.get("ok"):
        raise RuntimeError(f"cannot build the template store: {report}")
    return path


def _query_stores(work: Path, dataset: Dataset, template: Path) -> dict[str, Any]:
    """The peacegraph store (ontology + one named graph per part), its quads as N-Quads,
    and a bare pyoxigraph store bulk-loaded from them."""
    pg, ox, nq = work / "pg-store", work / "ox-store", work / "dataset.nq"
    for path in (pg, ox):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(template, pg)  # the ontology is loaded there already
    sources = [[str(dataset.part(p)), f"synthetic-{p}"] for p in PARTS]
    built = _child("build-store", {"store": str(pg), "sources": sources, "dump": str(nq),
                                   "bare": str(ox)}, timeout=1e6)
    if not built.get("ok"):
        raise RuntimeError(f"cannot build the query stores: {built}")
    info = {"quads": built["quads"], "graphs": built["graphs"], "inferred": built["inferred"],
            "build_seconds": round(built["seconds"], 2)}
    return {"pg": pg, "ox": ox, "nq": nq, "info": info}


# ====================================================================== load


def _measure_load(config: Config, work: Path, dataset: Dataset,
                  template: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    scratch = work / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    rss: dict[str, Any] = {}
    cli = _peacegraph_command()
    for fmt in (f for f in LOAD_FORMATS if f in config.formats):
        path = dataset.nt if fmt == "nt" else dataset.ttl

        def fresh(name: str) -> Path:
            target = scratch / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(template, target)
            return target

        def pg() -> dict[str, Any]:
            store = fresh("pg-load")
            try:
                return _child("load-pg", {"store": str(store), "file": str(path)},
                              timeout=config.load_timeout)
            finally:
                shutil.rmtree(store, ignore_errors=True)

        def ox() -> dict[str, Any]:
            store = scratch / "ox-load"
            shutil.rmtree(store, ignore_errors=True)
            try:
                return _child("load-ox", {"store": str(store), "file": str(path), "format": fmt},
                              timeout=config.load_timeout)
            finally:
                shutil.rmtree(store, ignore_errors=True)

        def rdf() -> dict[str, Any]:
            return _child("load-rdflib", {"file": str(path), "format": fmt},
                          timeout=config.load_timeout)

        def command_line() -> dict[str, Any]:
            store = fresh("cli-load")
            try:
                return _process([*cli, "--store", str(store), "--quiet", "load", str(path)],
                                timeout=config.load_timeout)
            finally:
                shutil.rmtree(store, ignore_errors=True)

        contestants = {"peacegraph": (pg, True), "pyoxigraph": (ox, True),
                       "rdflib": (rdf, False)}
        if fmt == "nt":
            contestants["peacegraph_cli"] = (command_line, False)
        samples = _interleave(config, contestants, budget=config.load_budget)
        entry: dict[str, Any] = {}
        for name, measured in samples.items():
            summary = _summary(measured)
            if summary["median"]:
                summary["statements_per_s"] = round(dataset.statements / summary["median"])
            entry[name] = summary
        results[fmt] = entry
        rss[fmt] = {name: _median_rss(measured, with_children=(name != "pyoxigraph"))
                    for name, measured in samples.items()}
    return results, rss


def _peacegraph_command() -> list[str]:
    script = Path(sys.executable).parent / "peacegraph"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "peacegraph"]


# ====================================================================== cold start


def _measure_cold_start(config: Config, store: Path) -> dict[str, Any]:
    command = [*_peacegraph_command(), "--store", str(store), "query", "tracks",
               "--format", "csv"]

    def pg() -> dict[str, Any]:
        report = _process(command, timeout=config.timeout)
        if report.get("ok") and not report.get("stdout", "").startswith("track,"):
            report = {**report, "ok": False, "error": "unexpected output: "
                      + report.get("stdout", "")[:200]}
        return report

    def bare() -> dict[str, Any]:
        return _process([sys.executable, "-c", "import pyoxigraph"], timeout=config.timeout)

    samples = _interleave(config, {"peacegraph": (pg, True), "python_import_pyoxigraph":
                                   (bare, True)}, budget=max(config.budget, 10.0))
    out = {}
    for name, measured in samples.items():
        summary = _summary(measured)
        summary["rss_kb"] = _median_rss(measured, with_children=True)
        out[name] = summary
    return out


# ====================================================================== queries


def _measure_queries(config: Config, label: str, dataset: Dataset, stores: dict[str, Any],
                     stopped: dict[tuple[str, str], dict[str, Any]]
                     ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    from graph import queries as saved

    catalogue = {name: query for name, query in sorted(saved.catalogue().items())
                 if config.queries is None or name in config.queries}
    workers = {
        "peacegraph": _Worker({"engine": "peacegraph", "store": str(stores["pg"])}),
        "peacegraph-app": _Worker({"engine": "peacegraph-app", "store": str(stores["pg"]),
                                   "replica": config.replica},
                                  start_timeout=config.load_timeout),
        "pyoxigraph": _Worker({"engine": "pyoxigraph", "store": str(stores["ox"])}),
        "rdflib": _Worker({"engine": "rdflib", "nq": str(stores["nq"])},
                          start_timeout=config.load_timeout),
    }
    results: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    try:
        for name, query in catalogue.items():
            raw = _raw_params(query, dataset)
            terms = saved.bind(query, raw)
            params = {k: [t.kind, t.value, t.datatype, t.lang] for k, t in terms.items()}
            command = {"op": "query", "name": name, "sparql": query.sparql, "raw": raw,
                       "params": params}
            entry = _measure_query(config, label, name, command, workers, stopped)
            entry["params"] = raw
            results[name] = entry
            config.log(f"   {name}: " + ", ".join(
                f"{e} {_fmt_seconds(entry[e])}" for e in ENGINES))
        extra["rdflib_exports"] = _rdflib_exports(config, workers["rdflib"],
                                                  stores["nq"].parent / "scratch")
        extra["rdflib_parse"] = workers["rdflib"].start_report
        extra["app_worker"] = workers["peacegraph-app"].start_report
    finally:
        rss = {engine: worker.close() for engine, worker in workers.items()}
    return results, {"peak_kb": rss, "note": "peak RSS of each engine's worker process "
                     "over all saved queries (warm-up and runs), rdflib's parse included"}, extra


def _raw_params(query: Any, dataset: Dataset) -> dict[str, str]:
    """Raw values for a query's parameters: its own override, else by name, else by type."""
    by_type = {"iri": dataset.params.get("agreement", "agreement-g000001"),
               "date": dataset.params.get("date", "2001-06-30"),
               "string": dataset.params.get("text", "armistice"), "integer": "1",
               "decimal": "1.0", "boolean": "true"}
    override = dataset.query_params.get(query.name)
    raw: dict[str, str] = {}
    for p in query.params:
        if override is not None:
            if p.name in override:
                raw[p.name] = override[p.name]
            continue
        if p.optional and p.name not in ("from", "to"):
            continue
        raw[p.name] = dataset.params.get(p.name, by_type.get(p.type, "1"))
    return raw


def _measure_query(config: Config, label: str, name: str, command: dict[str, Any],
                   workers: Mapping[str, _Worker],
                   stopped: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """One saved query on every engine, interleaved; see the module docstring.

    ``stopped`` remembers, across sizes, each (query, engine) that hit its absolute time
    limit or came within half of it: larger sizes skip it, with that time as a bound.
    """
    samples: dict[str, list[dict[str, Any]]] = {e: [] for e in ENGINES}
    status: dict[str, dict[str, Any]] = {e: {} for e in ENGINES}
    rows: dict[str, int | None] = {}
    cap = {engine: config.timeout for engine in ENGINES}
    cap["rdflib"] = config.rdflib_timeout
    limit = dict(cap)

    def once(engine: str) -> dict[str, Any] | None:
        reply = workers[engine].call({**command, "timeout": limit[engine]},
                                     timeout=limit[engine])
        if reply.get("timeout"):
            status[engine] = {"timeout": True, "lower_bound_s": round(limit[engine], 3)}
            if limit[engine] >= cap[engine]:
                stopped.setdefault((name, engine), {"size": label,
                                                    "lower_bound_s": limit[engine]})
            return None
        if not reply.get("ok"):
            status[engine] = {"error": reply.get("error", "failed")}
            return None
        rows[engine] = reply.get("rows")
        if reply["seconds"] > cap[engine] / 2:
            stopped.setdefault((name, engine), {"size": label,
                                                "lower_bound_s": round(reply["seconds"], 3)})
        return reply

    active = []
    for engine in ENGINES:
        if (name, engine) in stopped:
            before = stopped[(name, engine)]
            status[engine] = {"timeout": True, "lower_bound_s": before["lower_bound_s"],
                              "skipped": f"took ≥ {before['lower_bound_s']:.0f} s at "
                                         f"{before['size']}"}
        elif engine != "rdflib":
            active.append(engine)
    # warm-up; the peacegraph engines first: the app's time sets rdflib's limit
    warm: dict[str, float] = {}
    for _ in range(config.warmup):
        for engine in list(active):
            reply = once(engine)
            if reply is None:
                active.remove(engine)
            elif reply["seconds"] > config.budget:  # too slow to repeat: the warm-up counts
                samples[engine].append({**reply, "warm_up": True})
                warm[engine] = reply["seconds"]
            else:
                warm[engine] = reply["seconds"]
    if not status["rdflib"]:
        estimate = next((warm[e] for e in _RDFLIB_REFERENCE if e in warm), None)
        for reference in _RDFLIB_REFERENCE:
            if estimate is not None or reference not in active:
                continue
            reply = once(reference)  # no warm-up: one (kept) run to scale rdflib's limit by
            if reply is None:
                active.remove(reference)
            else:
                samples[reference].append(reply)
                estimate = reply["seconds"]
        if estimate is None:
            status["rdflib"] = {"skipped": "peacegraph gave no time to compare with"}
        else:
            limit["rdflib"] = min(cap["rdflib"], max(2.0, _RDFLIB_FACTOR * estimate))
            first = once("rdflib")  # rdflib's first run doubles as its warm-up
            if first is not None:
                if not config.warmup:
                    samples["rdflib"].append(first)
                elif first["seconds"] > config.budget:  # too slow to repeat: it counts
                    samples["rdflib"].append({**first, "warm_up": True})
                warm["rdflib"] = first["seconds"]
                active.append("rdflib")
    wanted = {e: _runs_for(config, warm.get(e)) for e in active}
    for index in range(max(wanted.values(), default=0)):
        for engine in list(active):
            if index >= wanted[engine] or len(samples[engine]) >= wanted[engine]:
                continue
            reply = once(engine)
            if reply is None:
                active.remove(engine)
            else:
                samples[engine].append(reply)
    entry: dict[str, Any] = {}
    for engine in ENGINES:
        summary = _summary(samples[engine])
        summary.update(status[engine])
        entry[engine] = summary
    entry["rows"] = rows
    counts = {v for v in rows.values() if v is not None}
    entry["rows_agree"] = len(counts) <= 1
    return entry


def _runs_for(config: Config, warm: float | None, *, runs: int | None = None,
              budget: float | None = None) -> int:
    """``runs``; up to three times more when they all fit in ``_CHEAP`` seconds (a fast
    measurement on a noisy machine needs more samples); fewer when over ``budget``."""
    runs = config.runs if runs is None else runs
    budget = config.budget if budget is None else budget
    if warm is None or warm <= 0:
        return runs
    if not config.extra_runs:
        return max(1, min(runs, int(budget // warm)))
    if warm * runs * 3 <= _CHEAP:
        return runs * 3
    if warm * runs <= _CHEAP:
        return max(runs, int(_CHEAP // warm))
    return max(1, min(runs, int(budget // warm)))


def _rdflib_exports(config: Config, worker: _Worker, scratch: Path) -> dict[str, Any]:
    scratch.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    for fmt in (f for f in EXPORT_FORMATS if f in config.formats):
        target = scratch / f"rdflib.{fmt}"
        samples: list[dict[str, Any]] = []
        status: dict[str, Any] = {}
        wanted = config.runs
        for index in range(config.runs):
            if index >= wanted:
                break
            reply = worker.call({"op": "export", "format": fmt, "out": str(target),
                                 "timeout": config.rdflib_timeout}, timeout=config.rdflib_timeout)
            if reply.get("timeout"):
                status = {"timeout": True, "lower_bound_s": config.rdflib_timeout}
                break
            if not reply.get("ok"):
                status = {"error": reply.get("error", "failed")}
                break
            samples.append(reply)
            if index == 0:
                wanted = _runs_for(config, reply["seconds"])
        target.unlink(missing_ok=True)
        summary = _summary(samples)
        summary.update(status)
        summary["note"] = "no warm-up: serialises the dataset parsed for the queries"
        out[fmt] = summary
    return out


# ====================================================================== export


def _measure_export(config: Config, work: Path, stores: dict[str, Any],
                    extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    scratch = work / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    rss: dict[str, Any] = {}
    for fmt in (f for f in EXPORT_FORMATS if f in config.formats):
        def pg(fmt: str = fmt) -> dict[str, Any]:
            target = scratch / f"pg.{fmt}"
            try:
                return _child("export-pg", {"store": str(stores["pg"]), "format": fmt,
                                            "out": str(target)}, timeout=config.timeout)
            finally:
                target.unlink(missing_ok=True)

        def ox(fmt: str = fmt) -> dict[str, Any]:
            target = scratch / f"ox.{fmt}"
            try:
                return _child("export-ox", {"store": str(stores["ox"]), "format": fmt,
                                            "out": str(target)}, timeout=config.timeout)
            finally:
                target.unlink(missing_ok=True)

        samples = _interleave(config, {"peacegraph": (pg, True), "pyoxigraph": (ox, True)})
        results[fmt] = {name: _summary(measured) for name, measured in samples.items()}
        results[fmt]["rdflib"] = extra.get("rdflib_exports", {}).get(fmt, {"median": None})
        for name, measured in samples.items():
            results[fmt][name]["bytes"] = next((m.get("bytes") for m in measured
                                                if m.get("bytes")), None)
        rss[fmt] = {name: _median_rss(measured, with_children=False)
                    for name, measured in samples.items()}
    results["rdflib_parse"] = extra.get("rdflib_parse")
    return results, rss


def _measure_snapshot(config: Config, label: str, work: Path, stores: dict[str, Any],
                      stopped: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    try:
        import graph.snapshot  # noqa: F401  (only to know whether it is there)
    except ImportError as error:
        return {"skipped": f"graph.snapshot is not importable ({error})"}
    scratch = work / "scratch"
    limit = config.timeout * 4
    if ("snapshot", "peacegraph") in stopped:
        before = stopped[("snapshot", "peacegraph")]
        return {"peacegraph": {"median": None, "timeout": True,
                               "lower_bound_s": before["lower_bound_s"],
                               "skipped": f"took ≥ {before['lower_bound_s']:.0f} s at "
                                          f"{before['size']}"},
                "pyoxigraph": {"median": None, "skipped": "peacegraph was not measured"}}

    def pg() -> dict[str, Any]:
        target = scratch / "pg-snapshot"
        shutil.rmtree(target, ignore_errors=True)
        try:
            return _child("snapshot-pg", {"store": str(stores["pg"]), "out": str(target)},
                          timeout=limit)
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def ox() -> dict[str, Any]:
        target = scratch / "ox-snapshot"
        shutil.rmtree(target, ignore_errors=True)
        try:
            return _child("snapshot-ox", {"store": str(stores["ox"]), "out": str(target)},
                          timeout=limit)
        finally:
            shutil.rmtree(target, ignore_errors=True)

    # no warm-up: the exports measured just before have warmed the page cache
    samples = _interleave(config, {"peacegraph": (pg, False), "pyoxigraph": (ox, False)})
    out: dict[str, Any] = {name: _summary(measured) for name, measured in samples.items()}
    # the time to the last of the four RDF files: the same work as the bare dumps
    out["peacegraph_rdf"] = _summary([{**m, "seconds": m.get("rdf_seconds")}
                                      for m in samples["peacegraph"]
                                      if m.get("rdf_seconds") is not None])
    for name, measured in samples.items():
        out[name]["rss_kb"] = _median_rss(measured, with_children=False)
        slowest = max((m.get("seconds") or 0 for m in measured), default=0)
        if out[name].get("timeout") or slowest > limit / 2:
            stopped.setdefault(("snapshot", name), {
                "size": label, "lower_bound_s": limit if out[name].get("timeout") else slowest})
    out["note"] = ("snapshot.take (canonical N-Quads, TriG, Turtle, JSON-LD, GraphML, GEXF, "
                   "CSV) against bare dumps of its four RDF files; peacegraph_rdf is the time "
                   "take needed for those four files; no warm-up")
    return out


# ====================================================================== app


def _measure_app(config: Config, store: Path) -> dict[str, Any]:
    if not (REPO / "app.py").is_file():
        return {"skipped": "app.py is not there"}
    try:
        import streamlit.testing.v1  # noqa: F401
    except ImportError as error:
        return {"skipped": f"streamlit is not importable ({error})"}
    contestants = {
        page: ((lambda page=page: _child("app", {"store": str(store), "page": page,
                                                  "replica": config.replica,
                                                  "timeout": config.timeout},
                                         timeout=config.timeout + 60)), False)
        for page in config.pages}
    samples = _interleave(config, contestants, runs=min(config.runs, 3))
    out: dict[str, Any] = {}
    for page, measured in samples.items():
        summary = _summary(measured)
        summary["rss_kb"] = _median_rss(measured, with_children=False)
        out[page] = summary
    # every page run starts the app: open the store and copy it, before its render
    started = [m for measured in samples.values() for m in measured if m.get("ok")]
    if started:
        out["start"] = _summary([{"ok": True, "seconds": m["start_seconds"]} for m in started])
        out["start"].update(in_memory=started[-1]["in_memory"],
                            statements=started[-1]["statements"],
                            reason=started[-1]["reason"],
                            added_rss_kb=int(statistics.median(
                                m["added_rss_kb"] for m in started)))
    out["note"] = ("each run: a fresh process opens the store as the app does (start: "
                   "webapp.data.opened(), the in-memory copy included; added_rss_kb the memory "
                   "that adds), then renders the page once with AppTest (app modules imported "
                   "within it, streamlit before it); no warm-up, at most 3 runs per page")
    return out


# ====================================================================== measuring


def _interleave(config: Config, contestants: Mapping[str, tuple[Callable[[], dict[str, Any]],
                                                                   bool]],
                *, runs: int | None = None, budget: float | None = None
                ) -> dict[str, list[dict[str, Any]]]:
    """Run the contestants in rounds (A B C A B C …); ``(function, warm_up)`` each.

    A contestant that warms up gets ``config.warmup`` discarded runs first; one that
    does not keeps its first run. Each gets at most ``runs`` measured runs, fewer when
    they would exceed ``budget`` seconds; a failed or stopped run ends its series (the
    failure is kept as the last sample).
    """
    runs = config.runs if runs is None else runs
    budget = config.budget if budget is None else budget
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in contestants}
    wanted: dict[str, int] = {}
    active = list(contestants)
    for _ in range(config.warmup):
        for name in list(active):
            function, warm = contestants[name]
            if not warm:
                continue
            report = function()
            if not report.get("ok"):
                samples[name].append(report)
                active.remove(name)
                continue
            if report["seconds"] > budget:  # too slow to repeat: the warm-up counts
                samples[name].append({**report, "warm_up": True})
                active.remove(name)
                continue
            wanted[name] = _runs_for(config, report["seconds"], runs=runs, budget=budget)
    index = 0
    while active:
        for name in list(active):
            limit = wanted.get(name, runs)
            if index >= limit:
                active.remove(name)
                continue
            report = contestants[name][0]()
            samples[name].append(report)
            if not report.get("ok"):
                active.remove(name)
            elif name not in wanted:
                wanted[name] = _runs_for(config, report["seconds"], runs=runs, budget=budget)
        index += 1
    return samples


def _summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    good = [s["seconds"] for s in samples if s.get("ok")]
    out: dict[str, Any] = {
        "median": round(statistics.median(good), 6) if good else None,
        "runs": len(good),
        "samples": [round(x, 6) for x in good],
    }
    if good and len(good) > 1:
        out["min"] = round(min(good), 6)
        out["max"] = round(max(good), 6)
    if any(s.get("warm_up") for s in samples):
        out["warm_up_counted"] = True
    cpu = [s["cpu"] for s in samples if s.get("ok") and s.get("cpu") is not None]
    if cpu:
        out["cpu_median"] = round(statistics.median(cpu), 6)
    failed = [s for s in samples if not s.get("ok")]
    if failed:
        last = failed[-1]
        if last.get("timeout"):
            out["timeout"] = True
            out["lower_bound_s"] = last.get("limit")
        else:
            out["error"] = str(last.get("error", "failed"))[:500]
    return out


def _median_rss(samples: list[dict[str, Any]], *, with_children: bool) -> int | None:
    values = []
    for s in samples:
        if not s.get("ok"):
            continue
        own = s.get("rss_self_kb") or s.get("rss_kb") or 0
        children = s.get("rss_children_kb") or 0 if with_children else 0
        values.append(own + children)
    return int(statistics.median(values)) if values else None


def _fmt_seconds(summary: Mapping[str, Any]) -> str:
    if summary.get("median") is not None:
        return f"{summary['median'] * 1000:.1f} ms"
    if summary.get("timeout"):
        return f"> {summary.get('lower_bound_s')} s"
    return summary.get("skipped") or summary.get("error") or "—"


# ====================================================================== processes


#: Where child processes keep their bytecode (set by :func:`run`): a user's installation
#: has ``.pyc`` files, so every child may write and reuse them, outside the source tree.
_PYCACHE: list[Path] = []


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("PEACEGRAPH_STORE", None)
    if _PYCACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE[0])
    return env


def _process(argv: list[str], *, timeout: float, env: Mapping[str, str] | None = None
             ) -> dict[str, Any]:
    """Run a command; wall time, peak RSS (``wait4``), exit status and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                cwd=REPO, env=dict(env or _env()), start_new_session=True)
        waited: dict[str, Any] = {}

        def wait() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            waited.update(ended=time.perf_counter(), status=status, rss=usage.ru_maxrss)

        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        thread.join(timeout)
        stopped = thread.is_alive()
        if stopped:
            _kill(proc)
            thread.join()
        proc.returncode = os.waitstatus_to_exitcode(waited["status"])
        seconds = waited["ended"] - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    report: dict[str, Any] = {"ok": proc.returncode == 0 and not stopped, "seconds": seconds,
                              "rss_kb": waited["rss"], "returncode": proc.returncode,
                              "stdout": stdout[-4000:]}
    if stopped:
        report.update(timeout=True, limit=timeout)
    elif proc.returncode != 0:
        report["error"] = (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:500]
    return report


def _child(task: str, args: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
    """Run one task of this module in a fresh process; its report (``ok``, ``seconds`` …)."""
    report = _process([sys.executable, "-m", "benchmarks.tasks", task, json.dumps(args)],
                      timeout=timeout)
    if report.get("timeout"):
        return report
    inner = _last_json(report.get("stdout", ""))
    if not inner:
        return {"ok": False, "error": report.get("error") or "no report",
                "rss_kb": report["rss_kb"]}
    inner.setdefault("ok", report["ok"])
    inner["wall_seconds"] = report["seconds"]
    inner["rss_kb"] = report["rss_kb"]
    return inner


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}


class _Worker:
    """A long-lived engine process answering JSON commands, restarted after a kill."""

    def __init__(self, args: dict[str, Any], *, start_timeout: float = 600.0) -> None:
        self.args = args
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.peak_kb = 0
        self.start_report: dict[str, Any] | None = None
        self.restarts = 0

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tasks", "worker", json.dumps(self.args)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=REPO, env=_env(), start_new_session=True)
        self.buffer = b""
        ready = self._read(self.start_timeout)
        if ready is None or not ready.get("ok"):
            self._reap(kill=True)
            raise RuntimeError(f"worker {self.args} did not start: {ready}")
        if self.start_report is None:
            self.start_report = {**ready, "seconds": round(ready["seconds"], 3)}

    def call(self, command: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        if self.proc is None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(command) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            self._reap(kill=True)
            return {"ok": False, "error": "worker died"}
        # the worker stops rdflib itself; give it a margin before killing it
        reply = self._read(timeout * 1.2 + 5.0)
        if reply is None:
            self._reap(kill=True)
            self.restarts += 1
            return {"ok": False, "timeout": True, "limit": timeout}
        return reply

    def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return {"ok": False, "error": "worker exited"}
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {"ok": False, "error": f"bad reply {line[:200]!r}"}

    def _reap(self, *, kill: bool) -> None:
        if self.proc is None:
            return
        if kill:
            _kill(self.proc)
        else:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write(b'{"op": "quit"}\n')
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.peak_kb = max(self.peak_kb, usage.ru_maxrss)
        for stream in (self.proc.stdout, self.proc.stdin):
            if stream is not None and not stream.closed:
                stream.close()
        self.proc = None

    def close(self) -> int:
        """Stop the worker; its peak RSS in KiB over every start."""
        self._reap(kill=False)
        return self.peak_kb


# ====================================================================== machine


def machine() -> dict[str, Any]:
    """CPU, cores, RAM, versions, date and the load average now."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    commit = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram,
        "python": platform.python_version(), "platform": platform.platform(),
        "pyoxigraph": version("pyoxigraph"), "rdflib": version("rdflib"),
        "streamlit": version("streamlit"), "peacegraph": version("peacegraph"),
        "commit": commit,
        "date": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "load_average_start": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
