"""Timeline (``/timeline?from=YYYY&to=YYYY&steps=0``): agreements, events, talks and the
six states' status changes on a time axis, coloured by kind."""

from __future__ import annotations

import datetime as dt
import re

import altair as alt
import pandas as pd
import streamlit as st

from webapp import components as ui
from webapp import data

STATUS_KIND = "status change (six states)"
#: Kind (as the saved queries word it) → colour; other kinds get grey.
KIND_COLOURS: dict[str, str] = {
    "treaty": "#2e6fbd", "armistice": "#1b9e77", "declaration": "#7570b3",
    "joint statement": "#e7298a", "framework agreement": "#66a61e",
    "Security Council resolution": "#a6761d", "negotiation process": "#e6ab02",
    "policy reform": "#d95f02", "study": "#8c6bb1", "event": "#e41a1c",
    "institution": "#17a2b8", STATUS_KIND: "#9aa0a6",
}
FIRST_YEAR = 1945
_PAGE = {"Agreement": "precedent", "Process": "precedent"}


def _start(text: str) -> dt.date | None:
    """The first day of an ISO date, year-month or year."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def _year(param: str, default: int, low: int, high: int) -> int:
    text = st.query_params.get(param, "")
    return min(max(int(text), low), high) if text.isdigit() else default


def render() -> None:
    ui.header("Timeline", "Dated steps in the life of agreements, talks, reforms, events and "
              "institutions, with the six states' joining, suspending and withdrawing. "
              "Year- or month-only dates sit at the start of their year or month.")
    last = dt.date.today().year + 1
    start, end = _year("from", FIRST_YEAR, FIRST_YEAR, last), _year("to", last, FIRST_YEAR, last)
    if start > end:
        start, end = end, start
    show_steps = st.query_params.get("steps") != "0"
    if st.session_state.get("timeline-years") != (start, end):
        st.session_state["timeline-years"] = (start, end)
    if st.session_state.get("timeline-steps") != show_steps:
        st.session_state["timeline-steps"] = show_steps

    def years_changed() -> None:
        low, high = st.session_state["timeline-years"]
        st.query_params["from"], st.query_params["to"] = str(low), str(high)

    def steps_changed() -> None:
        if st.session_state["timeline-steps"]:
            st.query_params.pop("steps", None)
        else:
            st.query_params["steps"] = "0"

    controls = st.columns([3, 1], vertical_alignment="bottom")
    with controls[0]:
        st.slider("Years", FIRST_YEAR, last, key="timeline-years", on_change=years_changed)
    with controls[1]:
        steps = st.toggle("Status changes", key="timeline-steps", on_change=steps_changed,
                          help="The six states' signatures, ratifications, withdrawals …")

    found = data.rows("timeline", **{"from": f"{start}-01-01", "to": f"{end}-12-31"})
    records = []
    for r in found:
        day = _start(r["date"].value)
        if day is None:
            continue
        records.append({
            "date": day, "when": ui.format_date(r["date"].value), "item": r["item"].value,
            "label": r["label"].value, "kind": r["kind"].value if "kind" in r else "other",
            "event": r["event"].value if "event" in r else "",
        })
    if steps:
        for r in data.rows("party-status"):
            day = _start(r["date"].value) if "date" in r else None
            if day is None or not (start <= day.year <= end):
                continue
            status = r["statusLabel"].value if "statusLabel" in r else ""
            records.append({
                "date": day, "when": ui.format_date(r["date"].value),
                "item": r["agreement"].value, "label": r["agreementLabel"].value,
                "kind": STATUS_KIND, "event": f"{r['partyLabel'].value}: {status}",
            })
    if not records:
        ui.empty("Nothing dated falls in these years.")
        return
    frame = pd.DataFrame(records).sort_values(["date", "label"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["link"] = [ui.href(i, lab, page=_PAGE.get(data.category(i), "entity"))
                     for i, lab in zip(frame["item"], frame["label"])]
    order = list(dict.fromkeys(frame["label"]))
    spans = frame.groupby("label", as_index=False).agg(first=("date", "min"),
                                                       last=("date", "max"))

    present = set(frame["kind"])
    kinds = [k for k in KIND_COLOURS if k in present] + sorted(present - set(KIND_COLOURS))
    legend = alt.selection_point(fields=["kind"], bind="legend")
    base = alt.Chart(frame)
    y = alt.Y("label:N", sort=order, title=None,
              axis=alt.Axis(labelLimit=320, labelFontSize=12))
    rules = alt.Chart(spans).mark_rule(color="#b8bcc4", strokeWidth=2).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("first:T"), x2="last:T")
    points = base.mark_point(filled=True, size=110, opacity=0.9).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y", labelFontSize=12)),
        y=y,
        color=alt.Color("kind:N", title="Kind",
                        scale=alt.Scale(domain=kinds, range=[KIND_COLOURS.get(k, "#bbbbbb")
                                                             for k in kinds]),
                        legend=alt.Legend(orient="right", labelLimit=220, labelFontSize=12,
                                          titleFontSize=12)),
        shape=alt.condition(alt.datum.kind == STATUS_KIND, alt.value("diamond"),
                            alt.value("circle")),
        opacity=alt.condition(legend, alt.value(0.95), alt.value(0.12)),
        href="link:N",
        tooltip=[alt.Tooltip("label:N", title="Item"), alt.Tooltip("event:N", title="What"),
                 alt.Tooltip("when:N", title="When"), alt.Tooltip("kind:N", title="Kind")],
    ).add_params(legend)
    chart = (rules + points).properties(height=alt.Step(24))
    st.altair_chart(chart, width="stretch")
    st.caption(f"{len(frame)} dated steps of {len(order)} items, {start}–{end}. Click a "
               "point to open its item; click a legend entry to pick out one kind.")
    with st.expander("As a table", expanded=False):
        st.dataframe(pd.DataFrame({
            "Date": frame["when"], "Item": frame["link"], "Kind": frame["kind"],
            "What": frame["event"],
        }), hide_index=True, key="timeline-table", column_config={
            "Item": st.column_config.LinkColumn("Item", display_text=ui.LINK)})
