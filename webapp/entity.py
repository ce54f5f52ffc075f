"""Entity (``/entity?iri=…``): any resource — its attributes, every link out and in with
labels, and where each statement comes from (the named graph that holds it)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ontology import PG_NS, PREFIXES
from webapp import components as ui
from webapp import data

_SPECIAL = {data.RDF_TYPE: "type", data.RDFS_LABEL: "label", data.RDFS_COMMENT: "description"}


def _predicate(row: dict) -> str:
    p = row["predicate"].value
    if "predicateLabel" in row and row["predicateLabel"].value:
        return row["predicateLabel"].value
    return _SPECIAL.get(p, data.local_name(p))


def render() -> None:
    given, iri = data.iri_param("Entity")
    if iri is None:
        if not given:
            ui.header("Entity", "Every statement about any item of the graph. Search by "
                      "name, or follow a link from another page.")
        _search()
        return
    me = data.entity(iri)
    if not me.exists:
        ui.header("Entity")
        st.warning(f"The graph holds no statement about {ui.escape(given)}.")
        _search()
        return
    _page(me)


def _search() -> None:
    text = ui.url_text("Search labels and quotes", param="q", key="entity-search",
                       placeholder="e.g. armistice, OPCW, Helsinki")
    if not text:
        return
    found = data.rows("search", text=text)
    if not found:
        ui.empty("Nothing matches.")
        return
    frame = pd.DataFrame({
        "Item": [ui.href(r["item"].value, r["label"].value if "label" in r else None)
                 for r in found],
        "Kind": [r["kind"].value if "kind" in r else "" for r in found],
        "Found in": [r["field"].value if "field" in r else "" for r in found],
        "Match": [r["match"].value if "match" in r else "" for r in found],
    })
    st.dataframe(frame, hide_index=True, key="entity-search-results", column_config={
        "Item": st.column_config.LinkColumn("Item", display_text=ui.LINK)})


def _page(me: data.Entity) -> None:
    kinds = ", ".join(dict.fromkeys(label for _, label in me.types)) or "resource"
    ui.header(me.label, kinds.capitalize())
    st.code(me.iri, language=None)
    bar = st.container(horizontal=True)
    with bar:
        cat = data.category(me.iri)
        if cat == "Track":
            number = me.first(PG_NS + "trackNumber")
            if number:
                ui.link("track", "Track page", icon=":material/route:", number=number)
        if cat in ("Agreement", "Institution", "Process", "Event") or any(
                r["predicate"].value == PG_NS + "precedent" for r in me.incoming):
            ui.link("precedent", "Precedent page", icon=":material/gavel:",
                    iri=data.to_param(me.iri))
        ui.link("network", "Show in graph", icon=":material/hub:",
                focus=data.to_param(me.iri))
        url = data.source_url(me.iri)
        if url:
            st.link_button("Open the source", url, icon=":material/open_in_new:")

    description = me.first(data.RDFS_COMMENT)
    if description:
        st.markdown(ui.escape(description))

    attributes = [r for r in me.out if r["other"].kind == "literal"]
    links_out = [r for r in me.out if r["other"].kind != "literal"]
    st.subheader("Attributes", anchor=False)
    if attributes:
        st.dataframe(pd.DataFrame({
            "Property": [_predicate(r) for r in attributes],
            "Value": [r["other"].value for r in attributes],
            "Type": [_datatype(r["other"]) for r in attributes],
            "Statement from": [data.graph_label(r["graph"].value) for r in attributes],
        }), hide_index=True, key="entity-attributes",
            column_config={"Value": st.column_config.TextColumn("Value", width="large")})
        long = [r for r in attributes if len(r["other"].value) > 90
                and r["predicate"].value != data.RDFS_COMMENT]
        if long:
            with st.expander("Long values in full"):
                for r in long:
                    st.markdown(f"**{ui.escape(_predicate(r))}** — {ui.escape(r['other'].value)}")
    else:
        st.caption("No literal values.")

    st.subheader(f"Links out ({len(links_out)})", anchor=False)
    if links_out:
        st.dataframe(pd.DataFrame({
            "Property": [_predicate(r) for r in links_out],
            "Target": [ui.href(r["other"].value, ui.term_text(r["other"], r.get("otherLabel")))
                       if r["other"].kind == "uri" else None for r in links_out],
            "Statement from": [data.graph_label(r["graph"].value) for r in links_out],
        }), hide_index=True, key="entity-out", column_config={
            "Target": st.column_config.LinkColumn("Target", display_text=ui.LINK)})
    else:
        st.caption("No links out.")

    st.subheader(f"Links in ({len(me.incoming)})", anchor=False)
    if me.incoming:
        st.dataframe(pd.DataFrame({
            "Subject": [ui.href(r["other"].value, ui.term_text(r["other"], r.get("otherLabel")))
                        if r["other"].kind == "uri" else None for r in me.incoming],
            "Property": [_predicate(r) for r in me.incoming],
            "Statement from": [data.graph_label(r["graph"].value) for r in me.incoming],
        }), hide_index=True, key="entity-in", column_config={
            "Subject": st.column_config.LinkColumn("Subject", display_text=ui.LINK)})
    else:
        st.caption("Nothing links to it.")

    sources = me.values(data.PROV_DERIVED)
    st.subheader("Provenance", anchor=False)
    st.caption("“Statement from” names the named graph holding each statement: the curated "
               "data (data/*.yaml), the ontology, a loaded file, or statements inferred by "
               "the reasoner. Curated records cite their sources:")
    if sources:
        ui.sources_line([(t.value, None) for t in sources], prefix="Sources")
    else:
        st.caption("This record cites no source of its own.")


def _datatype(term) -> str:
    if term.lang:
        return f"text ({term.lang})"
    if not term.datatype:
        return "text"
    for prefix, ns in PREFIXES.items():
        if term.datatype.startswith(ns):
            return f"{prefix}:{term.datatype[len(ns):]}"
    return term.datatype
