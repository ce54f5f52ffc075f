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
