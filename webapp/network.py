"""Graph (``/graph?focus=…``): an interactive network around one item.

URL state: ``focus`` (the centre), ``expand`` (repeated: items whose neighbours are
shown too) and ``types`` (repeated: the categories shown; ``-`` for none). A click on a
node shows its name and kind; a double-click (or "Expand neighbours") adds its
neighbours; "Open page" goes to its page; "Centre here" makes it the focus.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from graph.queries import ParameterError
from ontology import PG_NS
from webapp import components as ui
from webapp import data, nav
from webapp.graph_component import Edge, Node, network

#: Category → colour (also the legend's order).
COLOURS: dict[str, str] = {
    "Track": "#e4572e", "Agreement": "#2e86de", "Process": "#8e44ad", "Event": "#d35fb7",
    "Institution": "#17a2b8", "Issue": "#f39c12", "Party": "#27ae60", "Format": "#a3a847",
    "Precedent link": "#8c564b", "Participation": "#7f8c8d", "Source": "#9fb8d9",
    "Quote": "#e6a0c4", data.VOCABULARY: "#c4c4c4", data.OTHER: "#d8d08a",
}
HIDDEN_BY_DEFAULT = (data.VOCABULARY, "Source")
MAX_NODES = 160
_PAGE_OF = {"Agreement": "precedent", "Institution": "precedent", "Process": "precedent",
            "Event": "precedent"}


def _iri(text: str) -> str | None:
    try:
        return data.from_param(text)
    except ParameterError:
        return None


def render() -> None:
    ui.header("Graph", "The neighbourhood of one item. Click a node for its name and "
              "kind; double-click to expand it; open its page from the panel.")
    focus_text = st.query_params.get("focus")
    focus = _iri(focus_text) if focus_text else None
    if focus_text and (focus is None or not data.entity(focus).exists):
        st.error(f"Nothing in the graph is called {ui.escape(focus_text)}.")
        focus = None
    choices = _starting_points()
    with st.sidebar:
        st.subheader("Graph", anchor=False)
        params = {data.to_param(k): k for k in choices}
        if focus is not None and data.to_param(focus) not in params:
            params[data.to_param(focus)] = focus
            choices[focus] = data.label_of(focus)
        ui.url_select("Centre on", list(params), param="focus", key="graph-focus",
                      format_func=lambda p: choices[params[p]])
        if st.query_params.get_all("expand"):
            if st.button("Collapse all", icon=":material/unfold_less:"):
                st.query_params.pop("expand", None)
                st.rerun()
    shown = ui.url_multiselect(
        "Show types", list(COLOURS), param="types", key="graph-types", pills=True,
        default=[c for c in COLOURS if c not in HIDDEN_BY_DEFAULT],
        help="Vocabulary (ontology classes and statuses) and sources are hidden at first.")
    if focus is None:
        ui.empty("Choose an item to centre on (in the sidebar), or open the graph from "
                 "any track, precedent or entity page.")
        return

    expanded = [i for i in (_iri(t) for t in st.query_params.get_all("expand"))
                if i is not None and i != focus]
    nodes, edges, cut = _build(focus, expanded, set(shown))
    action = network(list(nodes.values()), edges, colours=COLOURS, key="network")
    _handle(action, focus, expanded)
    if cut:
        st.warning(f"Showing the first {MAX_NODES} items; hide some types or collapse "
                   "nodes to see the rest.")
    st.caption(f"{len(nodes)} items · {len(edges)} links · centred on "
               f"{ui.escape(nodes[focus]['label'])}")
    links = st.container(horizontal=True)
    with links:
        ui.link("entity", "All statements about the centre", icon=":material/data_object:",
                iri=data.to_param(focus))
    with st.expander("The same items as a table"):
        st.dataframe(pd.DataFrame({
            "Item": [ui.href(n["id"], n["label"]) for n in nodes.values()],
            "Type": [n["kind"] for n in nodes.values()],
            "Category": [n["group"] for n in nodes.values()],
        }), hide_index=True, key="graph-table", column_config={
            "Item": st.column_config.LinkColumn("Item", display_text=ui.LINK)})


def _starting_points() -> dict[str, str]:
    """Tracks, then precedents, then the six states: IRI → label."""
    out = {r["track"].value: f"Track {r['number'].value} · {r['label'].value}"
           for r in data.rows("tracks")}
    for r in data.rows("precedents"):
        out.setdefault(r["precedent"].value, r["label"].value)
    for iri, label in data.six_states():
        out.setdefault(iri, label)
    return out


def _node(iri: str, *, focus: bool = False, expanded: bool = False) -> Node:
    me = data.entity(iri)
    return Node(id=iri, label=me.label, group=data.category(iri),
                kind=me.types[0][1] if me.types else "resource", focus=focus,
                expanded=expanded)


def _build(focus: str, expanded: list[str], shown: set[str]
           ) -> tuple[dict[str, Node], list[Edge], bool]:
    nodes: dict[str, Node] = {focus: _node(focus, focus=True, expanded=True)}
    for iri in expanded:
        nodes.setdefault(iri, _node(iri, expanded=True))
    edges: dict[str, Edge] = {}
    cut = False
    for centre in [focus] + expanded:
        me = data.entity(centre)
        for row, outgoing in [(r, True) for r in me.out] + [(r, False) for r in me.incoming]:
            other = row["other"]
            if other.kind != "uri" or other.value == centre:
                continue
            if other.value not in nodes:
                if data.category(other.value) not in shown:
                    continue
                if len(nodes) >= MAX_NODES:
                    cut = True
                    continue
                nodes[other.value] = _node(other.value)
            predicate = row["predicate"].value
            label = row["predicateLabel"].value if "predicateLabel" in row and \
                row["predicateLabel"].value else data.local_name(predicate)
            source, target = (centre, other.value) if outgoing else (other.value, centre)
            pair = " ".join(sorted((source, target)))  # one edge per pair: inverses merge
            edges.setdefault(pair, Edge(id=f"{source} {predicate} {target}", source=source,
                                        target=target, label=label))
    return nodes, list(edges.values()), cut


def _handle(action: dict | None, focus: str, expanded: list[str]) -> None:
    """Act once on each new user action from the component."""
    if not action or not isinstance(action, dict):
        return
    nonce = action.get("nonce")
    if nonce is None or st.session_state.get("graph-last-nonce") == nonce:
        return
    st.session_state["graph-last-nonce"] = nonce
    iri = action.get("iri")
    if not isinstance(iri, str) or not data.entity(iri).exists:
        return
    kind = action.get("action")
    if kind == "expand":
        if iri != focus and iri not in expanded:
            st.query_params["expand"] = [data.to_param(i) for i in expanded + [iri]]
            st.rerun()
    elif kind == "focus":
        st.query_params.pop("expand", None)
        st.query_params["focus"] = data.to_param(iri)
        st.rerun()
    elif kind == "open":
        category = data.category(iri)
        if category == "Track":
            number = data.entity(iri).first(PG_NS + "trackNumber")
            st.switch_page(nav.page("track"), query_params={"number": number or ""})
        page = _PAGE_OF.get(category, "entity")
        st.switch_page(nav.page(page), query_params={"iri": data.to_param(iri)})
