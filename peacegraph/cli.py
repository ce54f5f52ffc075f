"""The ``peacegraph`` command line: a thin shell around the library.

Each command is a few lines around one library call (:mod:`peacegraph.cli_data`: load,
stats, validate; :mod:`peacegraph.cli_query`: query, queries; :mod:`peacegraph.cli_app`:
app). Errors become one line on stderr, ``peacegraph: error: …``, and a non-zero exit
status; ``--debug`` shows the traceback instead.

>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--version"]).output
'peacegraph 0.1.0\\n'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from peacegraph import __version__
from peacegraph.cli_analyze import register as register_analyze
from peacegraph.cli_app import app
from peacegraph.cli_data import load, stats, validate
from peacegraph.cli_options import (
    EXIT_FAILURE, STORE_HELP, Failure, Settings, UsageFailure, store_param,
)
from peacegraph.cli_query import queries, query
from peacegraph.cli_remote import endpoint_options, endpoint_params
from peacegraph.cli_snapshot import register as register_snapshot

__all__ = ["cli", "main"]

EPILOG = """\b
Exit status:
  0    success (validate: the data is valid)
  1    failure: a refused, failed or timed-out query, invalid data,
       a load error, a missing store
  2    usage: bad options or arguments, an unknown saved query,
       a bad parameter value, no app.py
  130  interrupted (Ctrl-C)

\b
Environment:
  PEACEGRAPH_STORE    the store directory (default ./.peacegraph/store)
  PEACEGRAPH_ENDPOINT         a SPARQL 1.1 query endpoint to use instead
  PEACEGRAPH_UPDATE_ENDPOINT  its update endpoint (default: the query endpoint)
  PEACEGRAPH_USER, PEACEGRAPH_PASSWORD  credentials for updates on a server
  PEACEGRAPH_ARTICLE  the article's text, for `validate`
"""

_OUR_PACKAGES = ("graph", "loaders", "ontology", "peacegraph")
_MAX_MESSAGE = 400


class _Shell(click.Group):
    """A group whose commands' exceptions become one-line failures (unless ``--debug``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            settings = ctx.find_object(Settings)
            if settings is not None and settings.debug:
                raise
            raise Failure(_one_line(exc)) from exc


def _one_line(exc: BaseException) -> str:
    """The user-facing message of an exception: one line, not too long."""
    message = " ".join(str(exc).split())
    known = type(exc).__module__.split(".")[0] in _OUR_PACKAGES or isinstance(exc, OSError)
    if not message:
        message = type(exc).__name__
    elif not known:
        message = f"{type(exc).__name__}: {message}"
    if not known:
        message += " (unexpected; rerun with --debug to see the traceback)"
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE - 1] + "…"
    return message


@click.group(cls=_Shell, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR",
              help=STORE_HELP)
@endpoint_options
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also print timings and details.")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(__version__, prog_name="peacegraph", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, store: Path | None, quiet: bool, verbose: bool, debug: bool) -> None:
    """peacegraph: agreements, precedents and issues of a Korean peace process, as a graph.

    Build the store with `peacegraph load`, check it with `peacegraph validate`, ask it
    with `peacegraph query NAME` (see `peacegraph queries`), browse it with `peacegraph app`.
    """
    if quiet and verbose:
        raise click.UsageError("use either --quiet or --verbose, not both")
    ctx.obj = Settings(store=store, quiet=quiet, verbose=verbose, debug=debug)


for _command in (load, query, queries, validate, stats, app):
    cli.add_command(_command)
register_analyze(cli)  # peacegraph analyze … (graph.analytics; networkx loads only then)
register_snapshot(cli)  # snapshot, export, restore, diff, verify (graph.snapshot)


def _share_store_options(group: click.Group) -> None:
    """Every command also takes --store, --endpoint and --update-endpoint after its name
    (``peacegraph app --store DIR --port N``), as well as before it."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _share_store_options(command)
        else:
            command.params += [store_param(), *endpoint_params(environment=False)]


_share_store_options(cli)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and exit.

    Exit status 0 on success, 1 on failure, 2 on a usage error, 130 when interrupted.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = cli.main(args=args, prog_name="peacegraph", standalone_mode=False)
    except click.UsageError as exc:
        hint = ""
        if exc.ctx is not None and not isinstance(exc, UsageFailure):
            hint = f" (see '{exc.ctx.command_path} --help')"
        _fail(f"{exc.format_message()}{hint}", exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.Abort:
        _fail("interrupted", 130)
    except BrokenPipeError:  # `peacegraph query … | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FAILURE)
    sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    click.echo(f"peacegraph: error: {message}", err=True)
    sys.exit(status)
