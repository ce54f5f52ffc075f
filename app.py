"""peacegraph in the browser: the router.

Run it with ``peacegraph --store PATH app`` (which sets ``$PEACEGRAPH_STORE`` and
``$PEACEGRAPH_REPLICA``, and serves on 127.0.0.1 with safe settings); it answers from an
in-memory copy of the store unless that is too big (see :mod:`webapp.data`). The pages
live in :mod:`webapp`, one module each; their titles, URL paths and order in
:mod:`webapp.nav`. Every page keeps its state in the URL (``st.query_params``), so any
view can be shared as a link.
"""

from pathlib import Path

import streamlit as st

from webapp import data, nav
from webapp.components import escape

if not st.get_option("global.appTest"):
    # No tracebacks in the browser, however the app was started: Streamlit reads the
    # deprecated `--client.showErrorDetails false` as "stacktrace". Tests keep the details.
    st.set_option("client.showErrorDetails", "none")

st.set_page_config(page_title="peacegraph", layout="wide",
                   page_icon=str(Path(__file__).parent / "webapp" / "static" / "favicon.png"))

current = st.navigation(nav.sections(), position="sidebar", expanded=True)

store = data.store()  # a clear message and a stop when there is no store

with st.sidebar:
    st.caption("**peacegraph** — agreements, precedents and issues for a broad Korean "
               "peace process, after Zelikow (2018).")
    st.caption(f"Store {escape(data.store_path().name)} · version {escape(store.version)} · read-only")
    where = data.opened()
    if where is not None and where.in_memory:
        st.caption(f"Answers from an in-memory copy: {where.statements:,} statements "
                   f"(copied in {where.seconds:.1f} s)")
    elif where is not None:
        st.caption(f"Answers from the store on disk: {where.statements:,} statements "
                   f"({escape(where.reason)})")

current.run()
