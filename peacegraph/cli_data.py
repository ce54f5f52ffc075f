"""``peacegraph load``, ``stats`` and ``validate``: building and checking the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peacegraph.cli_options import (
    EXIT_FAILURE, Failure, Settings, format_option, pass_settings, progress_counter,
)

if TYPE_CHECKING:
    import rdflib

    from graph.store import Store

__all__ = ["load", "stats", "validate"]

#: The graphs `validate` checks unless told otherwise.
DEFAULT_VALIDATED = ("curated", "ontology")


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE ...]")
@click.option("--force", is_flag=True, help="Reload sources even if they are unchanged.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE", help="The YAML mapping for CSV sources.")
@click.option("--name", metavar="NAME",
              help="The graph name (pgg:NAME) for a single SOURCE [default: from the file name].")
@pass_settings
def load(settings: Settings, sources: tuple[str, ...], force: bool, mapping: Path | None,
         name: str | None) -> None:
    """Load sources into the store, each into its own named graph.

    Without SOURCE: the bundled ontology and curated data (data/). A SOURCE is an RDF
    file (.ttl .nt .nq .trig .jsonld .rdf), a CSV file (with --mapping), a text file
    (.txt .md) or a curated data directory. Each source loads completely or not at
    all; an unchanged source (same sha256) is skipped unless --force.
    """
    import loaders

    if name is not None and len(sources) != 1:
        raise click.UsageError("--name needs exactly one SOURCE")
    if sources:
        todo = [loaders.resolve(location, name=name, mapping=mapping) for location in sources]
    else:
        todo = loaders.bundled()
    with settings.open_store(read_only=False) as store:
        for source in todo:
            update, finish = progress_counter(settings, source.name)
            try:
                report = store.load(source, force=force, progress=update)
            finally:
                finish()
            if report.skipped:
                line = f"{source.name}: skipped (unchanged)"
            else:
                line = f"{source.name}: loaded {report.statements:,} statements"
                settings.detail(f"{source.name}: from {source.location} in {report.seconds:.1f} s; "
                                f"{report.inferred:,} inferred statements in total")
            if not settings.quiet:
                click.echo(line)


@click.command()
@format_option(("table", "json"), help="table (default) or json.")
@pass_settings
def stats(settings: Settings, format_: str | None) -> None:
    """Count the statements per named graph and the instances per class."""
    from graph.results import short_iri, text_table

    with settings.open_store() as store:
        counts = store.stats()
    if format_ == "json":
        click.echo(json.dumps({"statements": counts.statements, "graphs": counts.graphs,
                               "classes": counts.classes}, indent=2))
        return
    click.echo(f"{counts.statements:,} statements\n")
    click.echo(text_table(["graph", "statements"],
                          [[short_iri(g), f"{n:,}"] for g, n in counts.graphs.items()],
                          right=[False, True]))
    click.echo(text_table(["class", "instances"],
                          [[short_iri(c), f"{n:,}"] for c, n in counts.classes.items()],
                          right=[False, True]), nl=False)


@click.command()
@click.option("-g", "--graph", "graphs", multiple=True, metavar="NAME",
              help="Validate this source graph (repeatable) [default: curated and ontology].")
@click.option("--no-owl", is_flag=True, help="Skip the OWL consistency check (HermiT, needs Java).")
@pass_settings
@click.pass_context
def validate(ctx: click.Context, settings: Settings, graphs: tuple[str, ...],
             no_owl: bool) -> None:
    """Check the store's data: SHACL shapes, OWL consistency, and the article's quotes.

    The quotes are checked against the article's text when it is found
    ($PEACEGRAPH_ARTICLE, or ../shared/reference/source-article.txt beside the
    repository). Exit status 0 when everything conforms, 1 otherwise.
    """
    from graph import validate as checks

    with settings.open_store() as store:
        data = _export(store, graphs)
    article = checks.find_article()
    if article is not None and not article.is_file():
        raise Failure(f"the article's text is not at {article} ($PEACEGRAPH_ARTICLE)")
    article_text = article.read_text(encoding="utf-8") if article is not None else None

    settings.say(f"SHACL shapes over {len(data):,} statements"
                 + (f", quotes checked against {article}" if article else
                    " (article text not found: quotes not checked)"))
    reports = [checks.shacl(data, article_text=article_text)]
    click.echo("SHACL: " + reports[0].text())
    if no_owl:
        settings.warn("OWL consistency not checked (--no-owl)")
    else:
        settings.say("OWL consistency (HermiT)")
        try:
            reports.append(checks.owl_consistency(data=data))
        except checks.JavaMissing as exc:
            raise Failure(f"OWL consistency not checked: {exc} (or use --no-owl)") from exc
        click.echo("OWL: " + reports[-1].text())
    valid = all(report.conforms for report in reports)
    click.echo("valid" if valid else "NOT valid")
    if not valid:
        ctx.exit(EXIT_FAILURE)


def _export(store: Store, graphs: tuple[str, ...]) -> rdflib.Graph:
    """The named graphs as one rdflib graph (default: curated, plus ontology if loaded)."""
    from rdflib import Graph

    loaded = {entry.name for entry in store.manifest()}
    wanted = list(graphs) or [g for g in DEFAULT_VALIDATED if g in loaded]
    missing = [g for g in (graphs or ("curated",)) if g not in loaded]
    if missing:
        known = ", ".join(sorted(loaded)) or "none"
        raise Failure(f"no graph '{missing[0]}' in store {store.path} (loaded: {known}); "
                      "run `peacegraph load` first")
    data = Graph()
    for name in wanted:
        data.parse(data=store.dump("nt", graph=name), format="nt")
    return data
