"""Overview (``/``): the six tracks as cards, the article, and how the graph reads it."""

from __future__ import annotations

import re
from collections import Counter

import streamlit as st

from ontology import PREFIXES
from webapp import components as ui
from webapp import data

ARTICLE = "zelikow-2018"
#: Shown only if the graph lacks the article record (it never should).
_FALLBACK = {
    "title": "How Diplomacy With North Korea Can Work",
    "creator": "Philip Zelikow",
    "publisher": "Foreign Affairs",
    "issued": "2018-07-09",
    "url": "https://www.foreignaffairs.com/articles/north-korea/2018-07-09/"
           "how-diplomacy-north-korea-can-work",
}


def _citation() -> dict[str, str]:
    article = data.entity(data.from_param(ARTICLE))
    dc = PREFIXES["dcterms"]
    found = {
        "title": article.first(dc + "title") or (article.label if article.exists else None),
        "creator": article.first(dc + "creator"),
        "publisher": article.first(dc + "publisher"),
        "issued": article.first(dc + "issued"),
        "url": article.first(data.PG_URL),
    }
    if not re.match(r"https?://", found["url"] or ""):
        found["url"] = None
    return {k: v or _FALLBACK[k] for k, v in found.items()}


def render() -> None:
    ui.header("A broad Korean peace process",
              "Six negotiating tracks, the issues each covers, and the earlier agreements "
              "and institutions each can lean on — a knowledge graph you can browse, cite "
              "and query.")
    tracks = data.rows("tracks")
    issues = Counter(r["track"].value for r in data.rows("issues-by-track"))
    precedents: Counter[str] = Counter()
    for r in data.rows("precedents"):
        for number in (r["trackNumbers"].value if "trackNumbers" in r else "").split(","):
            if number.strip():
                precedents[number.strip()] += 1

    if not tracks:
        ui.empty("The graph holds no tracks yet: load the bundled data with "
                 "`peacegraph load`.")
    for start in range(0, len(tracks), 3):
        for column, track in zip(st.columns(3), tracks[start:start + 3]):
            number = track["number"].value
            with column.container(border=True, height="stretch"):
                st.caption(f"TRACK {ui.escape(number)}")
                st.subheader(ui.escape(track["label"].value), anchor=False)
                st.markdown(f"**Format** {ui.escape(ui.term_text(track['format'], track.get('formatLabel')))}")
                st.markdown(f"**Participants** {ui.escape(track['participants'].value if 'participants' in track else '—')}")
                a, b = st.columns(2)
                a.metric("Precedents", precedents.get(number, 0))
                b.metric("Issues", issues.get(track["track"].value, 0))
                ui.link("track", f"Open track {number}", icon=":material/arrow_forward:",
                        number=number)

    st.divider()
    left, right = st.columns([3, 2], gap="large")
    cite = _citation()
    with left:
        st.subheader("The approach", anchor=False)
        st.markdown(
            "In July 2018, weeks after the Singapore summit, Philip Zelikow argued in "
            "*Foreign Affairs* that diplomacy with North Korea should be broad: not one "
            "negotiation about nuclear weapons but a peace process of six parallel tracks — inter-Korean relations, economic measures and "
            "sanctions, nuclear security, general (conventional) security, humanitarian "
            "and cultural issues, and regional security — each with its own format and "
            "participants. Each track can borrow from what "
            "worked, or failed, before: the 1953 armistice, the CFE Treaty's limits on "
            "conventional forces, the Chemical and Biological Weapons Conventions and "
            "the OPCW, the Two Plus Four settlement of German unification, the Helsinki "
            "Final Act, the Six-Party Talks and the Security Council's sanctions. This "
            "graph records each of those links — a *model to follow*, a *cautionary "
            "record*, a *parallel track* or a *legal basis* — with the article's own "
            "words as evidence and, for every agreement, which of the six states took "
            "part, when, and on what source."
        )
    with right:
        st.subheader("Cite the article", anchor=False)
        with st.container(border=True):
            issued = ui.format_date(cite["issued"])
            st.markdown(f"{ui.escape(cite['creator'])}, “{ui.escape(cite['title'])}”, "
                        f"*{ui.escape(cite['publisher'])}*, {ui.escape(issued)}.")
            st.link_button("Read it at Foreign Affairs", cite["url"],
                           icon=":material/open_in_new:")
            st.caption(f"URL: {ui.escape(cite['url'])}")
        st.caption("Quotes in this graph are short verbatim passages, each stored with "
                   "its position in the text and linked to the statement it supports.")
        c1, c2, c3 = st.columns(3)
        with c1:
            ui.link("parties", "Who signed what", icon=":material/flag:")
        with c2:
            ui.link("timeline", "Timeline", icon=":material/timeline:")
        with c3:
            ui.link("catalogue", "Saved queries", icon=":material/manage_search:")
