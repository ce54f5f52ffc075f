"""Parties (``/parties?scope=all``): the six states × the precedent agreements, each cell
coloured by the state's latest recorded step and linked to that step's source."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from webapp import components as ui
from webapp import data

#: Status label (as the ontology words it) → colour; the legend follows this order.
STATUS_COLOURS: dict[str, str] = {
    "ratified": "#1a7f37", "acceded": "#2da44e", "party": "#4ac26b", "signed": "#a6dcb0",
    "participant": "#54aeff", "voted for": "#8fc5f7", "suspended": "#d4a72c",
    "announced withdrawal": "#fb8f44", "withdrew": "#cf222e", "did not sign": "#8c959f",
    "not a party": "#57606a", "nothing recorded": "#eef0f3",
}
_DARK = {"ratified", "acceded", "withdrew", "not a party", "participant", "did not sign"}
NOTHING = "nothing recorded"


def status_styler(frame: pd.DataFrame, column: str) -> object:
    """``frame`` with the status column's cells tinted by :data:`STATUS_COLOURS`."""
    def tint(value: object) -> str:
        colour = STATUS_COLOURS.get(str(value).split(" (")[0])
        if colour is None:
            return ""
        text = "white" if str(value).split(" (")[0] in _DARK else "#1f2328"
        return f"background-color: {colour}; color: {text}"

    return frame.style.map(tint, subset=[column])


def _sort_key(step: dict) -> tuple[int, str]:
    """Latest last: undated steps count as earliest."""
    return (1, step["date"].value) if "date" in step else (0, "")


def render() -> None:
    ui.header("Parties", "Where the six states of the article stand in each agreement: the "
              "colour is a state's latest recorded step; click a cell to open the source "
              "of that step.")
    everything = st.query_params.get("scope") == "all"
    if st.session_state.get("parties-scope") != everything:
        st.session_state["parties-scope"] = everything

    def scope_changed() -> None:
        if st.session_state["parties-scope"]:
            st.query_params["scope"] = "all"
        else:
            st.query_params.pop("scope", None)

    st.toggle("All agreements and talks, not only the precedents of the six tracks",
              key="parties-scope", on_change=scope_changed)

    six = data.six_states()
    steps = data.rows("party-status")
    agreements = {r["agreement"].value: r for r in data.rows("agreements")}
    precedents = {r["precedent"].value for r in data.rows("precedents")}
    columns: dict[str, str] = {}
    for r in steps:
        a = r["agreement"].value
        if everything or a in precedents:
            columns.setdefault(a, r["agreementLabel"].value)
    if not six or not columns:
        ui.empty("No participation is recorded.")
        return

    def first_date(a: str) -> str:
        row = agreements.get(a, {})
        dates = [row[k].value for k in ("opened", "signed", "adopted", "inForce") if k in row]
        return min(dates) if dates else "9999"

    order = sorted(columns, key=lambda a: (first_date(a), columns[a]))
    cells = []
    for state, state_label in six:
        for a in order:
            mine = [s for s in steps if s["agreement"].value == a and "articleState" in s
                    and s["articleState"].value == state]
            own = sorted((s for s in mine if s["party"].value == state), key=_sort_key)
            via = sorted((s for s in mine if s["party"].value != state), key=_sort_key)
            shown = own or via
            if not shown:
                cells.append({"state": state_label, "agreement": columns[a], "status": NOTHING,
                              "text": "—", "steps": "nothing recorded", "url": None})
                continue
            latest = shown[-1]
            status = latest["statusLabel"].value if "statusLabel" in latest else "?"
            year = latest["date"].value[:4] if "date" in latest else ""
            who = "" if own else "USSR " if latest["party"].value.endswith("ussr") else \
                f"{latest['partyLabel'].value} "
            history = "; ".join(
                f"{s['partyLabel'].value if s['party'].value != state else ''}"
                f"{' ' if s['party'].value != state else ''}"
                f"{s['statusLabel'].value if 'statusLabel' in s else '?'}"
                f"{' ' + ui.format_date(s['date'].value) if 'date' in s else ''}"
                for s in own + via)
            source = latest["source"].value if "source" in latest else None
            cells.append({
                "state": state_label, "agreement": columns[a],
                "status": status if status in STATUS_COLOURS else "party",
                "text": f"{who}{status}{' ' + year if year else ''}".strip(),
                "steps": history,
                "source": latest["sourceLabels"].value if "sourceLabels" in latest else "",
                "url": data.source_url(source) if source else None,
            })
    frame = pd.DataFrame(cells)
    frame["dark"] = frame["status"].isin(_DARK)
    x = alt.X("state:N", sort=[label for _, label in six], title=None,
              axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=13,
                            labelFontWeight="bold", labelLimit=160))
    y = alt.Y("agreement:N", sort=[columns[a] for a in order], title=None,
              axis=alt.Axis(labelFontSize=12, labelLimit=260))
    used = [s for s in STATUS_COLOURS if s in set(frame["status"])]
    rect = alt.Chart(frame).mark_rect(stroke="white", strokeWidth=2, cornerRadius=3).encode(
        x=x, y=y,
        color=alt.Color("status:N", title="Latest step",
                        scale=alt.Scale(domain=used, range=[STATUS_COLOURS[s] for s in used]),
                        legend=alt.Legend(orient="bottom", columns=6, symbolStrokeColor="#9aa0a6",
                                          symbolStrokeWidth=0.5)),
        href="url:N",
        tooltip=[alt.Tooltip("state:N", title="State"),
                 alt.Tooltip("agreement:N", title="Agreement"),
                 alt.Tooltip("steps:N", title="Recorded steps"),
                 alt.Tooltip("source:N", title="Source of the latest")],
    )
    text = alt.Chart(frame).mark_text(fontSize=11).encode(
        x=x, y=y, text="text:N",
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("#1f2328")),
        href="url:N",
        tooltip=[alt.Tooltip("state:N", title="State"),
                 alt.Tooltip("agreement:N", title="Agreement"),
                 alt.Tooltip("steps:N", title="Recorded steps"),
                 alt.Tooltip("source:N", title="Source of the latest")],
    )
    chart = (rect + text).properties(height=34 * len(order) + 10)
    st.altair_chart(chart, width="stretch")
    st.caption("Russia's column shows Soviet steps only where Russia has none of its own, "
               "and names the Soviet Union when it does. “Nothing recorded” is not evidence "
               "of non-participation.")

    st.subheader("Every recorded step", anchor=False)
    detail = [s for s in steps if s["agreement"].value in columns]
    st.dataframe(status_styler(pd.DataFrame({
        "State": [ui.href(s["party"].value, s["partyLabel"].value) for s in detail],
        "Agreement": [ui.href(s["agreement"].value, s["agreementLabel"].value,
                              page="precedent") for s in detail],
        "Status": [s["statusLabel"].value if "statusLabel" in s else "" for s in detail],
        "Date": [ui.format_date(s["date"].value) if "date" in s else "" for s in detail],
        "Uncertain": ["uncertain" in s and s["uncertain"].value == "true" for s in detail],
        "Source": [data.source_url(s["source"].value) if "source" in s else None
                   for s in detail],
        "Sources": [s["sourceLabels"].value if "sourceLabels" in s else "" for s in detail],
    }), "Status"), hide_index=True, key="parties-steps", column_config={
        "State": st.column_config.LinkColumn("State", display_text=ui.LINK),
        "Agreement": st.column_config.LinkColumn("Agreement", display_text=ui.LINK),
        "Source": st.column_config.LinkColumn("Source", display_text=ui.EXTERNAL),
    })
