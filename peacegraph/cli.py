"""The ``peacegraph`` command line: a thin shell around the library.

Each command is a few lines around one library call (:mod:`peacegraph.cli_data`: load,
stats, validate; :mod:`peacegraph.cli_query`: query, queries; :mod:`peacegraph.cli_app`:
app; :mod:`peacegraph.cli_analyze`: analyze; :mod:`peacegraph.cli_snapshot`: snapshot,
export, restore, diff, verify). A command's module is imported only when that command
runs (or when help lists it), so ``peacegraph query NAME`` loads none of the others.
Errors become one line on stderr, ``peacegraph: error: …``, and a non-zero exit status;
``--debug`` shows the traceback instead.

>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--version"]).output
'peacegraph 0.1.0\\n'
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from peacegraph import __version__
from peacegraph.cli_options import (
    EXIT_FAILURE, STORE_HELP, Failure, Settings, UsageFailure, store_param,
)
from peacegraph.cli_remote import endpoint_options, endpoint_params

__all__ = ["cli", "main", "COMMANDS"]

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

#: Every command: its name → the module and attribute that define it (imported on use).
COMMANDS = {
    "analyze": "peacegraph.cli_analyze:analyze",  # networkx loads only when one runs
    "app": "peacegraph.cli_app:app",
    "diff": "peacegraph.cli_snapshot:diff",
    "export": "peacegraph.cli_snapshot:export",
    "load": "peacegraph.cli_data:load",
    "queries": "peacegraph.cli_query:queries",
    "query": "peacegraph.cli_query:query",
    "restore": "peacegraph.cli_snapshot:restore",
    "snapshot": "peacegraph.cli_snapshot:snapshot",
    "stats": "peacegraph.cli_data:stats",
    "validate": "peacegraph.cli_data:validate",
    "verify": "peacegraph.cli_snapshot:verify",
}


class _Shell(click.Group):
    """The top-level group: it imports a command's module only when the command is used
    (:data:`COMMANDS`), and its commands' exceptions become one-line failures (unless
    ``--debug``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attribute = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            _share_store_options(command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in COMMANDS:  # an unknown name: "did you mean" needs them all
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

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


def _share_store_options(command: click.Command) -> None:
    """Every command also takes --store, --endpoint and --update-endpoint after its name
    (``peacegraph app --store DIR --port N``), as well as before it."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _share_store_options(subcommand)
    else:
        command.params += [store_param(), *endpoint_params(environment=False)]


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
