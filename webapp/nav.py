"""The page table: titles, URL paths, sections and order live here, in code.

``app.py`` builds ``st.navigation`` from :func:`sections`; pages link to one another
with :func:`page` (an ``st.Page`` is identified by its URL path, so a fresh one made
here is the same page the router registered).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

__all__ = ["PageSpec", "PAGES", "page", "sections", "url"]


@dataclass(frozen=True)
class PageSpec:
    key: str          # module in webapp/ with a render() function
    title: str
    url_path: str     # "" for the default page at /
    icon: str
    section: str
    visible: bool = True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", "", ":material/home:", "Browse"),
    PageSpec("track", "Track", "track", ":material/route:", "Browse"),
    PageSpec("precedent", "Precedent", "precedent", ":material/gavel:", "Browse"),
    PageSpec("entity", "Entity", "entity", ":material/data_object:", "Browse"),
    PageSpec("network", "Graph", "graph", ":material/hub:", "Explore"),
    PageSpec("timeline", "Timeline", "timeline", ":material/timeline:", "Explore"),
    PageSpec("parties", "Parties", "parties", ":material/flag:", "Explore"),
    PageSpec("catalogue", "Queries", "queries", ":material/manage_search:", "Tools"),
    PageSpec("snapshots", "Snapshots", "snapshots", ":material/inventory_2:", "Tools"),
)
_BY_KEY = {p.key: p for p in PAGES}


def _renderer(key: str) -> Callable[[], None]:
    """The page function: imports the page module on first use (no import cycles)."""

    def render() -> None:
        importlib.import_module(f"webapp.{key}").render()

    render.__name__ = key or "overview"
    render.__qualname__ = render.__name__
    return render


def page(key: str) -> st.Page:
    """The ``st.Page`` of a page key (``"track"``, ``"entity"``, ...)."""
    spec = _BY_KEY[key]
    if spec.url_path == "":
        return st.Page(_renderer(key), title=spec.title, icon=spec.icon, default=True)
    return st.Page(_renderer(key), title=spec.title, icon=spec.icon, url_path=spec.url_path)


def sections() -> dict[str, list[st.Page]]:
    """The navigation, by section, in order."""
    out: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        out.setdefault(spec.section, []).append(page(spec.key))
    return out


def url(key: str, **params: str) -> str:
    """A relative URL of a page with query parameters (for table link columns).

    >>> url("entity", iri="cfe-treaty")
    '/entity?iri=cfe-treaty'
    """
    from urllib.parse import urlencode

    path = "/" + _BY_KEY[key].url_path
    query = urlencode({k: v for k, v in params.items() if v is not None}, safe=":")
    return f"{path}?{query}" if query else path
