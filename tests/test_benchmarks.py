"""The benchmark harness end to end at a tiny size: every measurement is there and the
Markdown renders. No timing is asserted (the numbers are whatever this machine gives)."""

from __future__ import annotations

import json

import pytest

from benchmarks import ENGINES, MEASUREMENT_KEYS, generate, harness, parse_size, report

QUERIES = ("tracks", "precedents-for-track")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    config = harness.Config(sizes=("2k",), runs=1, warmup=0, out=tmp / "out", data=tmp / "data",
                            timeout=60.0, rdflib_timeout=10.0, queries=QUERIES,
                            formats=("nt",), pages=("overview",), extra_runs=False,
                            bytecode=False, log=lambda message: None)
    harness.run(config)
    return {"json": json.loads((tmp / "out" / "results.json").read_text(encoding="utf-8")),
            "md": (tmp / "out" / "results.md").read_text(encoding="utf-8")}


def test_every_measurement_is_recorded(results: dict) -> None:
    data = results["json"]
    assert {"cpu", "cores", "ram_gb", "python", "pyoxigraph", "rdflib", "date"} <= set(
        data["machine"])
    size = data["sizes"]["2k"]
    assert set(MEASUREMENT_KEYS) <= set(size)
    assert size["statements"] > 1000
    for contestant in ("peacegraph", "pyoxigraph", "rdflib", "peacegraph_cli"):
        assert size["load"]["nt"][contestant]["median"] > 0, contestant
    assert size["load"]["nt"]["peacegraph"]["statements_per_s"] > 0
    assert set(size["queries"]) == set(QUERIES)
    for name in QUERIES:
        entry = size["queries"][name]
        for engine in ENGINES:
            assert engine in entry
        assert entry["peacegraph"]["median"] is not None, entry
        assert entry["peacegraph-app"]["median"] is not None, entry
        assert entry["pyoxigraph"]["median"] is not None, entry
        assert entry["rows"]["peacegraph"] == entry["rows"]["pyoxigraph"]
        assert entry["rows"]["peacegraph-app"] == entry["rows"]["peacegraph"]
    assert size["queries"]["tracks"]["rows"]["peacegraph"] == 6
    assert size["export"]["nt"]["peacegraph"]["median"] is not None
    assert size["export"]["nt"]["pyoxigraph"]["median"] is not None
    assert "peacegraph" in size["snapshot"] or "skipped" in size["snapshot"]
    assert size["cold_start"]["peacegraph"]["median"] is not None
    assert size["cold_start"]["python_import_pyoxigraph"]["median"] is not None
    for phase in ("load", "queries", "export"):
        assert phase in size["memory"]
    assert size["memory"]["queries"]["peak_kb"]["peacegraph"] > 0
    assert size["memory"]["queries"]["peak_kb"]["peacegraph-app"] > 0
    # the app's engine: an in-memory copy (a tiny store is well under the auto limit)
    assert size["app"]["query_worker"]["in_memory"] is True
    assert size["app"]["query_worker"]["statements"] > 1000
    assert "overview" in size["app"] or "skipped" in size["app"]
    if "overview" in size["app"]:
        assert size["app"]["start"]["median"] is not None, size["app"]["start"]
        assert size["app"]["start"]["in_memory"] is True
        assert size["app"]["overview"]["median"] is not None, size["app"]["overview"]
    names = [row["name"] for row in data["targets"]["2k"]]
    assert "load nt: peacegraph vs bulk_load (throughput)" in names
    assert "cold start: peacegraph query tracks / import pyoxigraph" in names
    # the 10x target is on the app's engine; the 1.5x one on disk against disk
    assert "query tracks: rdflib / peacegraph-app" in names
    assert "query tracks: peacegraph / pyoxigraph" in names
    assert all(row["pass"] in (True, False, None) for row in data["targets"]["2k"])


def test_markdown_renders_the_tables(results: dict) -> None:
    md = results["md"]
    assert md.startswith("# peacegraph benchmarks")
    assert "## Targets at 2k statements" in md
    for heading in ("### Load (statements/s)", "### Saved queries (median)",
                    "### Export (median)", "### Start-up, memory and app"):
        assert heading in md
    for line in md.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line
    header = next(line for line in md.splitlines() if line.startswith("| query | rows"))
    assert "| peacegraph (app) |" in header and "| rdflib / app |" in header
    assert "every saved query: rdflib / peacegraph as the app answers" in md
    if "start" in results["json"]["sizes"]["2k"]["app"]:
        assert "app start-up: open the store and copy it into memory" in md
    row = next(line for line in md.splitlines() if line.startswith("| tracks |"))
    assert row.count("|") == header.count("|")
    assert report.render_markdown(results["json"]) == md


def test_the_generator_is_deterministic_and_sized(tmp_path) -> None:
    first = generate.generate(parse_size("3k"), tmp_path / "a")
    second = generate.generate(parse_size("3k"), tmp_path / "b")
    assert first.nt.read_bytes() == second.nt.read_bytes()
    assert first.ttl.read_bytes() == second.ttl.read_bytes()
    assert abs(first.statements - 3000) < 300
    assert sum(first.parts.values()) == first.statements
    assert len(first.nt.read_text(encoding="utf-8").splitlines()) == first.statements
