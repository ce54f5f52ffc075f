"""``peacegraph snapshot``, ``export``, ``restore``, ``diff`` and ``verify``: the store as files.

Each command is a few lines around one function of :mod:`graph.snapshot`, imported inside
the command (networkx and rdflib load only when a snapshot needs them).
:data:`peacegraph.cli.COMMANDS` names the commands, so this module itself is imported
only when one of them runs (or help lists them).

``diff`` exits like diff(1): 0 when both sides hold the same statements, 1 when they
differ, 2 when it could not compare them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import click

from peacegraph.cli_options import (
    EXIT_FAILURE, Failure, Settings, UsageFailure, format_option, pass_settings, timed,
)

if TYPE_CHECKING:
    from graph.store import Store

__all__ = ["snapshot", "export", "restore", "diff", "verify"]

#: ``export --format`` choices (graph.snapshot.EXPORT_FORMATS, repeated so --help stays light).
EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf")
#: Bytes of an export to stdout held in memory before the rest goes to a temporary file.
_SPOOL_BYTES = 16 << 20
_EXTENSIONS = {".ttl": "ttl", ".nt": "nt", ".nq": "nq", ".trig": "trig", ".jsonld": "jsonld",
               ".json": "jsonld", ".graphml": "graphml", ".gexf": "gexf"}


class DiffTrouble(Failure):
    """``diff`` could not compare (diff(1)'s exit status 2: 1 means "different")."""

    exit_code = 2


@click.command()
@click.argument("outdir", type=click.Path(file_okay=True, path_type=Path))
@pass_settings
def snapshot(settings: Settings, outdir: Path) -> None:
    """Write the store into the new folder OUTDIR, to cite, share and compare.

    The folder holds canonical N-Quads (dataset.nq, and one file per graph under
    graphs/), TriG, Turtle, JSON-LD, the network as GraphML and GEXF, CSV files of the
    main saved queries, and manifest.json: versions, sources, counts, the sha256 of
    every file, and content_hash (the sha256 of dataset.nq), which identifies the
    content. The store is read as one consistent generation, even while a load runs.
    """
    from graph import snapshot as snapshots

    with _local_store(settings) as store, timed(settings, "snapshot written"):
        manifest = snapshots.take(store, outdir, progress=lambda path: settings.detail(f"  {path}"))
    settings.say(f"{outdir}: {manifest.statements:,} statements in {len(manifest.files)} files")
    click.echo(manifest.content_hash)


@click.command()
@format_option(EXPORT_FORMATS, help="The format [default: from --output's extension].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Write to FILE (complete or not at all) [default: stdout].")
@pass_settings
def export(settings: Settings, format_: str | None, output: Path | None) -> None:
    """Write the store in one format: ttl, nt (the union of all graphs), nq (canonical,
    as in a snapshot), trig, jsonld (the whole store), graphml or gexf (the network)."""
    from graph import snapshot as snapshots

    if format_ is None:
        format_ = _EXTENSIONS.get(output.suffix.lower()) if output is not None else None
        if format_ is None:
            raise UsageFailure("give --format (one of " + ", ".join(EXPORT_FORMATS) + ")")
    # to stdout: all or nothing too, through a buffer that spills to a temporary file
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        buffer = cast(BinaryIO, spool)
        with _local_store(settings) as store, timed(settings, f"{format_} written"):
            snapshots.export(store, format_, output if output is not None else buffer)
        if output is None:
            buffer.seek(0)
            _write_stdout(buffer)


@click.command()
@click.argument("snapshot_dir", metavar="SNAPSHOT",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the content of a store that is not empty.")
@pass_settings
def restore(settings: Settings, snapshot_dir: Path, force: bool) -> None:
    """Load the snapshot folder SNAPSHOT into an empty store.

    Each source goes through the store's atomic load; the manifest entries come back as
    they were (but for their load times). A store that holds anything is refused
    unless --force.
    """
    from graph import snapshot as snapshots

    with timed(settings, "restored"):
        report = snapshots.restore(settings.store_path(), snapshot_dir, force=force,
                                   progress=lambda name: settings.detail(f"  {name}"))
    settings.say(f"{report.store}: restored {', '.join(report.sources) or 'nothing'} "
                 f"({report.statements:,} statements)")
    if not report.matches:
        raise Failure(f"the restored content ({report.content_hash}) differs from the "
                      f"snapshot's ({report.expected_hash}); were the inference rules changed?")
    click.echo(report.content_hash)


@click.command()
@click.argument("old", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("new", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@format_option(("text", "json", "patch"),
               help="text (default: by class, with labels), json, or patch (N-Quads lines "
                    "prefixed '+ ' and '- ').")
@pass_settings
def diff(settings: Settings, old: Path, new: Path | None, format_: str | None) -> None:
    """Show what changed from OLD to NEW (snapshot folders or store directories).

    Without NEW, OLD is compared with the store (--store). Exit status: 0 when they hold
    the same statements, 1 when they differ, 2 when they could not be compared.
    """
    from graph import snapshot as snapshots
    from graph.store import StoreError

    try:
        if new is None:
            with _local_store(settings) as store:
                changes = snapshots.diff(old, store)
        else:
            changes = snapshots.diff(old, new)
    except (snapshots.SnapshotError, StoreError, OSError) as exc:
        raise DiffTrouble(" ".join(str(exc).split())) from exc
    if format_ == "json":
        click.echo(changes.json(), nl=False)
    elif format_ == "patch":
        click.echo(changes.patch(), nl=False)
    else:
        click.echo(changes.text(), nl=False)
    if not changes.equal:
        click.get_current_context().exit(1)


@click.command()
@click.argument("snapshot_dir", metavar="SNAPSHOT",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_settings
def verify(settings: Settings, snapshot_dir: Path) -> None:
    """Check a snapshot folder's files against the sha256 in its manifest.json."""
    from graph import snapshot as snapshots

    problems = snapshots.verify(snapshot_dir)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise Failure(f"{snapshot_dir}: {len(problems)} problem(s); the snapshot was changed "
                      "or is incomplete")
    settings.say(f"{snapshot_dir}: intact")


def _local_store(settings: Settings) -> Store:
    """The store directory, read-only; a usage error with ``--endpoint`` (snapshots need the
    store's own files: canonical N-Quads and one consistent generation)."""
    from graph.store import Store

    store = settings.open_store()
    if not isinstance(store, Store):
        store.close()
        raise UsageFailure("snapshots, export, diff and restore work on a store directory "
                           "(--store), not on a SPARQL endpoint (--endpoint)")
    return store


def _write_stdout(data: BinaryIO) -> None:
    """Copy ``data`` to stdout; a closed pipe (``… | head``) ends the command quietly."""
    stdout = sys.stdout.buffer
    try:
        shutil.copyfileobj(data, stdout, 1 << 20)
        stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as cli.main does
        click.get_current_context().exit(EXIT_FAILURE)

