"""Track (``/track?number=N``): its scope, format, participants, issues and precedents."""

from __future__ import annotations

import streamlit as st

from graph.terms import Term
from ontology import PG_NS
from webapp import components as ui
from webapp import data

#: Precedent cards shown at once on a Track page.
CARDS = 25

#: Relation kind (class IRI) → badge colour.
RELATION_COLOURS = {
    PG_NS + "ModelToFollow": "green",
    PG_NS + "CautionaryRecord": "orange",
    PG_NS + "ParallelTrack": "blue",
    PG_NS + "LegalBasis": "violet",
}


def relation_badge(relation: str, label: str) -> None:
    st.badge(ui.escape(label), color=RELATION_COLOURS.get(relation, "gray"))  # type: ignore[arg-type]


def _page_of(precedents: list[str], number: str) -> list[str]:
    """The precedents whose cards track ``number``'s page shows: all, or :data:`CARDS` at a
    time with a page number to pick (a large graph links thousands to one track, and every
    card asks for its precedent's kind). Each track keeps its own page number."""
    if len(precedents) <= CARDS:
        return precedents
    pages = -(-len(precedents) // CARDS)
    page = int(st.number_input(f"Page of precedents (1–{pages})", min_value=1,
                               max_value=pages, value=1, step=1,
                               key=f"precedent-page-{number}"))
    start = (page - 1) * CARDS
    shown = precedents[start:start + CARDS]
    st.caption(f"Precedents {start + 1}–{start + len(shown)} of {len(precedents)}")
    return shown


def render() -> None:
    tracks = data.rows("tracks")
    numbers = [t["number"].value for t in tracks]
    by_number = {t["number"].value: t for t in tracks}
    given = st.query_params.get("number")
    if given is not None and given not in by_number:
        ui.header("Track")
        st.error(f"There is no track {ui.escape(given)}: the article has tracks "
                 f"{', '.join(numbers) or 'none'}.")
    if given not in by_number:
        if given is None:
            ui.header("Track", "Choose one of the article's six negotiating tracks.")
        ui.url_select("Track", numbers, param="number", key="track-number",
                      format_func=lambda n: f"Track {n} — {by_number[n]['label'].value}")
        if not tracks:
            ui.empty("The graph holds no tracks.")
        return

    track = by_number[given]
    iri = track["track"].value
    ui.header(f"Track {given} · {track['label'].value}",
              track["scope"].value if "scope" in track else None)
    with st.sidebar:
        ui.url_select("Go to track", numbers, param="number", key="track-number",
                      format_func=lambda n: f"Track {n} — {by_number[n]['label'].value}")
    me = data.entity(iri)

    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("Format and participants", anchor=False)
        with st.container(border=True):
            if "format" in track:
                fmt = data.entity(track["format"].value)
                ui.link("entity", ui.term_text(track["format"], track.get("formatLabel")),
                        icon=":material/groups:", iri=data.to_param(fmt.iri))
                description = fmt.first(data.RDFS_COMMENT)
                if description:
                    st.caption(ui.escape(description))
            participants = sorted(((t.value, data.label_of(t.value))
                                   for t in me.values(PG_NS + "participant")),
                                  key=lambda p: p[1])
            if participants:
                st.markdown("**Participants**")
                for participant, label in participants:
                    ui.link("entity", label, iri=data.to_param(participant),
                            icon=":material/flag:")
            else:
                st.caption("No participants recorded.")

        st.subheader("Issues", anchor=False)
        issues = data.rows("issues-by-track", track=iri)
        if not issues:
            ui.empty("No issues recorded for this track.")
        for issue in issues:
            with st.container(border=True):
                ui.link("entity", issue["issueLabel"].value,
                        iri=data.to_param(issue["issue"].value), icon=":material/label:")
                if "definition" in issue:
                    st.caption(ui.escape(issue["definition"].value))
                if "broader" in issue:
                    st.caption("Part of: " + ui.escape(ui.term_text(
                        issue["broader"], issue.get("broaderLabel"))))

        own = [r for r in data.rows("evidence", subject=iri) if "via" not in r]
        if own:
            st.subheader("In the article's words", anchor=False)
            for r in own:
                ui.quote_block(r["quote"].value, r["source"].value if "source" in r else None,
                               r["sourceLabel"].value if "sourceLabel" in r else None)

    with right:
        st.subheader("Precedents", anchor=False)
        links = data.rows("precedents-for-track", track=iri)
        if not links:
            ui.empty("The article names no precedent for this track, and the curators "
                     "have linked none.")
        precedents: dict[str, list[dict[str, Term]]] = {}
        for r in links:
            precedents.setdefault(r["precedent"].value, []).append(r)
        for precedent in _page_of(list(precedents), given):
            _precedent_card(precedent, precedents[precedent])

        st.caption("Relation kinds: model to follow · cautionary record · parallel track · "
                   "legal basis. Each link cites the passage of the article that supports "
                   "it.")


def _precedent_card(precedent: str, prows: list) -> None:
    first = prows[0]
    with st.container(border=True):
        title, kind = st.columns([3, 1], vertical_alignment="center")
        with title:
            ui.link("precedent", first["label"].value, icon=":material/gavel:",
                    iri=data.to_param(precedent))
        with kind:
            kinds = [label for _, label in data.entity(precedent).types][:1]
            if kinds:
                st.caption(ui.escape(kinds[0]))
        by_link: dict[str, list] = {}
        for r in prows:
            by_link.setdefault(r["link"].value, []).append(r)
        for link_rows in by_link.values():
            r = link_rows[0]
            badges = st.container(horizontal=True, vertical_alignment="center")
            with badges:
                relation_badge(r["relation"].value, r["relationLabel"].value)
                if "issueLabel" in r:
                    st.badge(ui.escape(r["issueLabel"].value), color="gray",
                             icon=":material/label:")
                if "uncertain" in r and r["uncertain"].value == "true":
                    st.badge("curators' inference", color="orange",
                             icon=":material/help:")
            st.markdown(ui.escape(r["rationale"].value))
            seen: set[str] = set()
            for q in link_rows:
                if "quote" not in q or q["quote"].value in seen:
                    continue
                seen.add(q["quote"].value)
                ui.quote_block(q["quote"].value, q["source"].value if "source" in q else None,
                               q["sourceLabel"].value if "sourceLabel" in q else None)
