"""Queries (``/queries?name=…&PARAM=…`` or ``/queries?mode=sparql&sparql=…``).

The saved-query catalogue with a parameter form built from each query's front matter
(dropdowns filled by their ``choices`` queries), results with links and CSV/JSON
downloads; and an ad hoc SPARQL editor that runs read-only, time-limited and row-capped
queries in a killable worker (:func:`graph.sandbox.run_query`).
"""

from __future__ import annotations

import streamlit as st

from graph import queries, sandbox
from graph.queries import Param, ParameterError, SavedQuery
from graph.store import StoreError
from webapp import components as ui
from webapp import data

ANY = "(any)"
DEFAULT_TIMEOUT = 5
DEFAULT_LIMIT = 1000
MAX_TIMEOUT = 30
MAX_LIMIT = 10_000
_RESERVED = {"name", "mode", "sparql", "timeout", "limit"}


def render() -> None:
    ui.header("Queries", "The saved queries behind every page, with their parameters, and a "
              "read-only SPARQL editor. Every result can be downloaded as CSV or JSON.")
    mode = "sparql" if st.query_params.get("mode") == "sparql" else "saved"
    if st.session_state.get("queries-mode") != mode:
        st.session_state["queries-mode"] = mode

    def mode_changed() -> None:
        chosen = st.session_state.get("queries-mode") or "saved"
        st.query_params.clear()
        if chosen == "sparql":
            st.query_params["mode"] = "sparql"

    st.segmented_control("Mode", ["saved", "sparql"], key="queries-mode",
                         format_func=lambda m: "Ad hoc SPARQL" if m == "sparql" else "Saved queries",
                         on_change=mode_changed, label_visibility="collapsed")
    if mode == "sparql":
        _adhoc()
    else:
        _saved()


# ------------------------------------------------------------------ saved queries


def _saved() -> None:
    catalogue = queries.catalogue()
    names = sorted(catalogue, key=lambda n: catalogue[n].title.lower())
    given = st.query_params.get("name")
    if given and given not in catalogue:
        st.error(ui.escape(str(queries.UnknownQuery(given, sorted(catalogue)))))
    name = ui.url_select("Saved query", names, param="name", key="queries-name",
                         format_func=lambda n: f"{catalogue[n].title}  ·  {n}")
    if name is None:
        _listing(catalogue, names)
        return
    query = catalogue[name]
    st.subheader(query.title, anchor=False)
    st.markdown(query.description)  # the catalogue's own text (queries/*.rq)
    raw = _form(query)
    missing = [p.name for p in query.params
               if not p.optional and p.default is None and not raw.get(p.name)]
    if missing:
        ui.empty("Give " + ", ".join(missing) + " and press Run.")
    else:
        try:
            result = data.run(name, **raw)
        except ParameterError as exc:
            st.error(ui.escape(exc.problem if exc.param is None else
                               f"{exc.param}: {exc.problem}"))
        else:
            ui.result_table(result, name=name, key=f"saved-{name}")
    with st.expander("SPARQL of this query"):
        st.code(query.sparql, language="sparql")
        st.caption(f"queries/{query.path.name} · parameters are bound by the engine, "
                   "never pasted into the text.")


def _listing(catalogue: dict[str, SavedQuery], names: list[str]) -> None:
    st.caption(f"{len(names)} saved queries. Each is a file in queries/ whose front matter "
               "gives its title, description and typed parameters; the pages of this app "
               "are built from them.")
    columns = st.columns(2, gap="medium")
    for i, n in enumerate(names):
        q = catalogue[n]
        with columns[i % 2].container(border=True):
            ui.link("catalogue", q.title, icon=":material/manage_search:", name=n)
            params = ", ".join(p.name + ("?" if p.optional else "") for p in q.params)
            st.caption(f"`{n}`" + (f" · parameters: {params}" if params else ""))
            st.markdown(q.description)  # the catalogue's own text (queries/*.rq), trusted


def _options(p: Param) -> tuple[list[str], dict[str, str]] | None:
    """(values, value → label) for a parameter with choices, else ``None``."""
    if isinstance(p.choices, tuple):
        return list(p.choices), {c: c for c in p.choices}
    if isinstance(p.choices, str):
        result = data.run(p.choices)
        first = result.variables[0]
        values, labels = [], {}
        for r in result.rows:
            if first not in r:
                continue
            value = data.to_param(r[first].value) if r[first].kind == "uri" else r[first].value
            if value not in labels:
                values.append(value)
                labels[value] = r["label"].value if "label" in r else value
        return values, labels
    return None


def _form(query: SavedQuery) -> dict[str, str]:
    """The parameter form; returns the raw values in the URL (what runs)."""
    raw = {p.name: st.query_params.get(p.name, "") for p in query.params
           if p.name not in _RESERVED}
    if not query.params:
        return {}
    with st.form(f"form-{query.name}", border=True):
        widgets: dict[str, str] = {}
        columns = st.columns(min(len(query.params), 3))
        for i, p in enumerate(query.params):
            with columns[i % len(columns)]:
                widgets[p.name] = _widget(query, p, raw.get(p.name, ""))
        submitted = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if submitted:
        for p in query.params:
            value = (widgets.get(p.name) or "").strip()
            if value:
                st.query_params[p.name] = value
            else:
                st.query_params.pop(p.name, None)
        st.rerun()
    return {k: v for k, v in raw.items() if v}


def _widget(query: SavedQuery, p: Param, current: str) -> str:
    label = p.name + ("" if p.optional else " *")
    help = p.describe()
    options = _options(p)
    if options is not None:
        values, labels = options
        if current and current not in labels:
            values, labels = values + [current], {**labels, current: current}
        choices = ([ANY] if p.optional else []) + values
        index = choices.index(current) if current in choices else (0 if p.optional else None)
        picked = st.selectbox(label, choices, index=index, help=help,
                              format_func=lambda v: labels.get(v, v),
                              key=f"param-{query.name}-{p.name}-{current}",
                              placeholder="Choose…")
        return "" if picked in (None, ANY) else picked
    if p.type == "boolean":
        choices = ["", "true", "false"]
        picked = st.selectbox(label, choices, index=choices.index(current)
                              if current in choices else 0, help=help,
                              format_func=lambda v: v or ANY,
                              key=f"param-{query.name}-{p.name}-{current}")
        return picked or ""
    placeholder = {"date": "YYYY-MM-DD", "integer": "a whole number",
                   "iri": "an id (cfe-treaty), a prefixed name or an IRI"}.get(p.type, "")
    return st.text_input(label, value=current, help=help, placeholder=placeholder,
                         key=f"param-{query.name}-{p.name}-{current}")


# ------------------------------------------------------------------ ad hoc SPARQL


def _bounded(param: str, default: int, high: int) -> int:
    text = st.query_params.get(param, "")
    return min(max(int(text), 1), high) if text.isdigit() else default


@st.cache_data(show_spinner=False, max_entries=64)
def _adhoc_run(path: str, version: str, text: str, timeout: int, limit: int):
    url = data.endpoint()
    if url is None:
        return sandbox.run_query(path, text, timeout=float(timeout), limit=limit)
    from graph.remote import RemoteStore, run_query

    with RemoteStore.open(url, timeout=float(timeout)) as server:  # the server's own deadline
        return run_query(server, text, limit=limit)


def _adhoc() -> None:
    catalogue = queries.catalogue()
    current = st.query_params.get("sparql", "")
    timeout = _bounded("timeout", DEFAULT_TIMEOUT, MAX_TIMEOUT)
    limit = _bounded("limit", DEFAULT_LIMIT, MAX_LIMIT)
    st.caption("Read-only: updates (INSERT, DELETE, LOAD, …) and SERVICE clauses are "
               f"refused before anything runs. A query stops after its time limit (default "
               f"{DEFAULT_TIMEOUT} s) and returns at most the row cap. The default graph is "
               "the union of all named graphs; use GRAPH ?g to see where a statement lives.")
    with st.popover("Start from a saved query", icon=":material/content_copy:"):
        start = st.selectbox("Saved query", sorted(catalogue), index=None,
                             key="adhoc-start", placeholder="Choose…")
        if start is not None and st.button("Copy into the editor", key="adhoc-copy"):
            st.query_params["sparql"] = catalogue[start].sparql
            st.session_state.pop("adhoc-text", None)
            st.rerun()
    if st.session_state.get("adhoc-source") != current:
        st.session_state["adhoc-source"] = current
        st.session_state["adhoc-text"] = current
    with st.form("adhoc", border=False):
        text = st.text_area("SPARQL", key="adhoc-text", height=260,
                            placeholder="Write a query, or start from a saved one (Ctrl+Enter runs)")
        a, b, c = st.columns([1, 1, 2], vertical_alignment="bottom")
        new_timeout = a.number_input("Time limit (s)", 1, MAX_TIMEOUT, timeout, key="adhoc-t")
        new_limit = b.number_input("Row cap", 1, MAX_LIMIT, limit, step=100, key="adhoc-l")
        submitted = c.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if submitted:
        st.query_params["mode"] = "sparql"
        st.query_params["sparql"] = text
        st.query_params["timeout"] = str(int(new_timeout))
        st.query_params["limit"] = str(int(new_limit))
        st.rerun()
    if not current.strip():
        return
    s = data.store()
    try:
        with st.spinner(f"Running (at most {timeout} s)…"):
            result = _adhoc_run(str(s.path), s.version, current, timeout, limit)
    except sandbox.UnsafeQuery as exc:
        st.error(ui.escape(str(exc)), icon=":material/block:")
    except sandbox.QuerySyntaxError as exc:
        st.error(ui.escape(str(exc)), icon=":material/error:")
    except sandbox.QueryTimeout as exc:
        st.warning(ui.escape(f"{exc}: the time limit is {timeout} s. Narrow the query or "
                             "raise the limit (up to 30 s)."), icon=":material/timer_off:")
    except (sandbox.QueryError, StoreError) as exc:
        st.error(ui.escape(f"The query failed: {exc}"))
    else:
        ui.result_table(result, name="query", key="adhoc")
