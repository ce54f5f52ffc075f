"""What the ontology implies, as SPARQL CONSTRUCT rules the store materialises.

After a load :mod:`graph.store` clears ``pgg:inferred`` and saturates it with
:func:`rules`, evaluated inside Oxigraph with the union of all graphs as the default
graph (or, for a new source stating none of :data:`SCHEMA_PREDICATES`, adds only that
source's consequences: the rules are linear, so the closure of a union is the union of
the closures). Each rule reads its schema statements (``rdfs:subClassOf`` …) from the
union and its one *data* statement from ``GRAPH ?source { … }``. Evaluation is
semi-naive: round 1 leaves ``?source`` unbound (every named graph) or binds it to the new
source; round *k* binds it (pyoxigraph
``substitutions``) to a scratch graph holding only what round *k − 1* added, so no
premise is used twice. Each rule filters out conclusions already stated in any graph
(``FILTER NOT EXISTS`` over the union), so ``pgg:inferred`` holds only what is *new* and
is empty when the data says everything explicitly. Schema statements are taken as
asserted: a rule that derives a new ``rdfs:subClassOf`` would not be re-applied to old data
(none of the rules below can).

The rules are the RDFS/OWL entailments peacegraph relies on, no more:

1. ``rdfs:subPropertyOf`` closure (``pg:dateSigned`` → ``pg:lifecycleDate``);
2. ``owl:inverseOf``, declared either way round (``pg:hasIssue`` ↔ ``pg:issueOf``);
3. ``rdfs:domain`` typing of subjects, for ``pg:`` properties;
4. ``rdfs:range`` typing of IRI and blank node objects, for ``pg:`` properties (ranges
   that are datatypes are skipped);
5. ``rdfs:subClassOf`` closure on types (``pg:Treaty`` instance → ``pg:Agreement``).

Classes reached only through blank nodes (OWL restrictions) are skipped; there are no
label rules (``skos:prefLabel`` is not copied to ``rdfs:label``: the loader writes both).

>>> len(rules())
5
>>> all(r.startswith("CONSTRUCT") and "GRAPH ?source" in r for r in rules())
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ontology import PG_NS

__all__ = [
    "rules", "saturate", "Saturation", "InferenceError", "MAX_ROUNDS", "SOURCE_VARIABLE",
    "SCHEMA_PREDICATES",
]

#: Bound on fixpoint rounds (derivation depth); peacegraph data needs three or four.
MAX_ROUNDS = 16
#: The variable each rule's data pattern is scoped by: ``GRAPH ?source { … }``.
SOURCE_VARIABLE = "source"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: The predicates the rules read as schema. A source stating none of them cannot change
#: what other sources imply, so adding it only needs its own consequences (incremental).
SCHEMA_PREDICATES = (
    f"{_RDFS}subPropertyOf", f"{_RDFS}subClassOf", f"{_RDFS}domain", f"{_RDFS}range",
    f"{_OWL}inverseOf",
)


class InferenceError(RuntimeError):
    """The rules did not reach a fixpoint within the round bound."""


@dataclass(frozen=True, slots=True)
class Saturation:
    """What :func:`saturate` did: statements added in each round (the last adds none)."""

    added: tuple[int, ...]

    @property
    def rounds(self) -> int:
        """The number of rounds run, the final empty one included."""
        return len(self.added)

    @property
    def statements(self) -> int:
        """The total number of statements added."""
        return sum(self.added)


def rules(*, bulk: bool = False) -> list[str]:
    """The CONSTRUCT rules, in the order they run within one round.

    Every rule uses full IRIs (no prefixes needed), reads schema statements from the
    default graph (run it with the union of all graphs as default graph) and its data
    statement from ``GRAPH ?source``. A conclusion already stated in any graph is
    filtered out (``FILTER NOT EXISTS`` over the union); one rule may still yield the
    same new statement twice, and different rules the same one, so the caller
    deduplicates. The rules of one round are independent of each other: they may run
    in any order or at once.

    ``bulk``: the data graph is large. Rules 2–5 then subtract what is stated with
    ``MINUS`` — one hash anti-join over the statements that could match (every
    ``rdf:type`` statement; for rule 2, every statement of a property that has an
    inverse) — instead of a ``NOT EXISTS`` lookup per conclusion. Measured with
    Oxigraph 0.5 on 1M statements: rule 3 0.6 s against 5.2 s, rule 2 0.6 s against
    1.8 s; on a few hundred statements the lookups are cheaper. Rule 1 keeps its lookups
    (few conclusions). Same conclusions either way.

    Rule 4 skips ranges that are XSD datatypes or ``rdfs:Literal``: their values are
    literals, which are not typed, and scanning them cost more than the rest of the rule.

    >>> "owl#inverseOf" in rules()[1]
    True
    >>> [("MINUS" in r) for r in rules(bulk=True)]
    [False, True, True, True, True]
    """
    pg, rdf_type = PG_NS, f"<{_RDF}type>"
    inverses = f"{{ ?p <{_OWL}inverseOf> ?inverse }} UNION {{ ?inverse <{_OWL}inverseOf> ?p }}"
    return [
        # 1. subPropertyOf closure
        _rule("?s ?super ?o", schema=f"""
      ?sub <{_RDFS}subPropertyOf>+ ?super .
      FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super)""", data="?s ?sub ?o"),
        # 2. inverseOf, declared either way round
        _rule("?o ?inverse ?s", schema=f"""
      {inverses}
      FILTER(isIRI(?p) && isIRI(?inverse))""", data="?s ?p ?o", where="FILTER(!isLiteral(?o))",
              minus=f"{{ SELECT DISTINCT ?inverse WHERE {{ {inverses} }} }}" if bulk else None),
        # 3. domain typing (pg: properties only)
        _rule(f"?s {rdf_type} ?class", schema=f"""
      ?p <{_RDFS}domain> ?class .
      FILTER(isIRI(?class) && STRSTARTS(STR(?p), "{pg}"))""", data="?s ?p ?o",
              minus="" if bulk else None),
        # 4. range typing of resources (pg: properties only; literals are not typed)
        _rule(f"?o {rdf_type} ?class", schema=f"""
      ?p <{_RDFS}range> ?class .
      FILTER(isIRI(?class) && STRSTARTS(STR(?p), "{pg}") && !STRSTARTS(STR(?class), "{_XSD}")
             && ?class != <{_RDFS}Literal>)""", data="?s ?p ?o",
              where="FILTER(!isLiteral(?o))", minus="" if bulk else None),
        # 5. subClassOf closure on types
        _rule(f"?s {rdf_type} ?super", schema=f"""
      ?class <{_RDFS}subClassOf>+ ?super .
      FILTER(isIRI(?super) && ?super != ?class)""", data=f"?s {rdf_type} ?class",
              minus="" if bulk else None),
    ]


def _rule(
    conclusion: str, *, schema: str, data: str, where: str = "", minus: str | None = None
) -> str:
    """One rule: distinct conclusions from ``data`` in ``?source`` and ``schema``, minus
    what is already stated. (Shaped for Oxigraph: the inner DISTINCT makes the
    ``NOT EXISTS`` run once per conclusion, about 3x faster than once per premise.)
    ``minus``: subtract with ``MINUS { minus conclusion }`` instead, where ``minus`` is a
    pattern narrowing what the anti-join hashes (a conclusion's variables are all bound,
    so this removes exactly what ``NOT EXISTS`` would)."""
    variables = " ".join(sorted(set(re.findall(r"\?\w+", conclusion)) | {"?source"}))
    subtract = (f"FILTER NOT EXISTS {{ {conclusion} }}" if minus is None
                else f"MINUS {{ {minus} {conclusion} }}")
    return f"""CONSTRUCT {{ {conclusion} }}
WHERE {{
  {{ SELECT DISTINCT {variables} WHERE {{
    {{ SELECT DISTINCT * WHERE {{{schema} }} }}
    GRAPH ?source {{ {data} }}
    {where}
  }} }}
  {subtract}
}}"""


def saturate(run_round: Callable[[int], int], *, max_rounds: int = MAX_ROUNDS) -> Saturation:
    """Call ``run_round(1)``, ``run_round(2)``, … until a round adds nothing.

    ``run_round(k)`` applies every rule once (round 1 to all data, round *k* to what
    round *k − 1* added), stores the new conclusions and returns how many there were.
    Guarantees: on return the fixpoint is reached (the last round added nothing); if it
    is not reached within ``max_rounds`` rounds, :class:`InferenceError` is raised and
    the caller discards what was added.

    >>> added = iter([5, 2, 0])
    >>> saturate(lambda k: next(added))
    Saturation(added=(5, 2, 0))
    >>> saturate(lambda k: 1, max_rounds=3)
    Traceback (most recent call last):
    ...
    graph.inference.InferenceError: inference did not reach a fixpoint in 3 rounds
    """
    added: list[int] = []
    for round_number in range(1, max_rounds + 1):
        count = run_round(round_number)
        added.append(count)
        if count == 0:
            return Saturation(tuple(added))
    raise InferenceError(f"inference did not reach a fixpoint in {max_rounds} rounds")
