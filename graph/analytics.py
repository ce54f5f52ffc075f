"""Network analytics: networkx projections whose edge set is itself a saved query.

A *projection* is a graph built from the rows of one saved query ``queries/edges-NAME.rq``
(kglab's ``SubgraphMatrix`` idea, without its god-object): each row is one edge, with the
columns ``source, sourceLabel, sourceType, target, targetLabel, targetType, predicate,
predicateLabel`` and optionally ``quote``, ``trackNumber`` and ``date``. Only what the
query selects becomes an edge, so ontology classes and label literals never enter the
network (a projection of every statement would rank ``owl:Class`` first).

=================  ==================================================================
``precedents``     track → precedent (the precedent link, with its quote), precedent →
                   issue it informs, track → issue it covers
``participation``  party → agreement or talks, one edge per recorded step; the status is
                   the predicate, with its date
``institutions``   institution → agreement that established it, institution → parent,
                   agreement → verification mechanism, mechanism → institution running it
``tracks``         track → party at its table
=================  ==================================================================

Nodes are IRIs (``str``) carrying ``label``, ``type`` (the most specific ``pg:`` class),
``role`` (track, precedent, issue, party, agreement, institution, mechanism, other) and
``date_*`` attributes from the ``timeline`` saved query (``date_signed``,
``date_entered_into_force``, …); edges carry ``predicate``, ``label``, ``projection`` and,
where there is one, ``quote``, ``track`` and ``date``. No attribute is ever ``None``, so a
projection can be written as GraphML as it is.

The analyses (:func:`centrality`, :func:`path`, :func:`communities`, :func:`overlap`,
:func:`gaps`, :func:`node_attributes`) return tuples of frozen records holding plain
values. They are deterministic: the same store gives the same records in the same order,
floats rounded to :data:`PRECISION` places. :func:`network` (the union the first three
work on) leaves out the participation steps that record that a party is *outside* an
agreement (:data:`NON_TIES`: "not a party", "did not sign"): a recorded refusal is a fact
about the agreement, not a tie to it.

>>> projections()["precedents"].name
'edges-precedents'
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph import queries as saved
from ontology import ID_NS, PG_NS, PREFIXES

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "PROJECTION_PREFIX", "PRECISION", "SEED", "SIX", "PREDECESSORS", "JOINING", "EXITS",
    "NON_TIES", "AGREEMENT_TYPES", "PARTY_TYPES", "ROLES", "GAP_KINDS", "MAX_PATHS",
    "AnalysisError", "UnknownProjection", "UnknownNode", "NoPath",
    "Centrality", "Hop", "Member", "OverlapCell", "Gap",
    "projections", "projection", "network", "resolve", "undirected",
    "centrality", "path", "communities", "overlap", "gaps", "node_attributes",
]

#: A saved query named ``edges-NAME`` defines the projection ``NAME``.
PROJECTION_PREFIX = "edges-"
#: Decimal places every float result is rounded to.
PRECISION = 6
#: The default seed of the community detection.
SEED = 42
#: The six states of the article, in its order.
SIX: tuple[str, ...] = tuple(ID_NS + s for s in (
    "state-us", "state-rok", "state-dprk", "state-prc", "state-japan", "state-russia"))
#: A state → its predecessor, whose steps :func:`overlap` counts only when asked.
PREDECESSORS: Mapping[str, str] = {ID_NS + "state-russia": ID_NS + "state-ussr"}
#: Statuses that make a party bound by an agreement (as `shared-commitments` counts them).
JOINING = frozenset(PG_NS + s for s in ("Signed", "Ratified", "Acceded", "StateParty",
                                        "Participant"))
#: Statuses that end or refuse being bound, when they are a party's latest step.
EXITS = frozenset(PG_NS + s for s in ("DidNotSign", "NotParty", "Withdrew"))
#: Statuses that record a party is outside an agreement: no edge of :func:`network`.
NON_TIES = frozenset(PG_NS + s for s in ("DidNotSign", "NotParty"))
#: The agreement classes of docs/design.md.
AGREEMENT_TYPES = frozenset(PG_NS + c for c in (
    "Agreement", "Treaty", "Armistice", "JointStatement", "Declaration",
    "SecurityCouncilResolution", "FrameworkAgreement"))
#: The party classes.
PARTY_TYPES = frozenset(PG_NS + c for c in ("State", "MilitaryCommand",
                                             "InternationalOrganization"))
#: Node roles, in the order a node takes the first that fits.
ROLES = ("track", "precedent", "issue", "party", "agreement", "institution", "mechanism",
         "other")
#: Kinds of :class:`Gap`, in report order.
GAP_KINDS = ("track-without-precedent", "issue-without-precedent",
             "precedent-without-verification", "verification-without-body",
             "party-without-status")
#: :func:`path` weighs at most this many shortest paths against each other.
MAX_PATHS = 10_000

_PRECEDENT = PG_NS + "precedent"
_INFORMS = PG_NS + "informsIssue"
_HAS_ISSUE = PG_NS + "hasIssue"
_PARTICIPANT = PG_NS + "participant"
_HAS_VERIFICATION = PG_NS + "hasVerification"
_OPERATED_BY = PG_NS + "operatedBy"
_TRACK = PG_NS + "Track"
_ISSUE = PG_NS + "Issue"
_INSTITUTION = PG_NS + "Institution"
_MECHANISM = PG_NS + "VerificationMechanism"
_CURATED_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:([^\s<>\"{}|^`\\]*)")
_ABSOLUTE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)[^\s<>\"{}|^`\\\x00-\x20]+")
_NOT_A_NAME = re.compile(r"[^a-z0-9]+")


# ------------------------------------------------------------------ errors


class AnalysisError(Exception):
    """An analysis could not run as asked; ``str()`` is one line for the user."""


class UnknownProjection(AnalysisError, ValueError):
    """No ``queries/edges-NAME.rq`` has that name.

    >>> str(UnknownProjection("precedent", ["institutions", "precedents"]))
    "no projection named 'precedent'; did you mean precedents? (known: institutions, precedents)"
    """

    def __init__(self, name: str, known: Sequence[str]) -> None:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"no projection named '{name}'{hint} (known: {', '.join(known)})")


class UnknownNode(AnalysisError, ValueError):
    """An entity that is not a node of the graph analysed; ``str()`` suggests close ones."""


class NoPath(AnalysisError, LookupError):
    """Two nodes are not connected in the graph analysed."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0])


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class Centrality:
    """How central one node is in the network.

    ``tracks`` is the number of tracks the node reaches (``track_numbers`` lists them): a
    track that is a neighbour, or a neighbour of a neighbour that is not a party —
    parties sit at several tracks' tables, so counting through them would let every
    agreement the United States joined reach the United States' five tracks. ``degree``
    counts distinct neighbours; ``betweenness`` is the normalised betweenness centrality
    of the undirected network, rounded to :data:`PRECISION` places.
    """

    rank: int
    node: str
    label: str
    role: str
    type: str
    tracks: int
    track_numbers: tuple[int, ...]
    degree: int
    betweenness: float


@dataclass(frozen=True)
class Hop:
    """One step of an explained path, in the true direction of its statement.

    The statement is ``subject —predicate→ object``; ``forward`` is true when the walk
    from the path's start goes from subject to object, false when it goes against the
    statement (``←``). ``quote`` is the evidence quote of the edge, or ``None``.
    """

    step: int
    subject: str
    subject_label: str
    predicate: str
    predicate_label: str
    object: str
    object_label: str
    forward: bool
    quote: str | None
    projection: str


@dataclass(frozen=True)
class Member:
    """One node of one community (communities are numbered from 1, largest first)."""

    community: int
    size: int
    node: str
    label: str
    role: str
    type: str


@dataclass(frozen=True)
class OverlapCell:
    """The Jaccard similarity of two states' sets of agreements (one matrix cell).

    ``shared`` and ``union`` count agreements; ``agreements`` names the shared ones
    (labels, sorted); ``jaccard`` is ``shared / union``, and 1.0 when both sets are equal
    (so the diagonal is 1.0 even for a state bound by nothing).
    """

    state_a: str
    label_a: str
    state_b: str
    label_b: str
    shared: int
    union: int
    jaccard: float
    agreements: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """Something the graph does not (yet) connect; ``kind`` is one of :data:`GAP_KINDS`.

    ``subject`` is the track, issue, precedent or party concerned; ``related`` the
    precedent a party has no status on (``party-without-status``), else ``None``;
    ``tracks`` the numbers of the tracks concerned; ``detail`` says what is missing.
    """

    kind: str
    subject: str
    subject_label: str
    tracks: tuple[int, ...]
    related: str | None
    related_label: str | None
    detail: str


# ------------------------------------------------------------------ projections


def projections() -> dict[str, saved.SavedQuery]:
    """Every projection by name: the saved queries named ``edges-NAME``, sorted by name.

    >>> sorted(projections())
    ['institutions', 'participation', 'precedents', 'tracks']
    """
    catalogue = saved.catalogue()
    return {name[len(PROJECTION_PREFIX):]: catalogue[name] for name in sorted(catalogue)
            if name.startswith(PROJECTION_PREFIX)}


def _projection_query(name: str) -> tuple[str, saved.SavedQuery]:
    known = projections()
    short = name[len(PROJECTION_PREFIX):] if name.startswith(PROJECTION_PREFIX) else name
    if short not in known:
        raise UnknownProjection(name, sorted(known))
    return short, known[short]


def projection(store: Store, name: str, /, **params: object) -> nx.MultiDiGraph:
    """The projection ``name`` (``precedents`` or ``edges-precedents``) as a MultiDiGraph.

    Runs the saved query (``params`` are bound as :func:`graph.queries.run` binds them)
    and adds one edge per distinct row, in a fixed order (nodes and edges sorted), so two
    calls on the same store build identical graphs. A node's ``type`` is the smallest of
    its most specific ``pg:`` classes if the data gives it several. Raises
    :class:`UnknownProjection`; never changes the store.

    >>> import tempfile
    >>> from graph.store import Store
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
    ...     g = projection(store, "precedents")
    >>> (g.graph["name"], g.number_of_nodes())
    ('precedents', 0)
    """
    return _project(store, name, _dates(store), **params)


def _project(store: Store, name: str, dates: Mapping[str, Mapping[str, str]],
             **params: object) -> nx.MultiDiGraph:
    short, query = _projection_query(name)
    result = saved.run(store, query, **params)
    assert not isinstance(result, (bool, list)), "an edges-* query is a SELECT"
    return _build(short, query.name, [{k: t.value for k, t in row.items()}
                                      for row in result.rows], dates)


def _dates(store: Store) -> dict[str, dict[str, str]]:
    """``date_<event>`` attributes per item, from the ``timeline`` saved query."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    result = saved.run(store, "timeline")
    assert not isinstance(result, (bool, list))
    for row in result.rows:
        if "item" in row and "date" in row and "event" in row:
            key = "date_" + _NOT_A_NAME.sub("_", row["event"].value.lower()).strip("_")
            found[row["item"].value][key].add(row["date"].value)
    return {item: {k: " ".join(sorted(v)) for k, v in sorted(keys.items())}
            for item, keys in found.items()}


def _build(name: str, query: str, rows: Iterable[Mapping[str, str]],
           dates: Mapping[str, Mapping[str, str]]) -> nx.MultiDiGraph:
    nodes: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str, str, str, str, int | None, str]] = set()
    for row in rows:
        if "source" not in row or "target" not in row or "predicate" not in row:
            continue
        for end in ("source", "target"):
            iri = row[end]
            found = nodes.setdefault(iri, {})
            label = row.get(end + "Label")
            if label and ("label" not in found or label < found["label"]):
                found["label"] = label
            kind = row.get(end + "Type")
            if kind and ("type" not in found or kind < found["type"]):
                found["type"] = kind
        number = int(row["trackNumber"]) if row.get("trackNumber", "").isdigit() else None
        if number is not None and nodes[row["source"]].get("type") == _TRACK:
            nodes[row["source"]]["track_number"] = number
        edges.add((row["source"], row["target"], row["predicate"],
                   row.get("predicateLabel") or _local(row["predicate"]),
                   row.get("quote", ""), number, row.get("date", "")))
    graph = nx.MultiDiGraph(name=name, query=query)
    for iri in sorted(nodes):
        graph.add_node(iri, **{"label": iri, "type": "", **nodes[iri], **dates.get(iri, {})})
    for source, target, predicate, label, quote, number, date in sorted(
            edges, key=lambda e: (e[0], e[1], e[2], e[6], e[4], e[5] or 0, e[3])):
        attrs: dict[str, Any] = {"predicate": predicate, "label": label, "projection": name}
        if quote:
            attrs["quote"] = quote
        if number is not None:
            attrs["track"] = number
        if date:
            attrs["date"] = date
        graph.add_edge(source, target, **attrs)
    _assign_roles(graph)
    return graph


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1] or iri


def _assign_roles(graph: nx.MultiDiGraph) -> None:
    """Set each node's ``role``: the first of :data:`ROLES` that fits."""
    precedents = {v for _, v, p in graph.edges(data="predicate") if p == _PRECEDENT}
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("type", "")
        if kind == _TRACK:
            role = "track"
        elif node in precedents:
            role = "precedent"
        elif kind == _ISSUE:
            role = "issue"
        elif kind in PARTY_TYPES:
            role = "party"
        elif kind in AGREEMENT_TYPES:
            role = "agreement"
        elif kind == _INSTITUTION:
            role = "institution"
        elif kind == _MECHANISM:
            role = "mechanism"
        else:
            role = "other"
        attrs["role"] = role


def network(store: Store, *, names: Sequence[str] | None = None,
            ties_only: bool = True) -> nx.MultiDiGraph:
    """The union of the projections ``names`` (default: all of them) as one MultiDiGraph.

    With ``ties_only`` (the default) the participation steps in :data:`NON_TIES` are left
    out. A node's attributes are the union of its attributes in each projection; a node's
    ``role`` is recomputed on the union. Raises :class:`UnknownProjection`.

    >>> import tempfile
    >>> from graph.store import Store
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
    ...     network(store).graph["projections"]
    'institutions participation precedents tracks'
    """
    chosen = sorted({_projection_query(n)[0] for n in (names or list(projections()))})
    dates = _dates(store)
    parts = [_project(store, n, dates) for n in chosen]
    union = nx.MultiDiGraph(name="network", projections=" ".join(chosen))
    nodes: dict[str, dict[str, Any]] = {}
    for part in parts:
        for node, attrs in part.nodes(data=True):
            merged = nodes.setdefault(node, {})
            for key, value in attrs.items():
                if key not in merged or (merged[key] in ("", node) and value not in ("", node)):
                    merged[key] = value
    union.add_nodes_from(sorted(nodes.items()))
    for part in parts:
        for u, v, attrs in part.edges(data=True):
            if ties_only and attrs["predicate"] in NON_TIES:
                continue
            union.add_edge(u, v, **attrs)
    _assign_roles(union)
    return union


def undirected(graph: nx.MultiDiGraph) -> nx.Graph:
    """The simple undirected graph of ``graph``: one edge per linked pair, nodes sorted.

    Node attributes are kept; parallel and opposite edges collapse into one edge whose
    ``weight`` is their number.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("b", "a"); g.add_edge("a", "b"); g.add_edge("a", "c")
    0
    0
    0
    >>> sorted(undirected(g).edges(data="weight"))
    [('a', 'b', 2), ('a', 'c', 1)]
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes(data=True)))
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for u, v in graph.edges():
        if u != v:
            weights[(min(u, v), max(u, v))] += 1
    simple.add_edges_from((u, v, {"weight": w}) for (u, v), w in sorted(weights.items()))
    return simple


def resolve(graph: nx.Graph | nx.MultiDiGraph, text: str) -> str:
    """The node of ``graph`` that ``text`` names: an IRI (optionally in ``<…>``), a
    prefixed name (``pgid:opcw``), a curated id (``opcw``) or a node's exact label
    (ignoring case). Raises :class:`UnknownNode` with close suggestions.

    >>> g = nx.Graph(); g.add_node(ID_NS + "opcw", label="OPCW")
    >>> resolve(g, "opcw") == resolve(g, "pgid:opcw") == resolve(g, "Opcw") == ID_NS + "opcw"
    True
    """
    value = text.strip()
    inner = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    candidates = [inner]
    if _CURATED_ID.fullmatch(inner):
        candidates.append(ID_NS + inner)
    prefixed = _PREFIXED.fullmatch(inner)
    if prefixed and not _ABSOLUTE.fullmatch(inner) and (prefixed.group(1) or "") in PREFIXES:
        candidates.append(PREFIXES[prefixed.group(1) or ""] + prefixed.group(2))
    for candidate in candidates:
        if candidate in graph:
            return candidate
    by_label = sorted(n for n, label in graph.nodes(data="label")
                      if isinstance(label, str) and label.casefold() == value.casefold())
    if len(by_label) == 1:
        return by_label[0]
    names = {n[len(ID_NS):] if n.startswith(ID_NS) else n: n for n in graph}
    names.update({label: n for n, label in graph.nodes(data="label") if isinstance(label, str)})
    close = difflib.get_close_matches(value, sorted(names), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    if len(by_label) > 1:
        hint = f"; the label names {len(by_label)} nodes, give an id"
    raise UnknownNode(f"'{text}' is not a node of the network{hint}")


# ------------------------------------------------------------------ centrality


def _tracks_reached(graph: nx.Graph) -> dict[str, tuple[int, ...]]:
    numbers = {n: a["track_number"] for n, a in graph.nodes(data=True)
               if a.get("role") == "track" and "track_number" in a}
    reached: dict[str, tuple[int, ...]] = {}
    for node in graph:
        found = {numbers[m] for m in graph[node] if m in numbers}
        for middle in graph[node]:
            if middle in numbers or graph.nodes[middle].get("role") == "party":
                continue
            found.update(numbers[m] for m in graph[middle] if m in numbers and m != node)
        reached[node] = tuple(sorted(found))
    return reached


def _betweenness(graph: nx.Graph) -> dict[str, float]:
    """Exact normalised betweenness centrality of every node of an undirected graph.

    The same numbers as ``nx.betweenness_centrality(graph, normalized=True)`` (Brandes'
    algorithm), computed by rustworkx in Rust on every core: networkx's pure-Python loop
    took about 30 minutes on the 12,632 nodes and 65,655 edges of the 1M-statement
    benchmark graph, rustworkx 17 s, so the snapshot need not fall back on sampling.

    >>> g = nx.path_graph(["a", "b", "c"])
    >>> _betweenness(g)
    {'a': 0.0, 'b': 1.0, 'c': 0.0}
    """
    import rustworkx as rx

    names = list(graph)
    index = {name: number for number, name in enumerate(names)}
    simple = rx.PyGraph(multigraph=False)
    simple.add_nodes_from(names)
    simple.add_edges_from_no_data([(index[u], index[v]) for u, v in graph.edges()])
    found = rx.graph_betweenness_centrality(simple, normalized=True)
    return {name: float(found[number]) for number, name in enumerate(names)}


def _scores(graph: nx.Graph) -> dict[str, tuple[tuple[int, ...], int, float]]:
    """(tracks reached, degree, betweenness) of every node of an undirected graph."""
    reached = _tracks_reached(graph)
    between = _betweenness(graph)
    return {n: (reached[n], graph.degree(n), round(between[n], PRECISION) + 0.0)
            for n in graph}


def centrality(store: Store, *, roles: Sequence[str] = ("precedent", "issue", "party"),
               names: Sequence[str] | None = None) -> tuple[Centrality, ...]:
    """Nodes of the given roles ranked by how many tracks they bridge.

    Computed on the undirected :func:`network` of the projections ``names``; ranked by
    tracks reached, then betweenness, then degree (all descending), then label and IRI.
    ``rank`` counts from 1 within the roles asked for. Raises :class:`UnknownProjection`
    and ``ValueError`` for an unknown role.

    >>> import tempfile
    >>> from graph.store import Store
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
    ...     centrality(store)
    ()
    """
    _check_roles(roles)
    graph = undirected(network(store, names=names))
    scores = _scores(graph)
    chosen = [n for n, role in graph.nodes(data="role") if role in roles]
    chosen.sort(key=lambda n: (-len(scores[n][0]), -scores[n][2], -scores[n][1],
                               graph.nodes[n]["label"].casefold(), n))
    return tuple(Centrality(rank=i, node=n, label=graph.nodes[n]["label"],
                            role=graph.nodes[n]["role"], type=graph.nodes[n]["type"],
                            tracks=len(scores[n][0]), track_numbers=scores[n][0],
                            degree=scores[n][1], betweenness=scores[n][2])
                 for i, n in enumerate(chosen, 1))


def _check_roles(roles: Sequence[str]) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role '{unknown[0]}' (known: {', '.join(ROLES)})")


# ------------------------------------------------------------------ paths


def path(store: Store, start: str, end: str, *,
         names: Sequence[str] | None = None) -> tuple[Hop, ...]:
    """The shortest explained path from ``start`` to ``end`` over the :func:`network`.

    ``start`` and ``end`` are anything :func:`resolve` takes. The search treats edges as
    undirected; each :class:`Hop` is reported in the true direction of its statement.
    Among the shortest paths (at most :data:`MAX_PATHS` weighed), the one with the most
    hops backed by an evidence quote wins, then the one whose node IRIs come first; for
    a hop with several statements, the one with a quote, then in the walking direction,
    then the smallest predicate IRI. A path from a node to itself is empty. Raises
    :class:`UnknownNode` and :class:`NoPath`.
    """
    multi = network(store, names=names)
    source, target = resolve(multi, start), resolve(multi, end)
    graph = undirected(multi)
    try:
        candidates = list(itertools.islice(nx.all_shortest_paths(graph, source, target),
                                           MAX_PATHS))
    except nx.NetworkXNoPath:
        raise NoPath(f"no path between {multi.nodes[source]['label']} and "
                     f"{multi.nodes[target]['label']} in the projections "
                     f"{multi.graph['projections']} (a recorded 'not a party' or 'did not "
                     "sign' is not a tie)") from None
    best = min(candidates, key=lambda nodes: (
        -sum(1 for u, v in zip(nodes, nodes[1:]) if _statement(multi, u, v)[3].get("quote")),
        nodes))
    hops = []
    for step, (u, v) in enumerate(zip(best, best[1:]), 1):
        subject, obj, forward, attrs = _statement(multi, u, v)
        hops.append(Hop(step=step, subject=subject, subject_label=multi.nodes[subject]["label"],
                        predicate=attrs["predicate"], predicate_label=attrs["label"],
                        object=obj, object_label=multi.nodes[obj]["label"], forward=forward,
                        quote=attrs.get("quote"), projection=attrs["projection"]))
    return tuple(hops)


def _statement(graph: nx.MultiDiGraph, u: str, v: str) -> tuple[str, str, bool, dict[str, Any]]:
    """(subject, object, forward, edge attributes) of the best statement linking u and v."""
    options = [(u, v, True, a) for a in (graph.get_edge_data(u, v) or {}).values()]
    options += [(v, u, False, a) for a in (graph.get_edge_data(v, u) or {}).values()]
    return min(options, key=lambda o: (not o[3].get("quote"), not o[2], o[3]["predicate"],
                                       o[3].get("quote", ""), o[3].get("date", "")))


# ------------------------------------------------------------------ communities


def communities(store: Store, *, roles: Sequence[str] = ("issue", "precedent"),
                names: Sequence[str] | None = None, seed: int = SEED) -> tuple[Member, ...]:
    """Clusters of the :func:`network` (Louvain, seeded), listing members of ``roles``.

    Communities are found on the whole undirected network (edge weight: the number of
    statements linking two nodes) with ``networkx.community.louvain_communities(seed=…)``
    over a graph built in sorted order, so the same store and seed give the same
    partition. They are numbered from 1 by size (largest first), then by their first
    member's IRI; members are sorted by community, role (in :data:`ROLES` order), label
    and IRI. Only members whose role is in ``roles`` are returned; ``size`` counts all.
    """
    _check_roles(roles)
    graph = undirected(network(store, names=names))
    numbered = _partition(graph, seed=seed)
    members = [Member(community=number, size=size, node=n, label=graph.nodes[n]["label"],
                      role=graph.nodes[n]["role"], type=graph.nodes[n]["type"])
               for n, (number, size) in numbered.items() if graph.nodes[n]["role"] in roles]
    members.sort(key=lambda m: (m.community, ROLES.index(m.role), m.label.casefold(), m.node))
    return tuple(members)


def _partition(graph: nx.Graph, *, seed: int) -> dict[str, tuple[int, int]]:
    """node → (community number, community size)."""
    if not len(graph):
        return {}
    # integer nodes in sorted order: the method keeps sets of nodes, and the iteration
    # order of a set of strings changes with PYTHONHASHSEED; of small ints it does not
    names = sorted(graph)
    numbered = nx.relabel_nodes(graph, {n: i for i, n in enumerate(names)}, copy=True)
    found = nx.community.louvain_communities(numbered, weight="weight", seed=seed)
    ordered = sorted((sorted(names[i] for i in c) for c in found), key=lambda c: (-len(c), c[0]))
    return {n: (i, len(c)) for i, c in enumerate(ordered, 1) for n in c}


# ------------------------------------------------------------------ overlap


def overlap(store: Store, *, predecessor: bool = False) -> tuple[OverlapCell, ...]:
    """The 6×6 Jaccard matrix of the agreements each of the six states is bound by.

    A state is bound by an agreement (any of :data:`AGREEMENT_TYPES`; talks and processes
    do not count) when it has a step with a :data:`JOINING` status in it and its latest
    step there is not one of :data:`EXITS` — latest meaning that no other step of that
    state in that agreement is dated later (an undated exit is latest only if none of the
    steps is dated). This is the rule of the `shared-commitments` and `non-parties` saved
    queries: expired agreements count, voting for a Security Council resolution does not.
    Russia's set leaves out the Soviet Union's steps unless ``predecessor`` is true, in
    which case they count as Russia's own (the data does not assert succession).

    Returns 36 cells, row by row in :data:`SIX` order: symmetric, 1.0 on the diagonal.
    """
    graph = _project(store, "participation", {})
    steps: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    owner = {state: state for state in SIX}
    if predecessor:
        owner.update({old: new for new, old in PREDECESSORS.items()})
    for party, agreement, attrs in graph.edges(data=True):
        if party in owner and graph.nodes[agreement].get("type") in AGREEMENT_TYPES:
            steps[(owner[party], agreement)].append((attrs["predicate"], attrs.get("date", "")))
    bound: dict[str, set[str]] = {state: set() for state in SIX}
    for (state, agreement), recorded in steps.items():
        if _is_bound(recorded):
            bound[state].add(agreement)
    labels = {state: graph.nodes[state]["label"] if state in graph else state.rsplit("/", 1)[-1]
              for state in SIX}
    cells = []
    for a in SIX:
        for b in SIX:
            shared, union = bound[a] & bound[b], bound[a] | bound[b]
            jaccard = 1.0 if bound[a] == bound[b] else len(shared) / len(union)
            cells.append(OverlapCell(
                state_a=a, label_a=labels[a], state_b=b, label_b=labels[b],
                shared=len(shared), union=len(union), jaccard=round(jaccard, PRECISION),
                agreements=tuple(sorted((graph.nodes[x]["label"] for x in shared),
                                        key=lambda s: (s.casefold(), s)))))
    return tuple(cells)


def _is_bound(steps: Sequence[tuple[str, str]]) -> bool:
    """Whether (status, date) steps of one party in one agreement leave it bound.

    >>> S, W, P = PG_NS + "Signed", PG_NS + "Withdrew", PG_NS + "StateParty"
    >>> _is_bound([(P, "1985-12-12"), (W, "2003-04-10")]), _is_bound([(S, ""), (W, "")])
    (False, False)
    >>> _is_bound([(W, "1990"), (P, "1995")]), _is_bound([(W, ""), (P, "1995")])
    (True, True)
    """
    if not any(status in JOINING for status, _ in steps):
        return False
    for i, (status, date) in enumerate(steps):
        if status in EXITS and not any(
                other and (not date or other > date)
                for j, (_, other) in enumerate(steps) if j != i):
            return False
    return True


# ------------------------------------------------------------------ gaps


def gaps(store: Store) -> tuple[Gap, ...]:
    """What the graph leaves unconnected, by kind (:data:`GAP_KINDS`).

    - ``track-without-precedent``: a track no precedent link starts from;
    - ``issue-without-precedent``: an issue of a track that no precedent informs;
    - ``precedent-without-verification``: a precedent that is an agreement and has no
      verification mechanism recorded (the set of the `precedents-without-verification`
      saved query);
    - ``verification-without-body``: a precedent agreement whose mechanisms are all run
      by no recorded institution;
    - ``party-without-status``: one of the six states at a track's table with no recorded
      step at all (any status) in an agreement that track leans on. Russia's gaps do not
      look at Soviet steps; ``detail`` says when the Soviet Union has one.

    Sorted by kind, then track numbers, subject label, related label and IRIs.
    """
    precedents, institutions, participation, tracks = (
        _project(store, name, {}) for name in ("precedents", "institutions", "participation",
                                                "tracks"))
    found: list[Gap] = []

    def label(iri: str, *graphs: nx.MultiDiGraph) -> str:
        for g in graphs:
            if iri in g:
                return str(g.nodes[iri]["label"])
        return iri

    track_numbers: dict[str, int] = {}
    for g in (precedents, tracks):
        track_numbers.update({n: a["track_number"] for n, a in g.nodes(data=True)
                              if a.get("type") == _TRACK and "track_number" in a})
    leans_on: dict[str, set[str]] = defaultdict(set)   # track → precedents
    cited_by: dict[str, set[int]] = defaultdict(set)   # precedent → track numbers
    informed: set[str] = set()
    issue_tracks: dict[str, set[int]] = defaultdict(set)
    for u, v, a in precedents.edges(data=True):
        if a["predicate"] == _PRECEDENT:
            leans_on[u].add(v)
            cited_by[v].add(a.get("track", track_numbers.get(u, 0)))
        elif a["predicate"] == _INFORMS:
            informed.add(v)
        elif a["predicate"] == _HAS_ISSUE:
            issue_tracks[v].add(a.get("track", track_numbers.get(u, 0)))
    for track, number in track_numbers.items():
        if not leans_on.get(track):
            found.append(Gap("track-without-precedent", track, label(track, precedents, tracks),
                             (number,), None, None, "no precedent link names this track"))
    for issue, numbers in issue_tracks.items():
        if issue not in informed:
            found.append(Gap("issue-without-precedent", issue, label(issue, precedents),
                             tuple(sorted(numbers)), None, None,
                             "no precedent link informs this issue"))
    for precedent, numbers in cited_by.items():
        if precedents.nodes[precedent].get("type") not in AGREEMENT_TYPES:
            continue
        mechanisms = sorted(v for _, v, p in institutions.out_edges(precedent, data="predicate")
                            if p == _HAS_VERIFICATION) if precedent in institutions else []
        name = label(precedent, precedents)
        if not mechanisms:
            found.append(Gap("precedent-without-verification", precedent, name,
                             tuple(sorted(numbers)), None, None,
                             "no verification mechanism recorded"))
        elif not any(p == _OPERATED_BY for m in mechanisms
                     for _, _, p in institutions.out_edges(m, data="predicate")):
            found.append(Gap("verification-without-body", precedent, name,
                             tuple(sorted(numbers)), None, None,
                             "no institution recorded as running "
                             + "; ".join(label(m, institutions) for m in mechanisms)))
    stepped = {(u, v) for u, v in participation.edges()}
    at_table = [(t, p) for t, p, a in tracks.edges(data=True)
                if a["predicate"] == _PARTICIPANT and p in SIX]
    for track, party in at_table:
        for precedent in sorted(leans_on.get(track, ())):
            if precedents.nodes[precedent].get("type") not in AGREEMENT_TYPES:
                continue
            if (party, precedent) in stepped:
                continue
            detail = "no recorded step (signed, party, not a party, …)"
            old = PREDECESSORS.get(party)
            if old and (old, precedent) in stepped:
                statuses = sorted({str(a["label"]) for _, v, a in
                                   participation.out_edges(old, data=True) if v == precedent})
                detail += (f"; the {label(old, participation)} has one "
                           f"({', '.join(statuses)}), not counted as {label(party, tracks)}'s")
            found.append(Gap("party-without-status", party, label(party, tracks),
                             (track_numbers.get(track, 0),), precedent,
                             label(precedent, precedents), detail))
    found.sort(key=lambda g: (GAP_KINDS.index(g.kind), g.tracks, g.subject_label.casefold(),
                              (g.related_label or "").casefold(), g.subject, g.related or ""))
    return tuple(found)


# ------------------------------------------------------------------ for snapshots


def node_attributes(store: Store, *, seed: int = SEED, graph: nx.MultiDiGraph | None = None
                    ) -> dict[str, dict[str, str | int | float]]:
    """Per node of the whole :func:`network`: attributes to write into GraphML.

    ``label``, ``type``, ``role``; ``degree``; ``centrality`` (normalised betweenness,
    rounded to :data:`PRECISION` places); ``tracks_reached`` (see :class:`Centrality`);
    ``community`` (the number :func:`communities` gives with the same ``seed``). Every
    value is a ``str``, ``int`` or ``float``; keys are node IRIs, in sorted order.
    ``graph`` is ``network(store)`` when the caller has built it already (it is not
    changed); otherwise it is built here.

    >>> import tempfile
    >>> from graph.store import Store
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
    ...     node_attributes(store)
    {}
    """
    graph = undirected(network(store) if graph is None else graph)
    scores = _scores(graph)
    numbered = _partition(graph, seed=seed)
    return {n: {"label": str(a["label"]), "type": str(a["type"]), "role": str(a["role"]),
                "degree": scores[n][1], "centrality": scores[n][2],
                "tracks_reached": len(scores[n][0]), "community": numbered[n][0]}
            for n, a in graph.nodes(data=True)}
