"""The Streamlit app's pages and pieces; ``app.py`` at the repository root is the router.

- :mod:`webapp.nav` — the page table (titles, URL paths, order) and links between pages;
- :mod:`webapp.data` — the read-only store (one per process) and cached saved-query runs;
- :mod:`webapp.components` — the shared look: headers, escaped text, tables with links,
  safe CSV;
- one module per page (``overview``, ``track``, ``precedent``, ``entity``, ``network``,
  ``timeline``, ``parties``, ``catalogue``, ``snapshots``), each with ``render()``;
- :mod:`webapp.graph_component` and ``static/graph/`` — the interactive network (a
  bidirectional Streamlit component with vis-network bundled, no CDN).

Pages call saved queries by name (:func:`webapp.data.run`); no SPARQL text lives here.
"""

#: How ``peacegraph app --replica`` tells the app where to answer from (set by the command
#: line, read by :mod:`webapp.data`; here so that the command line need not import it).
REPLICA_ENV = "PEACEGRAPH_REPLICA"
#: Its values: ``auto`` (the default; see :func:`webapp.data.decide`), ``memory``, ``disk``.
REPLICA_MODES = ("auto", "memory", "disk")
