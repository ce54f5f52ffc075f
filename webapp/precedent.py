"""Precedent (``/precedent?iri=…``): an agreement's facts, who took part, its institutions
and verification, the tracks it informs, and the article's evidence."""

from __future__ import annotations

import streamlit as st

from ontology import PG_NS, PREFIXES
from webapp import components as ui
from webapp import data
from webapp.parties import status_styler
from webapp.track import relation_badge

#: Facts shown first, in this order (the rest of the literal attributes follow).
FACTS = [PG_NS + p for p in (
    "dateOpened", "dateSigned", "dateAdopted", "dateEnteredIntoForce", "dateExpired",
    "dateEnded", "startDate", "endDate", "date", "placeName", "legallyBinding",
    "resolutionNumber", "role", "seat")]
_HIDDEN = {data.RDFS_LABEL, data.RDFS_COMMENT, PG_NS + "statusSummary", PG_NS + "lifecycleDate",
           PREFIXES["dcterms"] + "title", PG_NS + "url"}


def _choices() -> dict[str, str]:
    """Precedents, then the other agreements: IRI → label."""
    out = {r["precedent"].value: r["label"].value for r in data.rows("precedents")}
    for r in data.rows("agreements"):
        out.setdefault(r["agreement"].value, r["label"].value)
    return out


def render() -> None:
    choices = _choices()
    given, iri = data.iri_param("Precedent")
    if iri is not None and not data.entity(iri).exists:
        ui.header("Precedent")
        st.error(f"Nothing in the graph is called {ui.escape(given)}.")
        iri = None
    if iri is None:
        if not given:
            ui.header("Precedent", "The agreements, institutions and processes the tracks "
                      "lean on. Choose one.")
        ordered = sorted(choices, key=lambda k: choices[k])
        params = {data.to_param(k): k for k in ordered}
        ui.url_select("Precedent or agreement", list(params), param="iri",
                      key="precedent-iri", format_func=lambda p: choices[params[p]])
        return
    _page(iri)


def _page(iri: str) -> None:
    me = data.entity(iri)
    kind = me.types[0][1] if me.types else "item"
    title = me.first(PREFIXES["dcterms"] + "title")
    lead = f"{kind.capitalize()}" + (f" · {title}" if title and title != me.label else "")
    ui.header(me.label, lead)
    links = st.container(horizontal=True)
    with links:
        ui.link("entity", "All statements", icon=":material/data_object:",
                iri=data.to_param(iri))
        ui.link("network", "Show in graph", icon=":material/hub:", focus=data.to_param(iri))
        ui.link("timeline", "Timeline", icon=":material/timeline:")

    summary = me.first(PG_NS + "statusSummary")
    if summary:
        st.info(ui.escape(summary), icon=":material/flag:")

    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("Facts", anchor=False)
        _facts(me)
        description = me.first(data.RDFS_COMMENT)
        if description:
            with st.expander("Description", expanded=True):
                st.markdown(ui.escape(description))
    with right:
        st.subheader("Tracks it informs", anchor=False)
        _tracks(iri)
        _institutions(iri)
        _verification(iri)
    st.subheader("Participation of the six states", anchor=False)
    _participation(iri)
    _evidence(iri)
    sources = [(t.value, None) for t in me.values(data.PROV_DERIVED)]
    if sources:
        with st.expander(f"Sources of this record ({len(sources)})"):
            for source, _ in sources:
                url = data.source_url(source)
                label = ui.escape(data.label_of(source))
                st.markdown(f"- [{label}]({ui.safe_url(url)})" if url else f"- {label}")


def _facts(me: data.Entity) -> None:
    literal = [r for r in me.out if r["other"].kind == "literal"
               and r["predicate"].value not in _HIDDEN]
    literal.sort(key=lambda r: (FACTS.index(r["predicate"].value)
                                if r["predicate"].value in FACTS else len(FACTS),
                                r["predicate"].value))
    lines = []
    for r in literal:
        name = r["predicateLabel"].value if "predicateLabel" in r else data.local_name(
            r["predicate"].value)
        value = r["other"].value
        if r["other"].datatype and r["other"].datatype.startswith(PREFIXES["xsd"] + "g") or \
                (r["other"].datatype or "").endswith("#date"):
            value = ui.format_date(value)
        elif r["other"].datatype == PREFIXES["xsd"] + "boolean":
            value = "yes" if value == "true" else "no"
        lines.append(f"- **{ui.escape(name.capitalize())}** {ui.escape(value)}")
    if lines:
        st.markdown("\n".join(lines))
    else:
        st.caption("No dates or other facts recorded.")


def _institutions(iri: str) -> None:
    found = [r for r in data.rows("institutions")
             if "agreement" in r and r["agreement"].value == iri]
    st.subheader("Institutions", anchor=False)
    if not found:
        st.caption("No institution established by it is recorded.")
    for r in found:
        with st.container(border=True):
            ui.link("entity", r["label"].value, icon=":material/account_balance:",
                    iri=data.to_param(r["institution"].value))
            if "role" in r:
                st.caption(ui.escape(r["role"].value))
            if "seat" in r:
                st.caption("Seat: " + ui.escape(r["seat"].value))


def _verification(iri: str) -> None:
    found = [r for r in data.rows("verification") if r["agreement"].value == iri]
    st.subheader("Verification", anchor=False)
    mechanisms = [r for r in found if "mechanism" in r]
    if not mechanisms:
        st.caption("No verification mechanism is recorded for it." if found else
                   "Not an agreement: verification does not apply.")
    for r in mechanisms:
        with st.container(border=True):
            ui.link("entity", r["mechanismLabel"].value, icon=":material/verified:",
                    iri=data.to_param(r["mechanism"].value))
            if "description" in r:
                st.caption(ui.escape(r["description"].value))
            if "institution" in r:
                st.caption("Run by " + ui.escape(ui.term_text(r["institution"],
                                                              r.get("institutionLabel"))))


def _tracks(iri: str) -> None:
    found = data.rows("tracks-for-precedent", precedent=iri)
    if not found:
        ui.empty("No track of the article leans on it.")
        return
    by_track: dict[str, list] = {}
    for r in found:
        by_track.setdefault(r["track"].value, []).append(r)
    for track_rows in by_track.values():
        first = track_rows[0]
        with st.container(border=True):
            ui.link("track", f"Track {first['number'].value} · {first['label'].value}",
                    icon=":material/route:", number=first["number"].value)
            done: set[tuple[str, str]] = set()
            for r in track_rows:
                key = (r["relation"].value, r.get("issue", r["relation"]).value)
                if key in done:
                    continue
                done.add(key)
                badges = st.container(horizontal=True)
                with badges:
                    relation_badge(r["relation"].value, r["relationLabel"].value)
                    if "issueLabel" in r:
                        st.badge(ui.escape(r["issueLabel"].value), color="gray",
                                 icon=":material/label:")
                st.markdown(ui.escape(r["rationale"].value))
                quotes = dict.fromkeys(q["quote"].value for q in track_rows
                                       if "quote" in q and q["relation"] == r["relation"]
                                       and q.get("issue") == r.get("issue"))
                for text in quotes:
                    source = next((q["source"].value for q in track_rows
                                   if q.get("quote") and q["quote"].value == text
                                   and "source" in q), None)
                    ui.quote_block(text, source, None)


def _participation(iri: str) -> None:
    steps = data.rows("party-status", agreement=iri)
    six = data.six_states()
    table: dict[str, list[object]] = {k: [] for k in (
        "State", "Status", "Date", "Uncertain", "Note", "Source", "Sources")}
    for state, label in six:
        own = [s for s in steps if s["party"].value == state]
        via = [s for s in steps if "articleState" in s and s["articleState"].value == state
               and s["party"].value != state]
        shown = own + via
        if not shown:
            for k, v in (("State", ui.href(state, label)), ("Status", "nothing recorded"),
                         ("Date", ""), ("Uncertain", None), ("Note", ""),
                         ("Source", None), ("Sources", "")):
                table[k].append(v)
            continue
        for s in shown:
            status = s["statusLabel"].value if "statusLabel" in s else data.local_name(
                s["status"].value)
            if s["party"].value != state:
                status = f"{status} (as {s['partyLabel'].value})"
            source = s["source"].value if "source" in s else None
            table["State"].append(ui.href(state, label))
            table["Status"].append(status)
            table["Date"].append(ui.format_date(s["date"].value) if "date" in s else "")
            table["Uncertain"].append("uncertain" in s and s["uncertain"].value == "true")
            table["Note"].append(s["note"].value if "note" in s else "")
            table["Source"].append(data.source_url(source) if source else None)
            table["Sources"].append(s["sourceLabels"].value if "sourceLabels" in s else "")
    if not steps:
        ui.empty("No participation is recorded for it (nor for any state).")
    import pandas as pd

    frame = pd.DataFrame(table)
    st.dataframe(status_styler(frame, "Status"), hide_index=True, column_config={
        "State": st.column_config.LinkColumn("State", display_text=ui.LINK),
        "Source": st.column_config.LinkColumn("Source", display_text=ui.EXTERNAL,
                                              help="The first source of the step"),
        "Uncertain": st.column_config.CheckboxColumn(
            "Uncertain", help="The curators inferred the step or a source gives it weakly"),
        "Date": st.column_config.TextColumn("Date", width="small"),
        "Note": st.column_config.TextColumn("Note", width="large"),
    }, key="participation")
    outside = data.rows("non-parties", agreement=iri) if steps else []
    if outside:
        names = ", ".join(f"{r['partyLabel'].value} ({r['basis'].value})" for r in outside)
        st.caption("Of the six, not parties: " + ui.escape(names) + ".")
    recorded = data.entity(iri).values(PG_NS + "hasParticipation")
    extra = len({t.value for t in recorded} - {s["participation"].value for s in steps
                                                 if "participation" in s})
    if extra:
        st.caption(f"{extra} more participation record(s) of other parties (military "
                   "commands, organisations, other states) are listed under All statements.")


def _evidence(iri: str) -> None:
    found = data.rows("evidence", subject=iri)
    st.subheader("Evidence from the article", anchor=False)
    if not found:
        ui.empty("No quote is linked to it.")
        return
    quotes: dict[str, dict] = {}
    for r in found:
        quotes.setdefault(r["quote"].value, r)
    for text, r in quotes.items():
        ui.quote_block(text, r["source"].value if "source" in r else None,
                       r["sourceLabel"].value if "sourceLabel" in r else None)
