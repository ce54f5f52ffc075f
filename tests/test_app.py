"""The Streamlit app, page by page, with ``streamlit.testing.v1.AppTest``.

Each test opens ``app.py`` (the router) on one page, with the query parameters a shared
link would carry, against a store built once from ``loaders.bundled()``. What is checked
is what a reader should see, taken from the sources: track 4 leans on the CFE Treaty and
quotes the article on it; North Korea is not a party to the Chemical Weapons Convention;
track 1's precedents include the 1953 armistice; updates and SERVICE are refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.util import calc_hash  # noqa: E402

from graph.terms import SelectResult, Term  # noqa: E402

TIMEOUT = 60


@pytest.fixture(scope="session")
def app_store(bundled_store_path: Path) -> Path:
    """The bundled store (built once per session; the app only reads it)."""
    return bundled_store_path


@pytest.fixture
def app_env(app_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the bundled store (``$PEACEGRAPH_STORE``, as ``peacegraph app``
    does) and its snapshots at a temporary folder."""
    monkeypatch.setenv("PEACEGRAPH_STORE", str(app_store))
    monkeypatch.setenv("PEACEGRAPH_APP_DATA", str(tmp_path / "app-data"))
    return app_store


@pytest.fixture
def open_page(app_env: Path) -> Callable[..., AppTest]:
    """``open_page(url_path, **query_params)``: the app run once on that page.

    ``AppTest.switch_page`` only knows file pages; ``st.navigation`` identifies a callable
    page by the hash of its URL path, which is what a browser's URL selects, so the test
    asks for that page the same way.
    """

    def _open(url_path: str, **params: str | list[str]) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.query_params.update(params)
        at._page_hash = calc_hash(url_path)  # the page a browser at /<url_path> asks for
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


# ------------------------------------------------------------------ helpers


def texts(at: AppTest) -> str:
    """Everything readable on the page (Markdown unescaped), one string."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "error", "warning",
                 "success", "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    parts += [p.proto.label for p in at.get("page_link")]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def link_labels(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", p.proto.label) for p in at.get("page_link")]


def frame(at: AppTest, *columns: str):  # -> pandas.DataFrame
    """The first table on the page with all of ``columns``."""
    for element in at.dataframe:
        table = element.value
        if set(columns) <= set(table.columns):
            return table
    raise AssertionError(f"no table with columns {columns} on the page")


def shown(cell: object) -> str:
    """What a link cell shows: the label after '#', decoded."""
    text = str(cell)
    return unquote(text.split("#", 1)[1]) if "#" in text else text


# ------------------------------------------------------------------ every page


PAGES = [
    ("", {}), ("track", {}), ("track", {"number": "4"}), ("track", {"number": "9"}),
    ("precedent", {}), ("precedent", {"iri": "cwc"}), ("precedent", {"iri": "opcw"}),
    ("precedent", {"iri": "no-such-thing"}), ("entity", {}), ("entity", {"q": "armistice"}),
    ("entity", {"iri": "cfe-treaty"}), ("entity", {"iri": "pg:Treaty"}),
    ("entity", {"iri": "not an iri"}), ("graph", {}), ("graph", {"focus": "track-4"}),
    ("graph", {"focus": "cfe-treaty", "expand": "cfe-jcg", "types": ["Agreement", "Institution"]}),
    ("timeline", {}), ("timeline", {"from": "1990", "to": "2000", "steps": "0"}),
    ("parties", {}), ("parties", {"scope": "all"}), ("queries", {}),
    ("queries", {"name": "timeline", "from": "1990-01-01"}),
    ("queries", {"name": "non-parties"}), ("queries", {"name": "no-such-query"}),
    ("queries", {"mode": "sparql"}), ("snapshots", {}),
]


@pytest.mark.parametrize("url_path, params", PAGES,
                         ids=[f"/{p}?{'&'.join(k + '=' + str(v) for k, v in q.items())}"
                              for p, q in PAGES])
def test_every_page_renders(open_page: Callable[..., AppTest], url_path: str,
                            params: dict[str, str]) -> None:
    at = open_page(url_path, **params)
    assert at.title, "every page has a title"
    assert "https://w3id.org/" not in " ".join(t.value for t in at.title), "labels, not IRIs"


def test_overview_shows_six_tracks_and_the_article(open_page: Callable[..., AppTest]) -> None:
    at = open_page("")
    page = texts(at)
    for name in ["Inter-Korean relations", "Economic measures and sanctions",
                 "Nuclear security", "General security", "Humanitarian and cultural issues",
                 "Regional security"]:
        assert name in page
    assert "Philip Zelikow" in page and "Foreign Affairs" in page and "9 July 2018" in page
    assert "How Diplomacy With North Korea Can Work" in page
    assert "foreignaffairs.com" in page
    assert [label for label in link_labels(at) if label.startswith("Open track")] == [
        f"Open track {n}" for n in range(1, 7)]
    assert len(at.metric) == 12  # precedents and issues for each track


def test_track_4_lists_the_cfe_treaty_with_its_quote(open_page: Callable[..., AppTest]) -> None:
    at = open_page("track", number="4")
    assert at.title[0].value.endswith("General security")
    assert "CFE Treaty" in link_labels(at)
    cfe = next(p for p in at.get("page_link") if "CFE Treaty" in p.proto.label)
    assert cfe.proto.query_string == "iri=cfe-treaty"
    page = texts(at)
    assert "Conventional Armed Forces in Europe treaty signed in 1990, a large-scale and " \
           "reasonably successful precedent" in page
    assert "model to follow" in page
    assert "How Diplomacy With North Korea Can Work" in page  # the quote's source, linked
    for issue in ["Conventional armed forces", "Chemical weapons", "Biological weapons"]:
        assert issue in link_labels(at)


def test_track_page_shows_precedents_a_page_at_a_time(
        open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import track

    everything = open_page("track", number="4")
    assert not everything.number_input  # few enough: no pager
    links = [p.proto.label for p in everything.get("page_link")
             if "iri=" in p.proto.query_string and p.proto.page.endswith("precedent")]
    assert len(links) > 2
    monkeypatch.setattr(track, "CARDS", 2)
    at = open_page("track", number="4")
    seen: list[str] = []
    pages = int(at.number_input(key="precedent-page-4").max)
    assert pages == -(-len(links) // 2)
    for page in range(1, pages + 1):
        at.number_input(key="precedent-page-4").set_value(page).run()
        shown = [p.proto.label for p in at.get("page_link")
                 if "iri=" in p.proto.query_string and p.proto.page.endswith("precedent")]
        assert 1 <= len(shown) <= 2
        assert f"Precedents {2 * page - 1}–" in texts(at)
        seen += shown
    assert seen == links  # every card once, in the same order


def test_precedent_page_shows_north_korea_outside_the_cwc(
        open_page: Callable[..., AppTest]) -> None:
    at = open_page("precedent", iri="cwc")
    assert at.title[0].value == "Chemical Weapons Convention"
    table = frame(at, "State", "Status", "Uncertain", "Note")
    states = [shown(s) for s in table["State"]]
    assert {"United States", "South Korea", "North Korea", "China", "Japan", "Russia"} <= set(states)
    dprk = table[[s == "North Korea" for s in states]]
    assert list(dprk["Status"]) == ["not a party"]
    assert list(table[[s == "United States" for s in states]]["Status"]) == ["ratified"]
    page = texts(at)
    assert "Of the six, not parties: North Korea" in page
    assert "Organisation for the Prohibition of Chemical Weapons" in page  # institution
    assert "CWC verification by the OPCW" in page                         # verification
    assert "Track 4 · General security" in link_labels(at)                # tracks it informs
    assert "Chemical Weapons Convention and its Organization for the Prohibition" in page


def test_entity_page_has_links_both_ways_with_provenance(
        open_page: Callable[..., AppTest]) -> None:
    at = open_page("entity", iri="cfe-treaty")
    assert at.title[0].value == "CFE Treaty"
    out = frame(at, "Property", "Target")
    assert "has verification" in set(out["Property"])
    assert "CFE information exchange and verification" in {shown(t) for t in out["Target"]}
    assert {"curated data", "inferred"} <= set(out["Statement from"])
    incoming = frame(at, "Subject", "Property")
    assert any("North Korea: not a party" in shown(s) for s in incoming["Subject"])
    assert "Sources:" in texts(at)


def test_queries_page_runs_precedents_for_track_1(open_page: Callable[..., AppTest]) -> None:
    at = open_page("queries")
    at.selectbox(key="queries-name").set_value("precedents-for-track").run()
    assert not at.exception
    assert at.query_params.get("name") == "precedents-for-track"
    form_select = next(s for s in at.selectbox if s.label.startswith("track"))
    assert "Inter-Korean relations" in form_select.options  # labels from `tracks`
    form_select.set_value("track-1")
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.exception
    assert at.query_params.get("track") == "track-1"
    table = frame(at, "precedent", "relation", "rationale")
    assert "Korean Armistice Agreement" in {shown(p) for p in table["precedent"]}
    assert all(not str(p).startswith("https://") for p in table["precedent"])  # labels
    assert {b.label for b in at.get("download_button")} >= {"Download CSV", "Download JSON"}


def test_a_shared_query_link_shows_its_results(open_page: Callable[..., AppTest]) -> None:
    at = open_page("queries", name="precedents-for-track", track="track-1")
    table = frame(at, "precedent", "relation", "rationale")
    assert "Korean Armistice Agreement" in {shown(p) for p in table["precedent"]}


@pytest.mark.parametrize("sparql, words", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL update (INSERT DATA)"),
    ("PREFIX pg: <https://w3id.org/peacegraph/ontology#>\n"
     "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "uses SERVICE"),
    ("DROP ALL", "SPARQL update (DROP)"),
])
def test_ad_hoc_updates_and_service_are_refused(open_page: Callable[..., AppTest],
                                                 sparql: str, words: str) -> None:
    at = open_page("queries", mode="sparql")
    at.text_area(key="adhoc-text").set_value(sparql)
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.exception
    errors = " ".join(re.sub(r"\\(.)", r"\1", e.value) for e in at.error)
    assert "refused" in errors and words in errors
    assert not at.dataframe


def test_ad_hoc_select_runs_bounded(open_page: Callable[..., AppTest]) -> None:
    at = open_page("queries", mode="sparql", limit="3", sparql=(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?s ?label WHERE { ?s rdfs:label ?label }"))
    table = frame(at, "s")
    assert len(table) == 3
    assert all(str(s).startswith("/entity?iri=") for s in table["s"])  # links, by label
    assert "stopped at the row cap" in texts(at)


def test_a_runaway_ad_hoc_query_stops_at_its_time_limit(
        open_page: Callable[..., AppTest]) -> None:
    at = open_page("queries", mode="sparql", timeout="1", sparql=(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"))
    warnings = " ".join(re.sub(r"\\(.)", r"\1", w.value) for w in at.warning)
    assert "query stopped after 1 s" in warnings


def test_graph_page_and_its_offline_component(open_page: Callable[..., AppTest]) -> None:
    at = open_page("graph", focus="cfe-treaty")
    table = frame(at, "Item", "Type", "Category")
    assert {"CFE Treaty", "Joint Consultative Group"} <= {shown(i) for i in table["Item"]}
    assert "Vocabulary" not in set(table["Category"])  # hidden at first
    static = REPO / "webapp" / "static" / "graph"
    html = (static / "index.html").read_text(encoding="utf-8")
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html
    assert not re.search(r"<script[^>]+src=[\"']https?:", html), "no CDN at run time"
    assert (static / "vis-network.min.js").stat().st_size > 100_000
    assert (static / "LICENSE-MIT").exists() and (static / "LICENSE-APACHE-2.0").exists()


def test_timeline_filters_by_years(open_page: Callable[..., AppTest]) -> None:
    at = open_page("timeline", **{"from": "1990", "to": "1992", "steps": "0"})
    table = frame(at, "Date", "Item", "Kind", "What")
    items = {shown(i) for i in table["Item"]}
    assert "CFE Treaty" in items and "Korean Armistice Agreement" not in items
    assert set(table["Kind"]) <= {"treaty", "declaration", "policy reform", "event",
                                  "negotiation process"}


def test_parties_matrix_cells_link_to_sources(open_page: Callable[..., AppTest]) -> None:
    at = open_page("parties")
    steps = frame(at, "State", "Agreement", "Status", "Source")
    cwc = steps[[shown(a) == "Chemical Weapons Convention" for a in steps["Agreement"]]]
    dprk = cwc[[shown(s) == "North Korea" for s in cwc["State"]]]
    assert list(dprk["Status"]) == ["not a party"]
    assert all(str(u).startswith("http") for u in steps["Source"] if u)
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"href"' in spec


def test_snapshots_are_taken_outside_the_store_and_compared(
        open_page: Callable[..., AppTest], app_env: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in app_env.iterdir())
    at = open_page("snapshots")
    next(b for b in at.button if b.label == "Take a snapshot").click().run(timeout=TIMEOUT)
    assert not at.exception
    name = at.query_params.get("show")
    assert name and (tmp_path / "app-data").is_dir()
    assert any(p.name == name for p in (tmp_path / "app-data").rglob("snapshot-*"))
    assert "Every file matches the sha256 in its manifest" in texts(at)
    assert "Download (zip)" in {b.label for b in at.get("download_button")}
    at.selectbox(key="snapshot-old").set_value("live").run()
    at.selectbox(key="snapshot-new").set_value(name).run()
    assert "No differences" in texts(at)
    assert sorted(p.name for p in app_env.iterdir()) == before  # the store is untouched


def test_pages_leave_the_store_unchanged(open_page: Callable[..., AppTest],
                                         app_env: Path) -> None:
    from graph.store import Store

    with Store.open(app_env) as store:
        version = store.version
    for url_path, params in [("queries", {"mode": "sparql", "sparql": "CLEAR ALL"}),
                             ("precedent", {"iri": "cfe-treaty"})]:
        open_page(url_path, **params)
    with Store.open(app_env) as store:
        assert store.version == version


def test_a_missing_store_gets_a_clear_message(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACEGRAPH_STORE", str(tmp_path / "no-store"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "no store at" in texts(at) and "peacegraph load" in texts(at)


# ------------------------------------------------------------------ where the app answers from


def sidebar_captions(at: AppTest) -> str:
    return re.sub(r"\\(.)", r"\1", "\n".join(c.value for c in at.sidebar.caption))


def test_the_app_answers_from_an_in_memory_copy_by_default(
        open_page: Callable[..., AppTest], app_env: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.store import Store
    from webapp import data

    monkeypatch.delenv("PEACEGRAPH_REPLICA", raising=False)
    at = open_page("")
    with Store.open(app_env) as disk:
        loaded = sum(entry.statements for entry in disk.manifest())
    assert f"Answers from an in-memory copy: {loaded:,} statements" in sidebar_captions(at)
    answering = data.opened()
    assert answering is not None and answering.in_memory
    assert answering.store.path == app_env  # a copy of that store, not another one
    assert "Inter-Korean relations" in texts(at)


@pytest.mark.parametrize("name, params", [
    ("tracks", {}), ("precedents-for-track", {"track": "track-4"}),
    ("non-parties", {"agreement": "cwc"}), ("entity", {"iri": "cfe-treaty"}),
    ("timeline", {"from": "1990-01-01"}), ("shared-commitments", {}),
])
def test_the_copy_answers_as_the_store_on_disk(app_env: Path, name: str,
                                               params: dict[str, str]) -> None:
    from graph import queries
    from webapp import data

    memory = data.open_store(app_env, replica="memory")
    disk = data.open_store(app_env, replica="disk")
    assert memory.in_memory and not disk.in_memory
    assert memory.statements == disk.statements > 1000
    assert memory.store.version == disk.store.version  # the same cache key
    in_memory, on_disk = (queries.run(s.store, name, **params) for s in (memory, disk))
    assert isinstance(in_memory, SelectResult) and isinstance(on_disk, SelectResult)
    assert in_memory.rows and in_memory == on_disk


def test_the_disk_mode_reads_the_store(open_page: Callable[..., AppTest],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import data

    monkeypatch.setenv("PEACEGRAPH_REPLICA", "disk")
    at = open_page("track", number="4")
    assert "Answers from the store on disk" in sidebar_captions(at)
    assert "--replica disk" in sidebar_captions(at)
    assert "CFE Treaty" in link_labels(at)
    answering = data.opened()
    assert answering is not None and not answering.in_memory


def test_a_bad_replica_value_gets_a_clear_message(app_env: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACEGRAPH_REPLICA", "fast")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    message = texts(at)
    assert "PEACEGRAPH_REPLICA='fast' is not one of auto, memory, disk" in message
    assert "--replica auto|memory|disk" in message


def test_auto_copies_up_to_its_limit() -> None:
    from webapp import data

    assert data.decide("auto", data.AUTO_MAX_STATEMENTS)[0]
    assert not data.decide("auto", data.AUTO_MAX_STATEMENTS + 1)[0]
    assert not data.decide("auto", 1_000_000, available=500_000_000)[0]  # 0.6 GB > half
    assert data.decide("auto", 1_000_000, available=None)[0]  # unknown memory: the count
    assert data.decide("memory", 10 * data.AUTO_MAX_STATEMENTS)[0]
    assert not data.decide("disk", 1)[0]


def test_a_new_generation_replaces_the_copy(app_store: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The old copy is released (not kept beside the new one) once a load goes live."""
    import gc
    import os
    import shutil
    import weakref

    from webapp import data

    store = tmp_path / "store"
    shutil.copytree(app_store, store)
    monkeypatch.setenv("PEACEGRAPH_STORE", str(store))
    monkeypatch.delenv("PEACEGRAPH_REPLICA", raising=False)
    AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    first = data.opened()
    assert first is not None and first.in_memory
    old = weakref.ref(first.store)
    del first
    current = store / "CURRENT"  # what `peacegraph load` replaces when it goes live
    os.utime(current, ns=(current.stat().st_atime_ns, current.stat().st_mtime_ns + 10**9))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    gc.collect()
    assert old() is None, "the previous generation's copy is still held"
    second = data.opened()
    assert second is not None and second.in_memory


def test_the_command_line_passes_the_replica_option(tmp_path: Path) -> None:
    import subprocess
    import sys

    def app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "peacegraph", "--store", str(tmp_path),
                               "app", "--dry-run", *args], capture_output=True, text=True,
                              cwd=REPO, timeout=60, env=env)

    import os

    clean = {k: v for k, v in os.environ.items() if k != "PEACEGRAPH_REPLICA"}
    assert "PEACEGRAPH_REPLICA=auto " in app(env=clean).stdout
    assert "PEACEGRAPH_REPLICA=disk " in app("--replica", "disk", env=clean).stdout
    assert "PEACEGRAPH_REPLICA=memory " in app(
        env={**clean, "PEACEGRAPH_REPLICA": "memory"}).stdout
    bad = app("--replica", "fast", env=clean)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        "peacegraph: error: Invalid value for '--replica': 'fast' is not one of 'auto', "
        "'memory', 'disk'. (see 'peacegraph app --help')"]
    helped = subprocess.run([sys.executable, "-m", "peacegraph", "app", "--help"],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "--replica [auto|memory|disk]" in helped.stdout


# ------------------------------------------------------------------ pieces


def test_csv_downloads_defuse_formulas() -> None:
    from webapp.components import safe_csv

    cells = ["=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "\tx", "plain"]
    result = SelectResult(("v",), [{"v": Term.literal(c)} for c in cells], False)
    lines = safe_csv(result).split("\r\n")
    assert lines[0] == "v"
    assert lines[1:7] == ['"\'=HYPERLINK(""http://evil"")"', "'+1", "'-2", "'@SUM(A1)",
                          "'\tx", "plain"]


def test_graph_values_are_escaped_for_markdown() -> None:
    from webapp.components import escape

    hostile = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) :red[big] **b** $x$"
    out = escape(hostile)
    assert not re.search(r"(?<!\\)[<>\[\]()*$:`_]", out), "every active character escaped"
    assert re.sub(r"\\(.)", r"\1", out) == hostile


def test_pages_hold_no_sparql() -> None:
    """Pages call saved queries by name; no query text lives in webapp/ or app.py."""
    pattern = re.compile(r"\b(SELECT|CONSTRUCT|ASK)\b[^\n\"']*\bWHERE\b|\bPREFIX\s+\w*:",
                         re.IGNORECASE)
    for path in [APP, *sorted((REPO / "webapp").glob("*.py"))]:
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


def test_no_unsafe_html() -> None:
    for path in [APP, *sorted((REPO / "webapp").glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html=" not in text and "st.html(" not in text, path.name


@pytest.mark.parametrize("module", ["webapp.components", "webapp.data", "webapp.nav"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.fixture(autouse=True)
def _quiet_streamlit() -> Iterator[None]:
    import logging

    logger = logging.getLogger("streamlit")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
