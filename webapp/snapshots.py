"""Snapshots (``/snapshots?show=…&old=…&new=…``): take, inspect, download and compare.

Snapshots are written by :func:`graph.snapshot.take` into the app's own data folder
(``$PEACEGRAPH_APP_DATA``, else a ``peacegraph-app`` folder in the system temp
directory), one sub-folder per store — never into the store, which the app only reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from graph import snapshot
from graph.snapshot import SnapshotError
from webapp import components as ui
from webapp import data

LIVE = "live"
APP_DATA_ENV = "PEACEGRAPH_APP_DATA"


def folder() -> Path:
    """Where this store's snapshots go: outside the store, one folder per store path."""
    base = Path(os.environ.get(APP_DATA_ENV) or Path(tempfile.gettempdir()) / "peacegraph-app")
    store = data.store_path()
    key = hashlib.sha256(str(data.endpoint() or store).encode()).hexdigest()[:12]
    target = base.expanduser().absolute() / "snapshots" / f"{store.name}-{key}"
    if target == store or store in target.parents:
        raise SnapshotError(f"the snapshot folder {target} would be inside the store")
    return target


def _snapshots(where: Path) -> dict[str, snapshot.Manifest]:
    """Snapshot name → manifest, newest first (folders without a manifest are skipped)."""
    found = {}
    if where.is_dir():
        for path in sorted(where.iterdir(), reverse=True):
            if path.is_dir() and not path.name.startswith("."):
                try:
                    found[path.name] = snapshot.read_manifest(path)
                except SnapshotError:
                    continue
    return found


@st.cache_data(show_spinner=False, max_entries=8)
def _zip(path: str, content_hash: str) -> bytes:
    buffer = io.BytesIO()
    root = Path(path)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(file, f"{root.name}/{file.relative_to(root).as_posix()}")
    return buffer.getvalue()


def _take(where: Path) -> str | None:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    name = f"snapshot-{stamp}"
    for n in range(2, 100):
        if not (where / name).exists():
            break
        name = f"snapshot-{stamp}-{n}"
    try:
        with st.status("Taking a snapshot…", expanded=False) as status:
            live = data.store()
            answering = data.opened()
            copied = answering is not None and answering.in_memory
            # the app's in-memory copy is already the one-pass read take() would make
            snapshot.take(live, where / name, in_memory=not copied,
                          progress=lambda f: status.update(label=f"Wrote {f}"))
            status.update(label=f"Snapshot {name} written", state="complete")
    except (SnapshotError, OSError) as exc:
        st.error(ui.escape(f"The snapshot could not be written: {exc}"))
        return None
    return name


def render() -> None:
    ui.header("Snapshots", "A snapshot is one folder to cite, share and compare: the "
              "statements in canonical N-Quads with their sha256, exports in TriG, Turtle "
              "and JSON-LD, the network, and the main tables as CSV.")
    try:
        where = folder()
    except SnapshotError as exc:
        st.error(ui.escape(str(exc)))
        return
    top = st.columns([1, 3], vertical_alignment="center")
    if top[0].button("Take a snapshot", type="primary", icon=":material/photo_camera:"):
        name = _take(where)
        if name:
            st.query_params["show"] = name
            st.rerun()
    top[1].caption("Written to " + ui.escape(str(where)) + " (the app's data folder, not "
                   "the store).")

    found = _snapshots(where)
    if not found:
        ui.empty("No snapshot yet: take one to download it or to compare it with the "
                 "graph later.")
        return
    names = list(found)
    st.dataframe(pd.DataFrame({
        "Snapshot": names,
        "Taken (UTC)": [found[n].created for n in names],
        "Statements": [found[n].statements for n in names],
        "Content hash": [found[n].content_hash[:16] for n in names],
        "Store version": [found[n].store_version for n in names],
    }), hide_index=True, key="snapshots-list")

    shown = ui.url_select("Show", names, param="show", key="snapshot-show",
                          placeholder="Choose a snapshot…")
    if shown:
        _details(where / shown, found[shown])
    st.divider()
    _compare(where, found)


def _details(path: Path, manifest: snapshot.Manifest) -> None:
    st.subheader(path.name, anchor=False)
    a, b, c = st.columns(3)
    a.metric("Statements", f"{manifest.statements:,}")
    b.metric("Sources", len(manifest.sources))
    c.metric("Files", len(manifest.files) + 1)
    st.markdown("**Content hash** (sha256 of dataset.nq)")
    st.code(manifest.content_hash, language=None)
    st.caption(ui.escape(f"Taken {manifest.created} · peacegraph {manifest.peacegraph_version}"
                         f" · ontology {manifest.ontology_version} · store "
                         f"{manifest.store_version} · {manifest.format}"))
    problems = snapshot.verify(path)
    if problems:
        st.error("This snapshot does not match its manifest: " + ui.escape("; ".join(problems)))
    else:
        st.success("Every file matches the sha256 in its manifest.", icon=":material/verified:")
    st.download_button("Download (zip)", _zip(str(path), manifest.content_hash),
                       file_name=f"peacegraph-{path.name}.zip", mime="application/zip",
                       icon=":material/download:", on_click="ignore", key="snapshot-zip")
    left, right = st.columns(2)
    with left:
        st.markdown("**Sources**")
        st.dataframe(pd.DataFrame({
            "Name": [s.name for s in manifest.sources],
            "Loader": [s.loader for s in manifest.sources],
            "Statements": [s.statements for s in manifest.sources],
            "Loaded (UTC)": [s.loaded_at for s in manifest.sources],
            "sha256": [s.sha256[:16] for s in manifest.sources],
        }), hide_index=True, key="snapshot-sources")
    with right:
        st.markdown("**Named graphs**")
        st.dataframe(pd.DataFrame({
            "Graph": [data.graph_label(g) for g in manifest.graphs],
            "Statements": list(manifest.graphs.values()),
        }), hide_index=True, key="snapshot-graphs")
    with st.expander("manifest.json"):
        st.code(manifest.to_json(), language="json")


def _compare(where: Path, found: dict[str, snapshot.Manifest]) -> None:
    st.subheader("Compare", anchor=False)
    options = [LIVE] + list(found)

    def name(o: str) -> str:
        return "the graph as it is now" if o == LIVE else o

    a, b = st.columns(2)
    with a:
        old = ui.url_select("Older", options, param="old", key="snapshot-old",
                            format_func=name)
    with b:
        new = ui.url_select("Newer", options, param="new", key="snapshot-new",
                            format_func=name)
    if not old or not new:
        st.caption("Pick two snapshots (or a snapshot and the graph as it is now) to see "
                   "which statements were added and removed.")
        return
    try:
        result = snapshot.diff(data.store() if old == LIVE else where / old,
                               data.store() if new == LIVE else where / new)
    except SnapshotError as exc:
        st.error(ui.escape(str(exc)))
        return
    if result.equal:
        st.success("No differences: both hold the same statements.")
        return
    c1, c2 = st.columns(2)
    c1.metric("Added", len(result.added))
    c2.metric("Removed", len(result.removed))
    st.code(result.text(), language=None)
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button("Download patch", result.patch(), file_name="peacegraph-diff.patch",
                       mime="text/plain", on_click="ignore", key="diff-patch")
    d2.download_button("Download JSON", result.json(), file_name="peacegraph-diff.json",
                       mime="application/json", on_click="ignore", key="diff-json")
