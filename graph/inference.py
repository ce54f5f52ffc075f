"""What the ontology implies, as SPARQL CONSTRUCT rules the store materialises.

After every load :mod:`graph.store` clears ``pgg:inferred`` and saturates it with
:func:`rules`, evaluated inside Oxigraph with the union of all graphs as the default
graph. Each rule reads its schema statements (``rdfs:subClassOf`` …) from the union and
its one *data* statement from ``GRAPH ?source { … }``. Evaluation is semi-naive: round 1
leaves ``?source`` unbound (every named graph); round *k* binds it (pyoxigraph
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
4. ``rdfs:range`` typing of IRI and blank node objects, for ``pg:`` properties;
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

__all__ = ["rules", "saturate", "Saturation", "InferenceError", "MAX_ROUNDS", "SOURCE_VARIABLE"]

#: Bound on fixpoint rounds (derivation depth); peacegraph data needs three or four.
MAX_ROUNDS = 16
#: The variable each rule's data pattern is scoped by: ``GRAPH ?source { … }``.
SOURCE_VARIABLE = "source"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"


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


def rules() -> list[str]:
    """The CONSTRUCT rules, in the order they run within one round.

    Every rule uses full IRIs (no prefixes needed), reads schema statements from the
    default graph (run it with the union of all graphs as default graph) and its data
    statement from ``GRAPH ?source``. A conclusion already stated in any graph is
    filtered out (``FILTER NOT EXISTS`` over the union); one rule may still yield the
    same new statement twice, so the caller deduplicates.

    >>> "owl#inverseOf" in rules()[1]
    True
    """
    pg, rdf_type = PG_NS, f"<{_RDF}type>"
    return [
        # 1. subPropertyOf closure
        _rule("?s ?super ?o", schema=f"""
      ?sub <{_RDFS}subPropertyOf>+ ?super .
      FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super)""", data="?s ?sub ?o"),
        # 2. inverseOf, declared either way round
        _rule("?o ?inverse ?s", schema=f"""
      {{ ?p <{_OWL}inverseOf> ?inverse }} UNION {{ ?inverse <{_OWL}inverseOf> ?p }}
      FILTER(isIRI(?p) && isIRI(?inverse))""", data="?s ?p ?o", where="FILTER(!isLiteral(?o))"),
        # 3. domain typing (pg: properties only)
        _rule(f"?s {rdf_type} ?class", schema=f"""
      ?p <{_RDFS}domain> ?class .
      FILTER(isIRI(?class) && STRSTARTS(STR(?p), "{pg}"))""", data="?s ?p ?o"),
        # 4. range typing of resources (pg: properties only; literals are not typed)
        _rule(f"?o {rdf_type} ?class", schema=f"""
      ?p <{_RDFS}range> ?class .
      FILTER(isIRI(?class) && STRSTARTS(STR(?p), "{pg}"))""", data="?s ?p ?o",
              where="FILTER(!isLiteral(?o))"),
        # 5. subClassOf closure on types
        _rule(f"?s {rdf_type} ?super", schema=f"""
      ?class <{_RDFS}subClassOf>+ ?super .
      FILTER(isIRI(?super) && ?super != ?class)""", data=f"?s {rdf_type} ?class"),
    ]


def _rule(conclusion: str, *, schema: str, data: str, where: str = "") -> str:
    """One rule: distinct conclusions from ``data`` in ``?source`` and ``schema``, minus
    what is already stated. (Shaped for Oxigraph: the inner DISTINCT makes the
    ``NOT EXISTS`` run once per conclusion, about 3x faster than once per premise.)"""
    variables = " ".join(sorted(set(re.findall(r"\?\w+", conclusion)) | {"?source"}))
    return f"""CONSTRUCT {{ {conclusion} }}
WHERE {{
  {{ SELECT DISTINCT {variables} WHERE {{
    {{ SELECT DISTINCT * WHERE {{{schema} }} }}
    GRAPH ?source {{ {data} }}
    {where}
  }} }}
  FILTER NOT EXISTS {{ {conclusion} }}
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
