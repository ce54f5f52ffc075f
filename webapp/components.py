"""The shared look of every page: headers, escaped text, links, result tables, safe CSV.

Values from the graph are text, never markup: :func:`escape` neutralises Markdown (and
so HTML, which Streamlit's Markdown never renders without ``unsafe_allow_html``) before
a value is placed in ``st.markdown``; tables go through ``st.dataframe``, which shows
cells as text. CSV downloads go through :func:`safe_csv`, which defuses spreadsheet
formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from graph.results import serialize
from graph.terms import XSD, SelectResult, Term
from webapp import data, nav

__all__ = [
    "escape", "header", "empty", "link", "href", "LINK", "EXTERNAL", "format_date",
    "term_text", "result_frame", "result_table", "safe_csv", "neutralise", "url_select",
    "url_multiselect", "url_text", "quote_block", "sources_line", "safe_url",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long",
                              "nonNegativeInteger", "positiveInteger")}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A table column of in-app links whose text is the label carried after ``#``.
LINK = r"^[^#]*#(.+)$"
#: A table column of web links shown by their domain.
EXTERNAL = r"^https?://(?:www\.)?([^/?#:]+)"


# ------------------------------------------------------------------ text


def escape(text: object) -> str:
    r"""Text safe to place in ``st.markdown``: every Markdown-active character escaped.

    >>> escape("**bold** <b>x</b> [a](javascript:alert(1))")
    '\\*\\*bold\\*\\* \\<b\\>x\\<\\/b\\> \\[a\\]\\(javascript\\:alert\\(1\\)\\)'
    """
    s = str(text).replace("\r\n", "\n")
    s = _MD_SPECIAL.sub(r"\\\1", s).replace("/", "\\/")
    return s.replace("\n", "  \n")


def format_date(text: str) -> str:
    """An ISO date, year-month or year as a reader writes it.

    >>> format_date("1953-07-27"), format_date("1978-12"), format_date("1970")
    ('27 July 1953', 'December 1978', '1970')
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{int(m[3])} {_MONTHS[int(m[2]) - 1]} {m[1]}"
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{_MONTHS[int(m[2]) - 1]} {m[1]}"
    return text


def term_text(term: Term | None, label: Term | None = None) -> str:
    """A cell as a reader sees it: a label for an IRI, the lexical form of a literal."""
    if term is None:
        return ""
    if label is not None and label.value:
        return label.value
    if term.kind == "uri":
        return data.label_of(term.value)
    return term.value


# ------------------------------------------------------------------ page furniture


def header(title: str, lead: str | None = None) -> None:
    """The page title and a one-line explanation (both plain text)."""
    st.title(escape(title), anchor=False)
    if lead:
        st.caption(escape(lead))


def empty(message: str) -> None:
    """A calm empty state."""
    st.info(message, icon=":material/info:")


def link(key: str, label: str, *, icon: str | None = None, help: str | None = None,
         **params: str) -> None:
    """An in-app link to a page with query parameters (the label is escaped)."""
    st.page_link(nav.page(key), label=escape(label), icon=icon, help=help,
                 query_params={k: v for k, v in params.items() if v is not None})


def href(iri: str, label: str | None = None, *, page: str = "entity") -> str:
    """A relative link to an IRI's page, carrying its label after ``#`` (see :data:`LINK`)."""
    text = label if label else data.label_of(iri)
    param = "number" if page == "track" else "iri"
    value = iri if page == "track" else data.to_param(iri)
    return nav.url(page, **{param: value}) + "#" + quote(text, safe="")


def quote_block(text: str, source_iri: str | None, source_label: str | None) -> None:
    """A verbatim quote (as a block, no marks added) and its source, linked to the web page."""
    st.markdown("> " + escape(text).replace("\n", "\n> "))  # verbatim; the block marks it
    if source_iri:
        sources_line([(source_iri, source_label)])


def sources_line(sources: Iterable[tuple[str, str | None]], *, prefix: str = "Source") -> None:
    """A caption naming sources, each linked to its web address when it has one."""
    parts = []
    for iri, label in sources:
        name = escape(label or data.label_of(iri))
        url = data.source_url(iri)
        parts.append(f"[{name}]({safe_url(url)})" if url else name)
    if parts:
        st.caption(f"{prefix}: " + " · ".join(parts))


def safe_url(url: str) -> str:
    """A web address that cannot break out of a Markdown link (spaces, brackets encoded).

    >>> safe_url("https://en.wikipedia.org/wiki/Foo_(bar) x")
    'https://en.wikipedia.org/wiki/Foo_%28bar%29%20x'
    """
    table = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "[": "%5B",
             "]": "%5D", '"': "%22", "`": "%60", "\\": "%5C"}
    return "".join(table.get(c, c) for c in url)


# ------------------------------------------------------------------ URL-bound widgets


def url_select(label: str, options: Sequence[str], *, param: str, key: str,
               format_func: Callable[[str], str] = str, placeholder: str = "Choose…",
               help: str | None = None) -> str | None:
    """A select box whose value lives in the URL (``?param=value``)."""
    current = st.query_params.get(param)
    current = current if current in options else None
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def changed() -> None:
        value = st.session_state.get(key)
        if value is None:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = value

    return st.selectbox(label, list(options), index=None, key=key, format_func=format_func,
                        placeholder=placeholder, on_change=changed, help=help)


def url_text(label: str, *, param: str, key: str, placeholder: str | None = None,
             help: str | None = None) -> str:
    """A text input whose value lives in the URL (``?param=text``)."""
    current = st.query_params.get(param, "")
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def changed() -> None:
        value = (st.session_state.get(key) or "").strip()
        if value:
            st.query_params[param] = value
        else:
            st.query_params.pop(param, None)

    return st.text_input(label, key=key, placeholder=placeholder, help=help,
                         on_change=changed).strip()


def url_multiselect(label: str, options: Sequence[str], *, param: str, key: str,
                    default: Sequence[str], format_func: Callable[[str], str] = str,
                    help: str | None = None, pills: bool = False) -> list[str]:
    """A multiselect (or pills) whose value lives in the URL (``?param=a&param=b``; ``-``
    for none)."""
    given = st.query_params.get_all(param)
    if not given:
        current = [o for o in options if o in default]
    elif given == ["-"]:
        current = []
    else:
        current = [o for o in options if o in given]
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def changed() -> None:
        value = st.session_state.get(key) or []
        if sorted(value) == sorted(o for o in options if o in default):
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = list(value) or ["-"]

    if pills:
        return list(st.pills(label, list(options), selection_mode="multi", key=key,
                             format_func=format_func, on_change=changed, help=help) or [])
    return st.multiselect(label, list(options), key=key, format_func=format_func,
                          on_change=changed, help=help)


# ------------------------------------------------------------------ result tables


def _kinds(result: SelectResult, var: str) -> set[str]:
    return {row[var].kind for row in result.rows if var in row}


def result_frame(result: SelectResult, *, lookup: int = 300
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A result as a table: IRIs become in-app links showing labels, numbers numbers.

    An IRI column ``x`` takes its text from ``xLabel`` when the query projects one (or
    from ``label`` right after it); other IRIs are looked up (up to ``lookup`` distinct
    ones), else shown by their last segment. A column that mixes IRIs and literals is
    split into ``x`` (links) and ``x (text)``.
    """
    variables = list(result.variables)
    uri_cols = [v for v in variables if _kinds(result, v) and
                _kinds(result, v) <= {"uri", "bnode"}]
    mixed = [v for v in variables if "uri" in _kinds(result, v) and v not in uri_cols]
    pairs: dict[str, str] = {v: f"{v}Label" for v in uri_cols + mixed
                             if f"{v}Label" in variables}
    if "label" in variables:
        before = [v for v in uri_cols if variables.index(v) < variables.index("label")
                  and v not in pairs]
        if before:
            pairs[before[-1]] = "label"
    unlabelled = {row[v].value for v in uri_cols + mixed if v not in pairs
                  for row in result.rows if v in row and row[v].kind == "uri"}
    can_lookup = len(unlabelled) <= lookup

    def text_of(iri: str) -> str:
        return data.label_of(iri) if can_lookup else data.local_name(iri)

    columns: dict[str, list[object]] = {}
    config: dict[str, Any] = {}
    consumed = set(pairs.values())
    for v in variables:
        if v in consumed:
            continue
        cells = [row.get(v) for row in result.rows]
        labels = [row.get(pairs[v]) if v in pairs else None for row in result.rows]
        if v in uri_cols or v in mixed:
            links: list[object] = []
            texts: list[object] = []
            for term, lab in zip(cells, labels):
                if term is not None and term.kind == "uri":
                    links.append(href(term.value, lab.value if lab is not None and lab.value
                                      else text_of(term.value)))
                    texts.append(None)
                else:
                    links.append(None)
                    texts.append(None if term is None else term.value)
            columns[v] = links
            config[v] = st.column_config.LinkColumn(v, display_text=LINK)
            if v in mixed:
                columns[f"{v} (text)"] = texts
        elif cells and all(c is None or (c.kind == "literal" and c.datatype in _NUMERIC)
                           for c in cells) and any(c is not None for c in cells):
            columns[v] = [None if c is None else c.to_python() for c in cells]
        elif cells and all(c is None or c.datatype == XSD + "boolean" for c in cells) and \
                any(c is not None for c in cells):
            columns[v] = [None if c is None else c.value == "true" for c in cells]
        else:
            columns[v] = [None if c is None else c.value for c in cells]
    frame = pd.DataFrame(columns, columns=list(columns))
    return frame, config


def result_table(result: SelectResult | bool | list[tuple[Term, Term, Term]], *,
                 name: str, key: str) -> None:
    """A result with its row count and CSV and JSON downloads."""
    if isinstance(result, bool):
        st.success(f"ASK: {'true' if result else 'false'}")
        return
    if isinstance(result, list):
        truncated = bool(getattr(result, "truncated", False))
        result = SelectResult(("subject", "predicate", "object"),
                              [{"subject": s, "predicate": p, "object": o}
                               for s, p, o in result], truncated)
    if not result.rows:
        empty("No rows: nothing in the graph matches.")
    else:
        frame, config = result_frame(result)
        st.dataframe(frame, column_config=config, hide_index=True, key=f"{key}-table")
    n = len(result.rows)
    note = f"{n} row" + ("" if n == 1 else "s")
    if result.truncated:
        note += " — stopped at the row cap; there are more"
    left, mid, _ = st.columns([1, 1, 4], vertical_alignment="center")
    left.download_button("Download CSV", safe_csv(result), file_name=f"{name}.csv",
                         mime="text/csv", key=f"{key}-csv", icon=":material/download:",
                         on_click="ignore")
    mid.download_button("Download JSON", serialize(result, "json"),
                        file_name=f"{name}.json", mime="application/sparql-results+json",
                        key=f"{key}-json", icon=":material/download:", on_click="ignore")
    st.caption(note + " · CSV and JSON follow the W3C SPARQL 1.1 result formats; CSV "
               "cells that a spreadsheet would run as a formula start with an apostrophe.")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run: a leading ``= + - @`` (or TAB, CR) gets ``'``.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-2"), neutralise("CFE")
    ('\\'=HYPERLINK("http://x")', "'-2", 'CFE')
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def safe_csv(result: SelectResult | bool) -> str:
    """SPARQL CSV results with every data cell passed through :func:`neutralise`."""
    text = serialize(result, "csv")
    if isinstance(result, bool):
        return text
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for i, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        writer.writerow(row if i == 0 else [neutralise(c) for c in row])
    return out.getvalue()
