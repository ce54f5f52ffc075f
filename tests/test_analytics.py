"""Network analytics (graph/analytics.py, `peacegraph analyze`) on the bundled data.

Expected answers are worked out by hand from data/*.yaml, as each test says: tracks.yaml
(who sits at which table, which issues), precedents.yaml (which track leans on what),
institutions.yaml and verification.yaml, participations.yaml (who joined what).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ontology import ID_NS, PG_NS

REPO = Path(__file__).resolve().parent.parent
_SCRIPT = Path(sys.executable).parent / "peacegraph"
ENTRY = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "peacegraph"]
COMMANDS = {
    "centrality": ["centrality"],
    "path": ["path", "state-israel", "opcw"],
    "communities": ["communities"],
    "overlap": ["overlap"],
    "gaps": ["gaps"],
}


def pgid(name: str) -> str:
    return ID_NS + name


@pytest.fixture(scope="session")
def store_path(bundled_store_path: Path) -> Path:
    """The bundled store (built once per session; analytics only read it)."""
    return bundled_store_path


@pytest.fixture(scope="session")
def store(store_path: Path) -> Iterator[Any]:
    from graph.store import Store

    with Store.open(store_path, read_only=True) as opened:
        yield opened


def analyze(store_path: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    """``peacegraph --store STORE analyze ARGS`` through the real entry point."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([*ENTRY, "--store", str(store_path), "analyze", *args],
                          capture_output=True, timeout=120, cwd=REPO, env=env)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


# ------------------------------------------------------------------ projections


def test_projections_are_the_edges_queries() -> None:
    from graph import analytics

    found = analytics.projections()
    assert sorted(found) == ["institutions", "participation", "precedents", "tracks"]
    assert all(q.name == "edges-" + name for name, q in found.items())


def test_projection_keeps_iris_labels_types_and_dates(store: Any) -> None:
    from graph import analytics

    with pytest.raises(analytics.UnknownProjection, match="did you mean precedents"):
        analytics.projection(store, "precedent")
    g = analytics.projection(store, "edges-precedents")
    assert g.graph["name"] == "precedents" and g.graph["query"] == "edges-precedents"
    # only curated items: no owl:Class, no label literals
    assert all(node.startswith(ID_NS) for node in g)
    cwc = g.nodes[pgid("cwc")]
    assert (cwc["label"], cwc["type"], cwc["role"]) == (
        "Chemical Weapons Convention", PG_NS + "Treaty", "precedent")
    assert cwc["date_entered_into_force"] == "1997-04-29"   # agreements.yaml
    assert g.nodes[pgid("track-4")]["track_number"] == 4
    (edge,) = g.get_edge_data(pgid("track-4"), pgid("cwc")).values()
    assert edge["predicate"] == PG_NS + "precedent" and edge["track"] == 4
    assert "Chemical Weapons Convention" in edge["quote"]
    # GraphML-ready: no None anywhere
    assert all(v is not None for _, a in g.nodes(data=True) for v in a.values())
    assert all(v is not None for _, _, a in g.edges(data=True) for v in a.values())


def test_participation_edges_carry_status_and_date(store: Any) -> None:
    from graph import analytics

    g = analytics.projection(store, "participation")
    steps = {(a["predicate"], a.get("date")) for a in
             g.get_edge_data(pgid("state-dprk"), pgid("npt")).values()}
    # participations.yaml: party 1985-12-12, announced withdrawal 1993 and 2003, withdrew
    assert steps == {(PG_NS + "StateParty", "1985-12-12"),
                     (PG_NS + "AnnouncedWithdrawal", "1993-03-12"),
                     (PG_NS + "AnnouncedWithdrawal", "2003-01-10"),
                     (PG_NS + "Withdrew", "2003-04-10")}


def test_network_leaves_out_recorded_non_participation(store: Any) -> None:
    from graph import analytics

    full = analytics.network(store, ties_only=False)
    ties = analytics.network(store)
    # the DPRK is recorded as not a party to the CWC: a fact, not a tie
    assert full.has_edge(pgid("state-dprk"), pgid("cwc"))
    assert not ties.has_edge(pgid("state-dprk"), pgid("cwc"))
    assert ties.has_edge(pgid("state-us"), pgid("cwc"))   # ratified 1997-04-25
    assert ties.graph["projections"] == "institutions participation precedents tracks"


# ------------------------------------------------------------------ path


def test_path_passes_through_the_cwc(store: Any) -> None:
    """Israel signed the CWC (participations.yaml); the OPCW was established by it."""
    from graph import analytics

    hops = analytics.path(store, "state-israel", "pgid:opcw")
    assert [(h.subject, h.predicate, h.object, h.forward) for h in hops] == [
        (pgid("state-israel"), PG_NS + "Signed", pgid("cwc"), True),
        (pgid("opcw"), PG_NS + "establishedBy", pgid("cwc"), False),   # printed as stated
    ]
    assert hops[1].predicate_label == "established by"


def test_path_from_track_4_to_the_opcw(store: Any) -> None:
    """precedents.yaml links track 4 to the OPCW itself (pl-4-opcw): one quoted hop.

    Without that link (no precedents projection) the path goes through the CWC: track 4
    → South Korea (at its table) → CWC (a party) ← OPCW (established by); South Korea
    and the United States tie, and the smaller IRI (state-rok) wins.
    """
    from graph import analytics

    (hop,) = analytics.path(store, "track-4", "opcw")
    assert (hop.subject, hop.object, hop.forward) == (pgid("track-4"), pgid("opcw"), True)
    assert hop.predicate_label == "precedent (model to follow)"
    assert "Organization for the Prohibition of Chemical Weapons" in hop.quote
    hops = analytics.path(store, "track-4", "opcw",
                          names=["tracks", "participation", "institutions"])
    assert [h.object for h in hops] == [pgid("state-rok"), pgid("cwc"), pgid("cwc")]
    assert [h.forward for h in hops] == [True, True, False]
    assert analytics.path(store, "opcw", "opcw") == ()


def test_path_errors(store: Any) -> None:
    from graph import analytics

    with pytest.raises(analytics.UnknownNode, match="did you mean"):
        analytics.path(store, "track-44", "opcw")
    # Egypt's only record is "not a party" to the CWC: no tie at all
    with pytest.raises(analytics.NoPath, match="Egypt"):
        analytics.path(store, "state-egypt", "opcw")


# ------------------------------------------------------------------ centrality, communities


def test_centrality_ranks_by_tracks_reached(store: Any) -> None:
    from graph import analytics

    ranked = analytics.centrality(store)
    by_node = {r.node: r for r in ranked}
    # tracks.yaml: both Koreas sit at all six tables; the US at five (not track 5)
    assert [r.node for r in ranked[:2]] == [pgid("state-dprk"), pgid("state-rok")]
    assert by_node[pgid("state-us")].track_numbers == (1, 2, 3, 4, 6)
    # the Two Plus Four Treaty is the one precedent of two tracks (1 and 4)
    precedents = [r for r in ranked if r.role == "precedent"]
    assert precedents[0].node == pgid("two-plus-four-treaty")
    assert precedents[0].track_numbers == (1, 4)
    # the CWC and the BWC share the general-security track
    assert 4 in by_node[pgid("cwc")].track_numbers and 4 in by_node[pgid("bwc")].track_numbers
    keys = [(-r.tracks, -r.betweenness, -r.degree) for r in ranked]
    assert keys == sorted(keys) and [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert {r.role for r in ranked} == {"precedent", "issue", "party"}
    assert all(0.0 <= r.betweenness <= 1.0 and round(r.betweenness, 6) == r.betweenness
               for r in ranked)


def test_communities_group_track_4_precedents(store: Any) -> None:
    from graph import analytics

    members = analytics.communities(store)
    community = {m.node: m.community for m in members}
    assert {m.role for m in members} == {"issue", "precedent"}
    # track 4's chemical and biological weapons precedents and issues cluster together
    assert (community[pgid("cwc")] == community[pgid("bwc")]
            == community[pgid("issue-chemical-weapons")]
            == community[pgid("issue-biological-weapons")])
    assert community[pgid("cwc")] != community[pgid("unscr-1718")]
    sizes = [m.size for m in members]
    numbers = [m.community for m in members]
    assert numbers == sorted(numbers)
    assert all(a >= b for a, b in zip(
        [sizes[numbers.index(n)] for n in sorted(set(numbers))],
        [sizes[numbers.index(n)] for n in sorted(set(numbers))][1:]))


def test_node_attributes_for_graphml(store: Any) -> None:
    from graph import analytics

    attrs = analytics.node_attributes(store)
    assert list(attrs) == sorted(attrs)
    cwc = attrs[pgid("cwc")]
    assert set(cwc) == {"label", "type", "role", "degree", "centrality", "tracks_reached",
                        "community"}
    assert all(isinstance(v, (str, int, float)) for a in attrs.values() for v in a.values())
    members = analytics.communities(store, roles=analytics.ROLES)
    assert all(attrs[m.node]["community"] == m.community for m in members)
    ranked = {r.node: r for r in analytics.centrality(store, roles=analytics.ROLES)}
    assert cwc["centrality"] == ranked[pgid("cwc")].betweenness
    # a network built once by the caller (the snapshot) gives the same attributes
    assert analytics.node_attributes(store, graph=analytics.network(store)) == attrs


def test_betweenness_is_networkx_exact(store: Any) -> None:
    """rustworkx computes the same numbers as networkx's exact Brandes algorithm."""
    import networkx as nx

    from graph import analytics

    for graph in (analytics.undirected(analytics.network(store)),
                  nx.relabel_nodes(nx.gnm_random_graph(60, 150, seed=7), str),
                  nx.Graph([("lone", "pair")])):
        expected = nx.betweenness_centrality(graph, normalized=True)
        found = analytics._betweenness(graph)
        assert found.keys() == expected.keys()
        assert all(abs(found[n] - expected[n]) < 1e-12 for n in graph)
    assert analytics._betweenness(nx.Graph()) == {}


# ------------------------------------------------------------------ overlap, gaps


def test_overlap_matrix(store: Any) -> None:
    from graph import analytics

    cells = analytics.overlap(store)
    assert len(cells) == 36
    cell = {(c.state_a, c.state_b): c for c in cells}
    for a in analytics.SIX:
        assert cell[(a, a)].jaccard == 1.0
        for b in analytics.SIX:
            assert cell[(a, b)].jaccard == cell[(b, a)].jaccard
    # participations.yaml by hand. US: CFE, CWC, BWC, START I, New START, Two Plus Four,
    # Helsinki, NPT, Agreed Framework, 2005 Joint Statement, Singapore (11; UNSC votes do
    # not count). DPRK: BWC, Agreed Framework, 2005 Joint Statement, Panmunjom, Singapore,
    # Pyongyang (6; it withdrew from the NPT). Shared 4, union 13.
    us_dprk = cell[(pgid("state-us"), pgid("state-dprk"))]
    assert (us_dprk.shared, us_dprk.union, us_dprk.jaccard) == (4, 13, 0.307692)
    assert us_dprk.agreements == ("Agreed Framework", "Biological Weapons Convention",
                                  "Singapore Joint Statement",
                                  "Six-Party Joint Statement (2005)")
    # Russia: CWC, BWC, New START, NPT, 2005 Joint Statement — all also the US's: 5/11.
    # Counting Soviet steps adds START I, Two Plus Four, Helsinki (not the CFE: Russia
    # withdrew in 2023): 8/11.
    assert cell[(pgid("state-us"), pgid("state-russia"))].jaccard == 0.454545
    soviet = {(c.state_a, c.state_b): c for c in analytics.overlap(store, predecessor=True)}
    assert soviet[(pgid("state-us"), pgid("state-russia"))].jaccard == 0.727273


def test_gaps(store: Any) -> None:
    from graph import analytics
    from graph.queries import run

    found = analytics.gaps(store)
    kinds = [analytics.GAP_KINDS.index(g.kind) for g in found]
    assert kinds == sorted(kinds)
    by_kind: dict[str, set[tuple[str, str | None]]] = {}
    for g in found:
        by_kind.setdefault(g.kind, set()).add((g.subject, g.related))
    # every track has a precedent (track 5's one link is the 2002 summit, for the
    # abductions); human rights, track 5's other issue, has none
    assert "track-without-precedent" not in by_kind
    assert (pgid("issue-human-rights"), None) in by_kind["issue-without-precedent"]
    assert (pgid("issue-japanese-abductions"), None) not in by_kind["issue-without-precedent"]
    # the BWC has no verification mechanism (verification.yaml); the CWC has the OPCW's
    assert (pgid("bwc"), None) in by_kind["precedent-without-verification"]
    assert (pgid("cwc"), None) not in by_kind["precedent-without-verification"]
    listed = {row["precedent"].value
              for row in run(store, "precedents-without-verification").rows}
    assert {s for s, _ in by_kind["precedent-without-verification"]} == listed
    # the CFE's information exchange is run by no recorded institution
    assert by_kind["verification-without-body"] == {(pgid("cfe-treaty"), None)}
    # South Korea sits at track 4's table but has no recorded step in the BWC
    assert (pgid("state-rok"), pgid("bwc")) in by_kind["party-without-status"]
    assert (pgid("state-us"), pgid("bwc")) not in by_kind["party-without-status"]


def test_analyses_are_deterministic(store: Any) -> None:
    from graph import analytics

    for call in (analytics.centrality, analytics.communities, analytics.overlap,
                 analytics.gaps, analytics.node_attributes,
                 lambda s: analytics.path(s, "state-us", "issue-human-rights")):
        assert call(store) == call(store)


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize("format_", ["table", "json"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_formats(store_path: Path, command: str, format_: str) -> None:
    done = analyze(store_path, *COMMANDS[command], "--format", format_)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if format_ == "json":
        data = json.loads(done.stdout)
        assert data
        if command == "overlap":
            assert len(data["matrix"]) == 6 and data["matrix"][2][0] == 0.307692
        elif command == "path":
            assert [hop["object"] for hop in data] == [pgid("cwc"), pgid("cwc")]
    else:
        header = done.stdout.splitlines()[0].split()
        expected = {"centrality": "rank", "path": "step", "communities": "community",
                    "overlap": "United", "gaps": "kind"}[command]
        assert header[0] == expected, done.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_csv_is_byte_for_byte_deterministic(store_path: Path, command: str) -> None:
    """CSV twice, under two hash seeds: the same bytes (set order must not leak out)."""
    first = analyze(store_path, *COMMANDS[command], "-f", "csv", seed="1")
    second = analyze(store_path, *COMMANDS[command], "-f", "csv", seed="2")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.endswith("\r\n")
    table = list(csv.reader(io.StringIO(first.stdout)))
    assert len({len(row) for row in table}) == 1 and len(table) > 1
    if command == "overlap":
        assert table[0][2:] == list(map(pgid, ["state-us", "state-rok", "state-dprk",
                                               "state-prc", "state-japan", "state-russia"]))


def test_cli_errors_are_one_line(store_path: Path) -> None:
    done = analyze(store_path, "path", "no-such-thing", "opcw")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("peacegraph: error: 'no-such-thing' is not a node")
    done = analyze(store_path, "centrality", "-P", "precedent")
    assert done.returncode == 2 and "did you mean precedents" in done.stderr
    done = analyze(store_path, "path", "state-egypt", "opcw")
    assert done.returncode == 1 and "no path between Egypt" in done.stderr


def test_cli_choices_match_the_library() -> None:
    from graph import analytics
    from peacegraph import cli_analyze

    assert cli_analyze.ROLES == analytics.ROLES
    assert cli_analyze.GAP_KINDS == analytics.GAP_KINDS


def test_networkx_stays_off_the_query_path() -> None:
    code = "import sys, peacegraph.cli; assert 'networkx' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
