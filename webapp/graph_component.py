"""The interactive network: a bidirectional Streamlit component, bundled for offline use.

``static/graph/index.html`` is hand-written and speaks the component protocol itself
(``postMessage``: ``streamlit:componentReady``, ``streamlit:render``,
``streamlit:setComponentValue``, ``streamlit:setFrameHeight``); it draws with
vis-network 9.1.13 (``static/graph/vis-network.min.js``, the standalone UMD build, MIT or
Apache-2.0, licences beside it). Nothing is fetched from the network at run time.

Labels are drawn on a canvas and tooltips and the side panel are filled with
``textContent``/``innerText``, so values from the graph are never parsed as HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import streamlit.components.v1 as components

__all__ = ["STATIC", "Node", "Edge", "network"]

STATIC = Path(__file__).resolve().parent / "static" / "graph"

_component = components.declare_component("peacegraph_network", path=str(STATIC))


class Node(TypedDict):
    id: str          # the IRI
    label: str
    group: str       # display category
    kind: str        # type label, shown in the tooltip and panel
    focus: bool
    expanded: bool


class Edge(TypedDict):
    id: str
    source: str
    target: str
    label: str


def network(nodes: list[Node], edges: list[Edge], *, colours: dict[str, str],
            height: int = 620, key: str) -> dict[str, Any] | None:
    """Draw the network; returns the last user action ``{"action", "iri", "nonce"}``.

    Actions: ``"expand"`` (double-click or the panel's button), ``"open"`` (open the
    item's page), ``"focus"`` (centre the view on it). ``None`` before the first one.
    """
    return _component(nodes=nodes, edges=edges, colours=colours, height=height, key=key,
                      default=None)
