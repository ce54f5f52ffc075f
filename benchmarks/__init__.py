"""Benchmarks: load, query, export and start-up against raw Oxigraph and rdflib.

``python -m benchmarks [--sizes 10k,100k,1M] [--runs 5] [--out benchmarks/]`` generates
synthetic graphs shaped like the curated data (:mod:`benchmarks.generate`), measures
peacegraph beside bare pyoxigraph (the engine's limit) and rdflib's in-memory graph
(what a user would otherwise pick), and writes ``results.json`` and ``results.md``
(:mod:`benchmarks.harness`).

This is measurement code: it may import pyoxigraph directly, which product code never
does outside :mod:`graph.store`.

>>> parse_size("10k"), parse_size("1M"), parse_size("2500")
(10000, 1000000, 2500)
>>> size_label(100_000), size_label(1_000_000), size_label(2_500)
('100k', '1M', '2.5k')
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "HERE", "DATA_DIR", "DEFAULT_SIZES", "ENGINES", "LOAD_FORMATS", "EXPORT_FORMATS",
    "MEASUREMENT_KEYS", "parse_size", "size_label",
]

HERE = Path(__file__).resolve().parent
#: Where generated graphs and scratch stores go (gitignored).
DATA_DIR = HERE / "data"
#: What ``python -m benchmarks`` measures unless told otherwise.
DEFAULT_SIZES = ("10k", "100k", "1M")
#: The contestants of the query measurements, in the order they run within a round:
#: peacegraph on its on-disk store, peacegraph as the app answers (``webapp.data``: an
#: in-memory copy up to the app's size limit), bare pyoxigraph on disk, rdflib in memory.
ENGINES = ("peacegraph", "peacegraph-app", "pyoxigraph", "rdflib")
#: What the load benchmark loads, and what the export benchmark writes.
LOAD_FORMATS = ("nt", "ttl")
EXPORT_FORMATS = ("nt", "ttl", "nq", "trig", "jsonld")
#: The keys every size has in results.json.
MEASUREMENT_KEYS = ("statements", "store", "load", "cold_start", "queries", "export",
                    "snapshot", "memory", "app")

_SIZE = re.compile(r"(\d+(?:\.\d+)?)([kKmM]?)\Z")


def parse_size(text: str) -> int:
    """A statement count from ``10k``, ``1M``, ``2.5k`` or ``2500``."""
    match = _SIZE.match(text.strip())
    if match is None:
        raise ValueError(f"not a size: {text!r} (expected e.g. 10k, 100k, 1M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(round(float(match.group(1)) * scale))


def size_label(statements: int) -> str:
    """The short label of a size (the inverse of :func:`parse_size` for round sizes)."""
    for scale, suffix in ((1_000_000, "M"), (1_000, "k")):
        if statements >= scale:
            value = statements / scale
            return f"{value:g}{suffix}"
    return str(statements)
