"""The store and everything that works on it: queries, results, validation, snapshots.

``graph`` imports ``ontology`` and nothing else of ours. ``graph/store.py`` is the only
module that imports the RDF engine (pyoxigraph); engine term types never leave this
package, so callers get plain Python records (:class:`graph.terms.Term`).
``graph/validate.py`` checks data against the SHACL shapes and the OWL ontology.
"""
