"""peacegraph: a knowledge graph of agreements, precedents and issues for a Korean peace process.

The command line is :mod:`peacegraph.cli` (``peacegraph --help``); the library is the
``graph``, ``loaders`` and ``ontology`` packages.

>>> __version__
'0.1.0'
"""

__all__ = ["__version__"]

#: The package version (kept equal to pyproject.toml's by tests/test_cli.py).
__version__ = "0.1.0"
