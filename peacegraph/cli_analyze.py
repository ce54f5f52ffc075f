"""``peacegraph analyze``: network analytics over the graph's projections.

Each command is a few lines around one function of :mod:`graph.analytics`, imported
inside the command, so networkx is loaded only when an analysis runs (never on the
``peacegraph query`` path). Output is deterministic: the same store gives the same bytes.
:data:`peacegraph.cli.COMMANDS` names the ``analyze`` group, so this module itself is
imported only when ``peacegraph analyze`` runs (or help lists it).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from peacegraph.cli_options import (
    Failure, Settings, UsageFailure, format_option, is_terminal, pass_settings,
)

__all__ = ["analyze", "render", "FORMATS", "ROLES", "GAP_KINDS"]

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")
ROLES = ("track", "precedent", "issue", "party", "agreement", "institution", "mechanism",
         "other")  # graph.analytics.ROLES, repeated so that --help needs no networkx
GAP_KINDS = ("track-without-precedent", "issue-without-precedent",
             "precedent-without-verification", "verification-without-body",
             "party-without-status")
_MAX_WIDTH = 60


def _formats(function: F) -> F:
    return format_option(FORMATS, help="table (default on a terminal), csv (default when "
                                       "piped) or json.")(function)


def _projection_option(function: F) -> F:
    return click.option(
        "-P", "--projection", "names", multiple=True, metavar="NAME",
        help="Use only this projection (repeatable): precedents, participation, "
             "institutions, tracks (see `peacegraph analyze projections`) [default: all].",
    )(function)


def _pick(format_: str | None) -> str:
    if format_ is not None:
        return format_
    return "table" if is_terminal(sys.stdout) else "csv"


def _cell(value: Any, *, short: bool) -> str:
    """One value as text: floats with 6 places, tuples joined, IRIs shortened in tables."""
    from graph.results import short_iri

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, tuple):
        return "; ".join(_cell(v, short=short) for v in value)
    text = str(value)
    if short and text.startswith(("http://", "https://")):
        return short_iri(text)
    return text


def render(records: Sequence[Any], format_: str, *, columns: Sequence[str] | None = None) -> str:
    """Frozen dataclass records as a table, CSV (RFC 4180, CRLF) or JSON (a list of objects).

    ``columns`` picks and orders the fields for table and CSV (default: all fields).

    >>> from graph.analytics import Gap
    >>> print(render([Gap("track-without-precedent", "https://w3id.org/peacegraph/id/track-5",
    ...                   "Humanitarian", (5,), None, None, "none")], "table",
    ...              columns=["kind", "subject", "tracks"]), end="")
    kind                     subject       tracks
    -----------------------  ------------  ------
    track-without-precedent  pgid:track-5  5
    1 row
    """
    from graph.results import text_table

    if format_ == "json":
        return json.dumps([dataclasses.asdict(r) for r in records], ensure_ascii=False,
                          indent=2) + "\n"
    names = list(columns) if columns is not None else (
        [f.name for f in dataclasses.fields(records[0])] if records else [])
    rows = [[_cell(getattr(r, name), short=format_ == "table") for name in names]
            for r in records]
    if format_ == "csv":
        return _csv(names, rows)
    right = [bool(records) and all(isinstance(getattr(r, n), (int, float))
                                   and not isinstance(getattr(r, n), bool) for r in records)
             for n in names]
    footer = f"{len(rows)} row" if len(rows) == 1 else f"{len(rows)} rows"
    return text_table(names, rows, right=right, max_width=_MAX_WIDTH) + footer + "\n"


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _run(settings: Settings, call: Callable[[Any], Any]) -> Any:
    """Open the store read-only and run ``call(store)``; library errors become messages."""
    from graph import analytics

    try:
        with settings.open_store() as store:
            return call(store)
    except (analytics.UnknownProjection, analytics.UnknownNode) as exc:
        raise UsageFailure(str(exc)) from exc
    except analytics.NoPath as exc:
        raise Failure(str(exc)) from exc


@click.group()
def analyze() -> None:
    """Network analytics (networkx) over projections of the graph.

    A projection is the edge list a saved query `edges-NAME` returns: precedents (track →
    precedent → issue, track → issue), participation (party → agreement, with status and
    date), institutions (institution → agreement, agreement → verification mechanism →
    institution) and tracks (track → party at its table). Centrality, path and communities
    use their union, leaving out the participation steps that record that a party is
    outside an agreement ("not a party", "did not sign"). Results are sorted and floats
    rounded to 6 places, so the same store gives the same output byte for byte.
    """


@analyze.command("projections")
@_formats
@pass_settings
def list_projections(settings: Settings, format_: str | None) -> None:
    """List the projections (the saved queries queries/edges-*.rq)."""
    from graph import analytics
    from graph.results import text_table

    found = analytics.projections()
    rows = [[name, q.name, q.title] for name, q in found.items()]
    header = ["projection", "query", "title"]
    format_ = _pick(format_)
    if format_ == "json":
        click.echo(json.dumps([dict(zip(header, row)) for row in rows], ensure_ascii=False,
                              indent=2))
    elif format_ == "csv":
        click.echo(_csv(header, rows), nl=False)
    else:
        click.echo(text_table(header, rows, max_width=70), nl=False)


@analyze.command()
@click.option("-r", "--role", "roles", multiple=True, type=click.Choice(ROLES + ("all",)),
              help="Rank nodes of this role (repeatable) [default: precedent, issue, party].")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="Show only the first N.")
@_projection_option
@_formats
@pass_settings
def centrality(settings: Settings, roles: tuple[str, ...], top: int | None,
               names: tuple[str, ...], format_: str | None) -> None:
    """Which precedents, issues and parties bridge the most tracks.

    Ranked by the number of tracks a node reaches — a track that is its neighbour, or a
    neighbour of a neighbour that is not a party (parties sit at several tracks' tables) —
    then by betweenness centrality and degree in the undirected network.
    """
    from graph import analytics

    chosen = analytics.ROLES if "all" in roles else (roles or ("precedent", "issue", "party"))
    records = _run(settings, lambda store: analytics.centrality(
        store, roles=chosen, names=names or None))
    click.echo(render(records[:top] if top else records, _pick(format_), columns=[
        "rank", "node", "label", "role", "tracks", "track_numbers", "degree",
        "betweenness"]), nl=False)


@analyze.command()
@click.argument("start", metavar="A")
@click.argument("end", metavar="B")
@_projection_option
@_formats
@pass_settings
def path(settings: Settings, start: str, end: str, names: tuple[str, ...],
         format_: str | None) -> None:
    """The shortest explained path from A to B.

    A and B are IRIs, prefixed names (pgid:opcw), curated ids (track-4, opcw) or exact
    labels. The search ignores edge direction; each hop is printed as its statement
    reads (subject, predicate, object), with `direction` "→" when the walk follows it
    and "←" when it goes against it, and the evidence quote where there is one. Among
    paths of equal length the one with the most quoted hops wins.

    \b
    Example:
      peacegraph analyze path state-israel opcw
    """
    from graph import analytics

    hops = _run(settings, lambda store: analytics.path(store, start, end,
                                                      names=names or None))
    format_ = _pick(format_)
    click.echo(_hop_table(hops) if format_ == "table" else render(hops, format_), nl=False)


def _hop_table(hops: Sequence[Any]) -> str:
    """The path as a table: labels, and → / ← for the direction of the walk."""
    from graph.results import text_table

    rows = [[str(h.step), h.subject_label, h.predicate_label, h.object_label,
             "→" if h.forward else "←", h.quote or ""] for h in hops]
    footer = f"{len(rows)} hop" if len(rows) == 1 else f"{len(rows)} hops"
    return text_table(["step", "subject", "predicate", "object", "direction", "quote"], rows,
                      right=[True, False, False, False, False, False],
                      max_width=_MAX_WIDTH) + footer + "\n"


@analyze.command()
@click.option("-r", "--role", "roles", multiple=True, type=click.Choice(ROLES + ("all",)),
              help="List members of this role (repeatable) [default: issue, precedent].")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Seed of the Louvain method (same seed, same communities).")
@_projection_option
@_formats
@pass_settings
def communities(settings: Settings, roles: tuple[str, ...], seed: int,
                names: tuple[str, ...], format_: str | None) -> None:
    """Clusters of issues and precedents (Louvain modularity, seeded).

    Communities are found on the whole network (parties, institutions and tracks
    included) and numbered by size, largest first; the listing shows the members of the
    roles asked for, with the size of their whole community.
    """
    from graph import analytics

    chosen = analytics.ROLES if "all" in roles else (roles or ("issue", "precedent"))
    records = _run(settings, lambda store: analytics.communities(
        store, roles=chosen, names=names or None, seed=seed))
    click.echo(render(records, _pick(format_), columns=[
        "community", "size", "role", "node", "label"]), nl=False)


@analyze.command()
@click.option("--with-predecessor", "predecessor", is_flag=True,
              help="Count the Soviet Union's steps as Russia's own.")
@click.option("--pairs", is_flag=True,
              help="Table and CSV: one row per pair, with the shared agreements, instead of "
                   "the matrix.")
@_formats
@pass_settings
def overlap(settings: Settings, predecessor: bool, pairs: bool, format_: str | None) -> None:
    """Which of the six states share which commitments (a 6×6 Jaccard matrix).

    For each pair of the US, ROK, DPRK, PRC, Japan and Russia: the Jaccard similarity of
    the sets of agreements each is bound by — a step signed, ratified, acceded, party or
    participant, and no later "withdrew", "not a party" or "did not sign" (as the saved
    query shared-commitments counts). Agreements only, not talks; expired agreements
    count; voting for a Security Council resolution does not. Soviet participations are
    the Soviet Union's, not Russia's: Russia's set leaves them out unless
    --with-predecessor (the data does not assert succession). JSON gives the states, the
    matrix and every pair.
    """
    from graph import analytics
    from graph.results import text_table

    cells = _run(settings, lambda store: analytics.overlap(store, predecessor=predecessor))
    format_ = _pick(format_)
    states = list(dict.fromkeys((c.state_a, c.label_a) for c in cells))
    matrix = [[c.jaccard for c in cells[i * len(states):(i + 1) * len(states)]]
              for i in range(len(states))]
    if format_ == "json":
        click.echo(json.dumps({
            "states": [{"state": s, "label": label} for s, label in states],
            "matrix": matrix,
            "pairs": [dataclasses.asdict(c) for c in cells],
        }, ensure_ascii=False, indent=2))
    elif pairs:
        click.echo(render(cells, format_), nl=False)
    elif format_ == "csv":
        click.echo(_csv(["state", "label"] + [s for s, _ in states],
                        [[s, label] + [f"{x:.6f}" for x in row]
                         for (s, label), row in zip(states, matrix)]), nl=False)
    else:
        header = [""] + [label for _, label in states]
        rows = [[label] + [f"{x:.6f}" for x in row] for (_, label), row in zip(states, matrix)]
        click.echo(text_table(header, rows, right=[False] + [True] * len(states)), nl=False)
        settings.say("Jaccard similarity of the sets of agreements each state is bound by; "
                     + ("Soviet steps counted as Russia's." if predecessor
                        else "Russia without Soviet steps (see --with-predecessor)."))


@analyze.command()
@click.option("-k", "--kind", "kinds", multiple=True, type=click.Choice(GAP_KINDS),
              help="Show only gaps of this kind (repeatable) [default: all].")
@_formats
@pass_settings
def gaps(settings: Settings, kinds: tuple[str, ...], format_: str | None) -> None:
    """What the graph leaves unconnected.

    \b
    track-without-precedent         a track no precedent link names
    issue-without-precedent         an issue no precedent informs
    precedent-without-verification  a precedent agreement with no verification mechanism
    verification-without-body       a precedent agreement whose mechanisms no institution runs
    party-without-status            one of the six states at a track's table with no
                                    recorded step in an agreement the track leans on
                                    (Russia: Soviet steps are not counted)
    """
    from graph import analytics

    found = _run(settings, analytics.gaps)
    if kinds:
        found = tuple(g for g in found if g.kind in kinds)
    click.echo(render(found, _pick(format_), columns=[
        "kind", "tracks", "subject", "subject_label", "related", "related_label", "detail"]),
        nl=False)
