"""The app in a real browser: what AppTest cannot see (links, the graph component, downloads).

Starts ``peacegraph --store STORE app --port FREE`` (Streamlit on 127.0.0.1) on a store
built from ``loaders.bundled()``, drives Debian's Chromium with Playwright, and saves
screenshots under ``test-artifacts/``. Skips (fails in CI, ``PEACEGRAPH_REQUIRE_ALL=1``)
when ``/usr/bin/chromium`` or the ``playwright`` package is missing. Nothing may be
fetched from anywhere but the app itself: the app must work offline.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ID = "https://w3id.org/peacegraph/id/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, bundled_store_path: Path) -> Iterator[str]:
    """``peacegraph app`` serving the bundled store; yields its base URL."""
    store = bundled_store_path
    port = _free_port()
    env = {**os.environ, "PEACEGRAPH_APP_DATA": str(tmp_path_factory.mktemp("app-data"))}
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "peacegraph", "--store", str(store), "app", "--port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start (see {log.name})")
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # our own process group only
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.set_default_timeout(30_000)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
            (server, "data:", "blob:", "about:")) else None)
        page.outside_requests = outside  # type: ignore[attr-defined]
        yield page
        browser.close()


def _settle(page: Any) -> None:
    """Wait until the script run has finished (Streamlit's running indicator is gone) and
    every lazily loaded element has replaced its placeholder."""
    page.wait_for_selector("[data-testid=stApp]")
    time.sleep(0.5)
    page.wait_for_selector("[data-testid=stStatusWidget]", state="detached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector("
                           "'[data-testid=stSkeleton], [data-testid=stSkeletonElement]')",
                           timeout=30_000)


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def test_track_to_precedent_to_query_to_graph(
        require: Callable[[object, str], None], tmp_path_factory: pytest.TempPathFactory,
        request: pytest.FixtureRequest) -> None:
    require(CHROMIUM.exists(), "needs Debian's Chromium at /usr/bin/chromium "
                               "(apt-get install chromium)")
    require(importlib.util.find_spec("playwright") is not None,
            "needs the playwright package (pip install -e '.[test]')")
    base: str = request.getfixturevalue("server")
    page = request.getfixturevalue("browser_page")

    # a track page, shared as a link
    page.goto(base + "/track?number=4")
    _settle(page)
    page.get_by_role("heading", name="Track 4 · General security").wait_for()
    page.get_by_text("Conventional Armed Forces in Europe treaty signed in 1990").first.wait_for()
    _shot(page, "01-track-4")

    # follow the CFE Treaty to its page (an in-app link, same tab)
    page.get_by_role("link", name="CFE Treaty", exact=True).first.click()
    page.wait_for_url("**/precedent?iri=cfe-treaty")
    _settle(page)
    page.get_by_role("heading", name="CFE Treaty", exact=True).wait_for()
    page.get_by_text("Participation of the six states").wait_for()
    page.locator("[data-testid=stDataFrame]").first.wait_for()
    page.get_by_text("Joint Consultative Group").first.wait_for()
    _shot(page, "02-precedent-cfe-treaty")

    # run a saved query from its form
    page.goto(base + "/queries?name=precedents-for-track")
    _settle(page)
    form = page.locator("[data-testid=stForm]")
    form.locator("[data-testid=stSelectbox]").click()
    page.get_by_role("option", name="Inter-Korean relations").click()
    form.get_by_role("button", name="Run").click()
    page.wait_for_url("**track=track-1**")
    _settle(page)
    page.get_by_role("button", name="Download CSV").wait_for()
    page.get_by_text("7 rows").wait_for()
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.wait_for()
    _shot(page, "03-queries-precedents-for-track-1")

    # the graph: bundled component, a node double-clicked expands (state in the URL)
    page.goto(base + "/graph?focus=cfe-treaty")
    _settle(page)
    frame_element = page.wait_for_selector("iframe[title*=peacegraph_network]")
    frame = frame_element.content_frame()
    frame.wait_for_function("() => window.peacegraphNetwork && "
                            "!window.peacegraphNetwork.physics.options.enabled")
    point = frame.evaluate("""(id) => { const n = window.peacegraphNetwork;
        return n.canvasToDOM(n.getPositions([id])[id]); }""", ID + "cfe-jcg")
    box = frame_element.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    frame.wait_for_function("() => document.getElementById('p-label').textContent === "
                            "'Joint Consultative Group'", timeout=10_000)
    _shot(page, "04-graph-cfe-treaty")
    frame.locator("#b-expand").click()
    page.wait_for_url("**expand=cfe-jcg**")
    _settle(page)

    # a runaway ad hoc query in one tab does not hold up another tab
    runaway = page.context.browser.new_page(viewport={"width": 1400, "height": 900})
    runaway.on("request", lambda r: page.outside_requests.append(r.url) if not r.url.startswith(
        (base, "data:", "blob:", "about:")) else None)
    runaway.goto(base + "/queries?mode=sparql&timeout=7&sparql=" + urllib.parse.quote(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"))
    running = runaway.get_by_text("Running (at most 7 s)")
    running.wait_for()
    page.goto(base + "/track?number=1")
    _settle(page)
    page.get_by_role("heading", name="Track 1 · Inter-Korean relations").wait_for()
    assert running.is_visible(), "another session waited for the runaway query"
    runaway.get_by_text("query stopped after 7 s").wait_for(timeout=30_000)
    _shot(runaway, "05-runaway-query-stopped")
    runaway.close()

    assert page.outside_requests == [], "the app fetched from outside: " + ", ".join(
        page.outside_requests)
