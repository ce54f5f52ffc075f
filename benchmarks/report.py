"""The issue's targets and the Markdown of the results (``results.md``).

:func:`targets` turns the measurements of :func:`benchmarks.harness.run` into ratios with
a bound and PASS/MISS, per size; :func:`render_markdown` writes the tables the README
includes: the targets at the largest size, then every measurement by size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks import ENGINES, EXPORT_FORMATS

__all__ = ["targets", "render_markdown", "APP_ENGINE"]

#: The query engine of the 10x-vs-rdflib target: peacegraph as the app answers.
APP_ENGINE = "peacegraph-app"
#: The snapshot's four RDF files (like for like with the bare dumps), and the whole of it.
SNAPSHOT_RDF_TARGET = "snapshot RDF files: peacegraph take / pyoxigraph dumps"
SNAPSHOT_TARGET = "snapshot whole: peacegraph take / pyoxigraph dumps"


def targets(results: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The targets of the issue, per size: ratio, the bound, and PASS/MISS (``None``: open).

    Load ≥ 0.7x bare bulk_load; every query ≤ 1.5x bare pyoxigraph (both reading their
    on-disk stores) and, as the app answers it (``peacegraph-app``: its in-memory copy),
    ≥ 10x faster than rdflib; every export format and the snapshot (its four RDF files, and
    the whole of it with the network and CSV files) ≤ 1.5x bare dumps; peak RSS ≤ 1.5x bare
    pyoxigraph for load, queries, export and snapshot; cold start ≤ 4x
    ``import pyoxigraph``.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for label, size in results.get("sizes", {}).items():
        rows: list[dict[str, Any]] = []
        for fmt, entry in size.get("load", {}).items():
            rows.append(_target(f"load {fmt}: peacegraph vs bulk_load (throughput)",
                                entry.get("pyoxigraph"), entry.get("peacegraph"), ">=", 0.7,
                                invert=True))
        for name, entry in size.get("queries", {}).items():
            rows.append(_target(f"query {name}: peacegraph / pyoxigraph",
                                entry.get("peacegraph"), entry.get("pyoxigraph"), "<=", 1.5))
            row = _target(f"query {name}: rdflib / peacegraph-app",
                          entry.get("rdflib"), entry.get(APP_ENGINE), ">=", 10.0)
            engine = _target("", entry.get("rdflib"), entry.get("pyoxigraph"), ">=", 10.0)
            row["bare_ratio"] = engine["ratio"]  # rdflib / bare pyoxigraph: the engine's share
            row["bare_ratio_kind"] = engine["ratio_kind"]
            if not entry.get("rows_agree", True):
                row["note"] = "rdflib returned other rows: " + ", ".join(
                    f"{e} {n}" for e, n in (entry.get("rows") or {}).items())
            rows.append(row)
        for fmt in EXPORT_FORMATS:
            entry = size.get("export", {}).get(fmt)
            if entry:
                rows.append(_target(f"export {fmt}: peacegraph / pyoxigraph",
                                    entry.get("peacegraph"), entry.get("pyoxigraph"), "<=", 1.5))
        snap = size.get("snapshot", {})
        if "peacegraph" in snap:
            rows.append(_target(SNAPSHOT_RDF_TARGET, snap.get("peacegraph_rdf"),
                                snap.get("pyoxigraph"), "<=", 1.5))
            rows.append(_target(SNAPSHOT_TARGET, snap.get("peacegraph"), snap.get("pyoxigraph"),
                                "<=", 1.5))
        memory = dict(size.get("memory", {}))
        if "peacegraph" in snap:
            memory["snapshot"] = {"peak_kb": {name: (snap.get(name) or {}).get("rss_kb")
                                              for name in ("peacegraph", "pyoxigraph")}}
        for phase in ("load", "queries", "export", "snapshot"):
            pg, ox = _peak_pair(memory.get(phase) or {})
            if phase == "snapshot" and not (pg or ox):
                continue
            ratio = pg / ox if pg and ox else None
            rows.append({"name": f"peak RSS {phase}: peacegraph / pyoxigraph", "ratio": ratio,
                         "bound": "<= 1.5", "pass": None if ratio is None else ratio <= 1.5,
                         "peacegraph_kb": pg, "pyoxigraph_kb": ox})
        cold = size.get("cold_start", {})
        rows.append(_target("cold start: peacegraph query tracks / import pyoxigraph",
                            cold.get("peacegraph"), cold.get("python_import_pyoxigraph"),
                            "<=", 4.0))
        out[label] = rows
    return out


def _peak_pair(phase: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(peacegraph, pyoxigraph) peak RSS of a memory phase (max over formats)."""
    if "peak_kb" in phase:
        return phase["peak_kb"].get("peacegraph"), phase["peak_kb"].get("pyoxigraph")
    pg = [v.get("peacegraph") for v in phase.values() if isinstance(v, dict)]
    ox = [v.get("pyoxigraph") for v in phase.values() if isinstance(v, dict)]
    pg_values = [v for v in pg if v]
    ox_values = [v for v in ox if v]
    return (max(pg_values) if pg_values else None, max(ox_values) if ox_values else None)


def _target(name: str, top: Mapping[str, Any] | None, bottom: Mapping[str, Any] | None,
            op: str, bound: float, *, invert: bool = False) -> dict[str, Any]:
    """ratio = top / bottom (time over time); a stopped run makes it a bound.

    ``invert`` states a throughput target on times: throughput(pg)/throughput(ox) is
    time(ox)/time(pg), so ``top`` is then the bare side.
    """
    top = top or {}
    bottom = bottom or {}
    t, b = top.get("median"), bottom.get("median")
    t_low = top.get("lower_bound_s") if top.get("timeout") else None
    b_low = bottom.get("lower_bound_s") if bottom.get("timeout") else None
    row: dict[str, Any] = {"name": name, "bound": f"{op} {bound:g}", "ratio": None,
                           "ratio_kind": "exact", "pass": None}
    if t is not None and b is not None and b > 0:
        row["ratio"] = t / b
    elif t is None and t_low and b is not None and b > 0:
        row["ratio"], row["ratio_kind"] = t_low / b, "at least"
    elif b is None and b_low and t is not None:
        row["ratio"], row["ratio_kind"] = t / b_low, "at most"
    else:
        row["note"] = _why_open(top, bottom)
        return row
    ratio, kind = row["ratio"], row["ratio_kind"]
    meets = ratio <= bound if op == "<=" else ratio >= bound
    if kind == "exact":
        row["pass"] = meets
    elif (kind == "at most") == (op == "<="):
        row["pass"] = True if meets else None  # the true ratio is even better
    else:
        row["pass"] = False if not meets else None  # the true ratio is even worse
    return row


def _why_open(top: Mapping[str, Any], bottom: Mapping[str, Any]) -> str:
    for side in (top, bottom):
        if side.get("skipped"):
            return str(side["skipped"])
        if side.get("timeout"):
            return f"stopped after {side.get('lower_bound_s')} s"
        if side.get("error"):
            return "error: " + str(side["error"])[:120]
    return "not measured"


# ====================================================================== markdown


def render_markdown(results: Mapping[str, Any]) -> str:
    """``results.md``: targets at the largest size, then every measurement by size."""
    m = results.get("machine", {})
    sizes = results.get("sizes", {})
    lines = ["# peacegraph benchmarks", "",
             "<!-- Generated by `python -m benchmarks` (benchmarks/harness.py); do not edit. -->",
             "",
             f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB RAM; "
             f"Python {m.get('python', '?')}, pyoxigraph {m.get('pyoxigraph', '?')}, rdflib "
             f"{m.get('rdflib', '?')}; {m.get('date', '?')}. Load average "
             f"{m.get('load_average_start', '?')} at the start (a shared machine).",
             "",
             f"Medians of up to {results.get('config', {}).get('runs', '?')} runs after "
             f"{results.get('config', {}).get('warmup', '?')} warm-up run(s), contestants "
             "interleaved; `n` is the number of runs when fewer (slow measurements are cut to a "
             "time budget), `>` a run stopped at the time limit. Synthetic data shaped like "
             "`data/` (benchmarks/generate.py); queries run over the ontology, four named "
             "graphs of synthetic data and the inferred graph.", ""]
    if sizes:
        largest = list(sizes)[-1]
        rows = results.get("targets", {}).get(largest, [])
        lines += [f"## Targets at {largest} statements", "",
                  "| target | ratio | bound | result |", "|---|---:|---:|---|"]
        summary = _target_summary(rows)
        for row in summary:
            lines.append(f"| {row['name']} | {row['ratio']} | {row['bound']} | {row['result']} |")
        lines.append("")
    for label, size in sizes.items():
        lines += _size_markdown(label, size, results.get("targets", {}).get(label, []))
    return "\n".join(lines) + "\n"


def _target_summary(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Targets with the per-query ones folded into two lines plus every failing query."""
    out = []
    queries = [r for r in rows if r["name"].startswith("query ")]
    for row in rows:
        if row["name"].startswith("query "):
            continue
        out.append({"name": row["name"], "ratio": _ratio_text(row), "bound": row["bound"],
                    "result": _verdict(row)})
    for suffix, label in ((": peacegraph / pyoxigraph", "every saved query: peacegraph / "
                           "pyoxigraph (on disk)"),
                          (": rdflib / peacegraph-app", "every saved query: rdflib / "
                           "peacegraph as the app answers (in-memory copy)")):
        group = [r for r in queries if r["name"].endswith(suffix)]
        if not group:
            continue
        passed = sum(1 for r in group if r["pass"] is True)
        failed = [r for r in group if r["pass"] is False]
        open_ = [r for r in group if r["pass"] is None]
        ratios = [r["ratio"] for r in group if r["ratio"] is not None and
                  r["ratio_kind"] == "exact"]
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "—"
        verdict = "PASS" if not failed and not open_ else "MISS" if failed else "OPEN"
        out.append({"name": f"{label} ({passed}/{len(group)} pass)", "ratio": spread,
                    "bound": group[0]["bound"], "result": verdict})
        for r in failed + open_:
            out.append({"name": "&nbsp;&nbsp;" + r["name"], "ratio": _ratio_text(r),
                        "bound": r["bound"], "result": _verdict(r)})
    return out


def _ratio_text(row: Mapping[str, Any]) -> str:
    if row.get("ratio") is None:
        return "—"
    prefix = {"at least": "≥ ", "at most": "≤ "}.get(row.get("ratio_kind", "exact"), "")
    return f"{prefix}{row['ratio']:.2f}"


def _verdict(row: Mapping[str, Any]) -> str:
    if row["pass"] is True:
        return "PASS"
    if row["pass"] is False:
        return "MISS"
    return "open" + (f" ({row['note']})" if row.get("note") else "")


def _size_markdown(label: str, size: Mapping[str, Any],
                   rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"## {label} ({size.get('statements', 0):,} statements in the files; "
             f"{size.get('store', {}).get('quads', 0):,} quads in the query store)", ""]
    load = size.get("load", {})
    if load:
        lines += ["### Load (statements/s)", "",
                  "| format | peacegraph (library) | peacegraph (CLI) | bare pyoxigraph | rdflib | "
                  "peacegraph / bare |", "|---|---:|---:|---:|---:|---:|"]
        for fmt, entry in load.items():
            pg, ox = entry.get("peacegraph", {}), entry.get("pyoxigraph", {})
            ratio = (ox["median"] / pg["median"]) if pg.get("median") and ox.get("median") else None
            lines.append(f"| {fmt} | {_rate(pg)} | {_rate(entry.get('peacegraph_cli'))} | "
                         f"{_rate(ox)} | {_rate(entry.get('rdflib'))} | "
                         f"{'—' if ratio is None else f'{ratio:.2f}x'} |")
        lines.append("")
    queries = size.get("queries", {})
    if queries:
        lines += ["### Saved queries (median)", "",
                  "| query | rows | peacegraph | peacegraph (app) | bare pyoxigraph | rdflib | "
                  "peacegraph / bare | rdflib / app | rdflib / bare |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        by_name = {r["name"]: r for r in rows}
        for name, entry in queries.items():
            counts = entry.get("rows", {})
            shown = counts.get("peacegraph", counts.get("pyoxigraph"))
            if not entry.get("rows_agree", True):
                shown = " / ".join(f"{counts.get(e, '—')}" for e in ENGINES) + " ⚠"
            a = by_name.get(f"query {name}: peacegraph / pyoxigraph", {})
            b = by_name.get(f"query {name}: rdflib / peacegraph-app", {})
            lines.append(f"| {name} | {'—' if shown is None else shown} | "
                         f"{_time(entry.get('peacegraph'))} | {_time(entry.get(APP_ENGINE))} | "
                         f"{_time(entry.get('pyoxigraph'))} | {_time(entry.get('rdflib'))} | "
                         f"{_ratio_cell(a)} | {_ratio_cell(b)} | {_bare_cell(b)} |")
        lines += ["", "peacegraph and bare pyoxigraph read their on-disk stores; peacegraph "
                  "(app) answers as the app does, " + _app_engine_text(size) + "; rdflib "
                  "holds the same quads in memory.", ""]
    export = size.get("export", {})
    if export:
        lines += ["### Export (median)", "",
                  "| format | peacegraph | bare pyoxigraph | rdflib | peacegraph / bare |",
                  "|---|---:|---:|---:|---:|"]
        by_name = {r["name"]: r for r in rows}
        for fmt in EXPORT_FORMATS:
            entry = export.get(fmt)
            if not entry:
                continue
            lines.append(f"| {fmt} | {_time(entry.get('peacegraph'))} | "
                         f"{_time(entry.get('pyoxigraph'))} | {_time(entry.get('rdflib'))} | "
                         f"{_ratio_cell(by_name.get(f'export {fmt}: peacegraph / pyoxigraph', {}))} |")
        snap = size.get("snapshot", {})
        if "peacegraph" in snap:
            lines.append(f"| snapshot: its 4 RDF files | {_time(snap.get('peacegraph_rdf'))} | "
                         f"{_time(snap.get('pyoxigraph'))} (4 dumps) | — | "
                         f"{_ratio_cell(by_name.get(SNAPSHOT_RDF_TARGET, {}))} |")
            lines.append(f"| snapshot: whole (`take`, with network and CSV) | "
                         f"{_time(snap.get('peacegraph'))} | {_time(snap.get('pyoxigraph'))} "
                         f"(4 dumps) | — | {_ratio_cell(by_name.get(SNAPSHOT_TARGET, {}))} |")
        elif snap.get("skipped"):
            lines.append(f"| snapshot | {snap['skipped']} | | | |")
        parse = export.get("rdflib_parse") or {}
        if parse.get("seconds"):
            lines += ["", f"rdflib parsed the query store's N-Quads in {parse['seconds']:.1f} s "
                          "(before its queries and exports)."]
        lines.append("")
    lines += ["### Start-up, memory and app", "", "| measurement | peacegraph | baseline | ratio |",
              "|---|---:|---:|---:|"]
    cold = size.get("cold_start", {})
    if cold:
        pg, py = cold.get("peacegraph", {}), cold.get("python_import_pyoxigraph", {})
        ratio = pg["median"] / py["median"] if pg.get("median") and py.get("median") else None
        lines.append(f"| cold start: `peacegraph query tracks --format csv` vs "
                     f"`python -c \"import pyoxigraph\"` | {_time(pg)} | {_time(py)} | "
                     f"{'—' if ratio is None else f'{ratio:.2f}x'} |")
    memory = size.get("memory", {})
    for phase in ("load", "queries", "export"):
        pg_kb, ox_kb = _peak_pair(memory.get(phase) or {})
        if pg_kb or ox_kb:
            ratio = pg_kb / ox_kb if pg_kb and ox_kb else None
            lines.append(f"| peak RSS, {phase} (vs bare pyoxigraph) | {_mib(pg_kb)} | "
                         f"{_mib(ox_kb)} | {'—' if ratio is None else f'{ratio:.2f}x'} |")
    rdflib_peak = (memory.get("queries") or {}).get("peak_kb", {}).get("rdflib")
    if rdflib_peak:
        lines.append(f"| peak RSS, rdflib Dataset with the same quads | — | {_mib(rdflib_peak)} | |")
    app_peak = (memory.get("queries") or {}).get("peak_kb", {}).get(APP_ENGINE)
    if app_peak:
        lines.append(f"| peak RSS, peacegraph as the app answers (query worker) | "
                     f"{_mib(app_peak)} | | |")
    app = size.get("app", {})
    if app.get("skipped"):
        lines.append(f"| app first render | {app['skipped']} | | |")
    else:
        start = app.get("start")
        if start:
            kind = ("open the store and copy it into memory" if start.get("in_memory", True)
                    else "open the store (read from disk: " + str(start.get("reason")) + ")")
            added = (f"; +{_mib(start['added_rss_kb'])} resident"
                     if start.get("added_rss_kb") else "")
            lines.append(f"| app start-up: {kind} (fresh process, before the first page"
                         f"{added}) | {_time(start)} | | |")
        for page in ("overview", "track"):
            if page in app:
                lines.append(f"| app first render, {page.capitalize()} page (AppTest, fresh "
                             f"process, after the start-up) | {_time(app[page])} | | |")
    lines.append("")
    return lines


def _app_engine_text(size: Mapping[str, Any]) -> str:
    """How the ``peacegraph-app`` worker opened the store, for the queries table."""
    worker = (size.get("app") or {}).get("query_worker") or {}
    if worker.get("in_memory") is None:
        return "from an in-memory copy of the store"
    if not worker["in_memory"]:
        return f"from the store on disk ({worker.get('reason')})"
    return (f"from an in-memory copy of the store ({worker.get('statements', 0):,} statements, "
            f"copied in {worker.get('open_seconds', 0):.1f} s)")


def _rate(summary: Mapping[str, Any] | None) -> str:
    if not summary:
        return "—"
    if summary.get("statements_per_s"):
        runs = "" if summary.get("runs", 0) >= 5 else f" (n={summary['runs']})"
        return f"{summary['statements_per_s']:,}{runs}"
    return _time(summary)


def _time(summary: Mapping[str, Any] | None) -> str:
    if not summary:
        return "—"
    median = summary.get("median")
    if median is not None:
        text = f"{median * 1000:.1f} ms" if median < 1 else f"{median:.2f} s"
        if 0 < summary.get("runs", 0) < 5:
            text += f" (n={summary['runs']})"
        return text
    if summary.get("timeout"):
        return f"> {summary.get('lower_bound_s')} s"
    if summary.get("skipped"):
        return f"skipped ({summary['skipped']})"
    if summary.get("error"):
        return "error"
    return "—"


def _ratio_cell(row: Mapping[str, Any]) -> str:
    if not row or row.get("ratio") is None:
        return "—"
    mark = {True: "", False: " ✗", None: " ?"}[row.get("pass")]
    return _ratio_text(row) + "x" + mark


def _bare_cell(row: Mapping[str, Any]) -> str:
    if not row or row.get("bare_ratio") is None:
        return "—"
    prefix = {"at least": "≥ ", "at most": "≤ "}.get(row.get("bare_ratio_kind", "exact"), "")
    return f"{prefix}{row['bare_ratio']:.2f}x"


def _mib(kb: int | None) -> str:
    return "—" if not kb else f"{kb / 1024:.0f} MiB"
