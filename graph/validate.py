"""Validation of the peacegraph data: SHACL shapes (pySHACL) and OWL consistency (HermiT).

:func:`shacl` checks an rdflib graph against ``ontology/shapes.ttl``; given the
article's full text it also checks every quote against it, without storing the text
anywhere. :func:`owl_consistency` runs the HermiT reasoner (through owlready2, which
needs Java) on the ontology and, optionally, the data. Both return a :class:`Report`.
:func:`find_article` says where the article's text is, if the user has it.

pySHACL and owlready2 are imported only when a check runs.

>>> report = Report(conforms=False, problems=(Problem(
...     focus="https://w3id.org/peacegraph/id/track-1", path=None,
...     message="A track must state its scope.", severity="Violation"),))
>>> print(report.text())
1 problem (1 violation)
Violation: pgid:track-1: A track must state its scope.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ontology import ID_NS, ONTOLOGY_IRI, ONTOLOGY_TTL, PREFIXES, SHAPES_TTL

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "FULL_TEXT", "JavaMissing", "Problem", "Report",
    "find_article", "owl_consistency", "shacl",
]

#: The validation-only predicate that carries a source's full text during one SHACL run.
#: Not an ontology term: never stored, loaded or committed (see ontology/shapes.ttl).
FULL_TEXT = "https://w3id.org/peacegraph/validation#fullText"
#: The article's default source IRI (``pgid:zelikow-2018``).
ARTICLE_SOURCE = ID_NS + "zelikow-2018"
#: The repository root (the folder holding ``ontology/`` and ``graph/``).
REPO_ROOT = Path(__file__).resolve().parent.parent

_SH = "http://www.w3.org/ns/shacl#"


class JavaMissing(RuntimeError):
    """The OWL reasoner (HermiT) needs Java, and no ``java`` executable was found."""


@dataclass(frozen=True)
class Problem:
    """One finding: the node it is about, the property path (if any), what is wrong, how bad.

    ``severity`` is ``"Violation"``, ``"Warning"`` or ``"Info"`` (SHACL's severities; the
    reasoner reports ``"Violation"``). ``focus`` and ``path`` are IRIs or, for paths that
    are not a single property, a SPARQL-like rendering.
    """

    focus: str
    path: str | None
    message: str
    severity: str

    def text(self) -> str:
        """One line: ``Severity: focus (path): message`` with IRIs shortened by prefix."""
        where = _short(self.focus)
        if self.path:
            where += f" ({_short(self.path)})"
        return f"{self.severity}: {where}: {self.message}"


@dataclass(frozen=True)
class Report:
    """The outcome of a check: whether the data conforms and every problem found.

    ``problems`` is sorted (by focus, path, message), so equal inputs give equal reports.
    """

    conforms: bool
    problems: tuple[Problem, ...] = ()

    def text(self) -> str:
        """A readable report: a summary line, then one line per problem."""
        if not self.problems:
            return "conforms: no problems found" if self.conforms else "does not conform"
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.severity] = counts.get(problem.severity, 0) + 1
        summary = ", ".join(f"{n} {severity.lower()}{'s' if n != 1 else ''}"
                            for severity, n in sorted(counts.items()))
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{len(self.problems)} {noun} ({summary})"]
        lines += [problem.text() for problem in self.problems]
        return "\n".join(lines)


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace):]:
            return f"{prefix}:{iri[len(namespace):]}"
    return iri if not iri.startswith("http") else f"<{iri}>"


# --------------------------------------------------------------------------- SHACL


def shacl(data: rdflib.Graph, *, article_text: str | None = None,
          article_source: str = ARTICLE_SOURCE) -> Report:
    """Validate ``data`` against ``ontology/shapes.ttl`` with pySHACL.

    The ontology is mixed in as pySHACL's ``ont_graph`` (so a ``pg:Treaty`` is checked as
    a ``pg:Agreement``); no further inference is run (``inference="none"``: RDFS
    inference would only add entailed types the shapes already reach through
    ``rdfs:subClassOf``, at about 1.5 times the cost). When ``article_text`` is given, the
    triple ``<article_source> pgv:fullText "…"`` is added to a copy of ``data`` for this
    run only, and every quote of that source is checked against the text. ``data`` is
    never modified: validation runs on a copy.

    >>> from rdflib import Graph, Literal, URIRef
    >>> from ontology.namespace import PG
    >>> g = Graph()
    >>> track = URIRef(ID_NS + "track-9")
    >>> _ = g.add((track, URIRef(str(PG.trackNumber)), Literal(9)))
    >>> report = shacl(g)
    >>> report.conforms
    False
    >>> any("1 to 6" in p.message for p in report.problems)
    True
    """
    import pyshacl
    from rdflib import Graph, Literal, URIRef

    shapes = Graph().parse(SHAPES_TTL, format="turtle")
    ontology = Graph().parse(ONTOLOGY_TTL, format="turtle")
    graph = _prepared_query_graph()
    graph += data
    if article_text is not None:
        graph.add((URIRef(article_source), URIRef(FULL_TEXT), Literal(article_text)))
    conforms, results, _ = pyshacl.validate(
        graph, shacl_graph=shapes, ont_graph=ontology, inference="none",
        abort_on_first=False, allow_warnings=True, meta_shacl=False, advanced=False,
        inplace=True)  # in place on our own copy: the ontology is mixed into it
    return Report(conforms=bool(conforms), problems=_problems(results))


#: SPARQL text -> rdflib prepared query, filled by :func:`_prepared_query_graph` graphs.
_PREPARED: dict[str, object] = {}


def _prepared_query_graph() -> rdflib.Graph:
    """An empty rdflib graph that parses each distinct SPARQL text once per process.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, as a query string with
    ``$this`` bound through ``initBindings``; rdflib would parse the same text again for
    every node (about 70 ms each, most of the validation time on the bundled data).
    Prepared queries are rdflib's way to reuse a parse with other bindings; the shapes'
    queries declare their prefixes (``sh:prefixes``), so a parse is valid for any graph.
    """
    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery

    class PreparedQueryGraph(Graph):
        def query(self, query_object, processor="sparql", result="sparql",  # type: ignore[no-untyped-def, override]
                  initNs=None, initBindings=None, use_store_provided=True,  # noqa: N803
                  **kwargs):
            if isinstance(query_object, str) and processor == "sparql" and not initNs:
                # pySHACL writes the PREFIX lines in no fixed order: sort them for the key
                lines = query_object.splitlines()
                prefixes = sorted(line for line in lines if line.startswith("PREFIX "))
                text = "\n".join(prefixes + [ln for ln in lines if not ln.startswith("PREFIX ")])
                if text not in _PREPARED:
                    _PREPARED[text] = prepareQuery(text, initNs=dict(self.namespaces()))
                query_object = _PREPARED[text]
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided, **kwargs)

    return PreparedQueryGraph()


def _problems(results: rdflib.Graph) -> tuple[Problem, ...]:
    from rdflib import RDF, URIRef

    sh = {name: URIRef(_SH + name) for name in (
        "ValidationReport", "result", "focusNode", "resultPath", "resultMessage",
        "resultSeverity", "value")}
    problems = set()
    # the report's own results; nested ones (sh:detail, inside sh:node / sh:or) are not
    top = [result for report in results.subjects(RDF.type, sh["ValidationReport"])
           for result in results.objects(report, sh["result"])]
    for result in top:
        focus = results.value(result, sh["focusNode"])
        path = results.value(result, sh["resultPath"])
        severity = results.value(result, sh["resultSeverity"])
        messages = sorted(str(m) for m in results.objects(result, sh["resultMessage"]))
        message = " ".join(" ".join(messages).split()) or "constraint violated"
        value = results.value(result, sh["value"])
        if value is not None and value != focus and "{" not in message:
            message += f" [value: {_value_text(value)}]"
        problems.add(Problem(
            focus=str(focus),
            path=_path_text(results, path) if path is not None else None,
            message=message,
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        ))
    return tuple(sorted(problems, key=lambda p: (p.focus, p.path or "", p.message)))


def _value_text(value: rdflib.term.Node) -> str:
    text = value.n3()
    return text if len(text) <= 80 else text[:77] + "..."


def _path_text(results: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A property path as text: an IRI, ``^p`` (inverse) or ``p1/p2`` (sequence)."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(path, URIRef):
        return str(path)
    if isinstance(path, BNode):
        inverse = results.value(path, URIRef(_SH + "inversePath"))
        if inverse is not None:
            return "^" + _short(_path_text(results, inverse))
        if results.value(path, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")):
            return "/".join(_short(_path_text(results, step))
                            for step in Collection(results, path))
    return str(path)


# --------------------------------------------------------------------------- OWL


def owl_consistency(*, data: rdflib.Graph | None = None) -> Report:
    """Check with HermiT that the ontology (and ``data``, if given) is consistent.

    The ontology file and the data are written as N-Triples into a temporary folder and
    loaded into a fresh owlready2 ``World`` from there (owlready2 reads no Turtle, and
    the ontology has no ``owl:imports``: nothing touches the network). HermiT then runs
    through ``sync_reasoner(..., infer_property_values=False, debug=0,
    ignore_unsupported_datatypes=True)``. ``ignore_unsupported_datatypes`` is needed
    because the data's dates are ``xsd:date`` / ``xsd:gYear`` / ``xsd:gYearMonth``,
    which are outside the OWL 2 datatype map: without it HermiT refuses the whole
    ontology instead of treating those literals as opaque values (SHACL checks them).

    Returns a report that conforms when the ontology is consistent and has no
    unsatisfiable class; an inconsistency or each unsatisfiable class is a problem.
    Raises :class:`JavaMissing` when no ``java`` executable is found; nothing is
    written outside the temporary folder, which is removed.
    """
    java = _java()
    import owlready2
    from rdflib import Graph

    graph = Graph().parse(ONTOLOGY_TTL, format="turtle")
    if data is not None:
        graph += data
    with tempfile.TemporaryDirectory(prefix="peacegraph-owl-") as folder:
        path = Path(folder) / "peacegraph.nt"
        graph.serialize(destination=path, format="nt", encoding="utf-8")
        world = owlready2.World()
        owlready2.JAVA_EXE = java
        try:
            ontology = world.get_ontology(path.as_uri()).load()
            with ontology:
                owlready2.sync_reasoner(
                    world, infer_property_values=False, debug=0,
                    ignore_unsupported_datatypes=True)
            unsatisfiable = sorted(str(c.iri) for c in world.inconsistent_classes())
        except owlready2.OwlReadyInconsistentOntologyError:
            return Report(conforms=False, problems=_explain_inconsistency(graph))
        finally:
            world.close()
    problems = tuple(Problem(focus=iri, path=None, severity="Violation",
                             message="unsatisfiable class: it can have no instances (HermiT)")
                     for iri in unsatisfiable)
    return Report(conforms=not problems, problems=problems)


def _explain_inconsistency(graph: rdflib.Graph) -> tuple[Problem, ...]:
    """HermiT says only *that* the ontology is inconsistent; name the likeliest causes.

    Looks for IRIs that are instances (asserted, or through the domain or range of a
    property they use, inverses included) of two disjoint classes (``owl:disjointWith``
    or ``owl:AllDisjointClasses``). Other causes get one general problem.
    """
    from rdflib import OWL, RDF, RDFS, URIRef
    from rdflib.collection import Collection
    from rdflib.term import Node

    def closure(start: set[Node]) -> set[Node]:
        seen, todo = set(start), list(start)
        while todo:
            for parent in graph.objects(todo.pop(), RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    disjoint: set[frozenset[Node]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        disjoint.add(frozenset((a, b)))
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        head = graph.value(group, OWL.members)
        members = list(Collection(graph, head)) if head is not None else []  # type: ignore[arg-type]
        disjoint.update(frozenset((a, b)) for a in members for b in members if a != b)
    inverse: dict[Node, Node] = {}
    for p, q in graph.subject_objects(OWL.inverseOf):
        inverse[p], inverse[q] = q, p
    object_properties = set(graph.subjects(RDF.type, OWL.ObjectProperty))
    types: dict[Node, set[Node]] = {}
    for s, p, o in graph:
        if p == RDF.type and isinstance(s, URIRef) and isinstance(o, URIRef):
            types.setdefault(s, set()).add(o)
            continue
        for subject, prop, side in ((s, p, RDFS.domain), (o, p, RDFS.range),
                                    (s, inverse.get(p), RDFS.range),
                                    (o, inverse.get(p), RDFS.domain)):
            if prop is None or not isinstance(subject, URIRef):
                continue
            if side == RDFS.range and prop not in object_properties:
                continue
            for cls in graph.objects(prop, side):
                if isinstance(cls, URIRef):
                    types.setdefault(subject, set()).add(cls)
    problems = set()
    for individual, asserted in types.items():
        classes = sorted(closure(asserted), key=str)
        for i, a in enumerate(classes):
            for b in classes[i + 1:]:
                if frozenset((a, b)) in disjoint:
                    problems.add(Problem(
                        focus=str(individual), path=None, severity="Violation",
                        message=f"inconsistent (HermiT): an instance of both {_short(str(a))} "
                                f"and {_short(str(b))}, which are disjoint"))
    if not problems:
        problems.add(Problem(
            focus=ONTOLOGY_IRI, path=None, severity="Violation",
            message="the ontology and data are inconsistent (HermiT); no individual with "
                    "disjoint types was found, so look for a functional property with two "
                    "values or a literal outside its property's range"))
    return tuple(sorted(problems, key=lambda p: (p.focus, p.message)))


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise JavaMissing(
            "the OWL consistency check runs the HermiT reasoner, which needs Java: install "
            "a Java runtime (e.g. 'apt-get install default-jre-headless') and put 'java' "
            "on PATH")
    return java


# --------------------------------------------------------------------------- article


def find_article() -> Path | None:
    """Where the article's full text is, or None when the user does not have it.

    ``$PEACEGRAPH_ARTICLE`` when set (returned as given, even if the file is missing,
    so a wrong setting is reported rather than ignored), else
    ``../shared/reference/source-article.txt`` beside the repository when that file
    exists, else None. Reads nothing.
    """
    configured = os.environ.get("PEACEGRAPH_ARTICLE")
    if configured:
        return Path(configured)
    shared = REPO_ROOT.parent / "shared" / "reference" / "source-article.txt"
    return shared if shared.is_file() else None
