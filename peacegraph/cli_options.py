"""What every ``peacegraph`` command shares: the global settings, option groups, messages.

Only click and the standard library are imported here; each command imports the
library it wraps inside its function, so ``peacegraph query NAME`` stays light.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from graph.remote import RemoteStore
    from graph.store import Store

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status of a command that ran but failed (a refused query, invalid data, ...).
EXIT_FAILURE = 1
#: Exit status for bad options or arguments (click's own usage errors use it too).
EXIT_USAGE = 2


@dataclass(frozen=True)
class Settings:
    """The global options, given to every command.

    >>> Settings(store=Path("/tmp/s")).store_path()
    PosixPath('/tmp/s')
    """

    store: Path | None = None
    quiet: bool = False
    verbose: bool = False
    debug: bool = False

    def store_path(self) -> Path:
        """``--store`` if given, else :data:`graph.store.DEFAULT_STORE`."""
        if self.store is not None:
            return self.store
        from graph.store import DEFAULT_STORE

        return DEFAULT_STORE

    def open_store(self, *, read_only: bool = True) -> Store | RemoteStore:
        """The store, read-only unless asked: the SPARQL server of ``--endpoint`` /
        ``$PEACEGRAPH_ENDPOINT`` if given (:mod:`peacegraph.cli_remote`), else the
        directory of :meth:`store_path`."""
        from peacegraph.cli_remote import open_store

        return open_store(click.get_current_context(silent=True), read_only=read_only,
                          settings=self)

    def say(self, message: str) -> None:
        """A progress or status line on stderr, unless ``--quiet``."""
        if not self.quiet:
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        """A line on stderr with ``--verbose`` only."""
        if self.verbose and not self.quiet:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        """``peacegraph: warning: …`` on stderr, unless ``--quiet``."""
        if not self.quiet:
            click.echo(f"peacegraph: warning: {message}", err=True)


pass_settings = click.make_pass_decorator(Settings)

STORE_HELP = "The store directory [default: $PEACEGRAPH_STORE or ./.peacegraph/store]."


def _store_here(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.obj = dataclasses.replace(ctx.find_object(Settings) or Settings(), store=value)


def store_param() -> click.Option:
    """``--store DIR`` repeated on a command (``peacegraph query --store DIR …``): it
    overrides the group's ``--store`` for that command."""
    return click.Option(["--store"], type=click.Path(file_okay=False, path_type=Path),
                        metavar="DIR", expose_value=False, callback=_store_here,
                        help=STORE_HELP)


class UsageFailure(click.UsageError):
    """A bad argument found by the library (an unknown saved query, a bad parameter)."""


class Failure(click.ClickException):
    """A command ran and failed; shown as one line, exit status 1."""

    exit_code = EXIT_FAILURE


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal (False for pipes, files, test runners)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False


@contextmanager
def timed(settings: Settings, what: str) -> Iterator[None]:
    """Report how long the block took, with ``--verbose``."""
    started = time.perf_counter()
    yield
    settings.detail(f"{what} in {(time.perf_counter() - started) * 1000:,.0f} ms")


def format_option(choices: tuple[str, ...], *, help: str) -> Callable[[F], F]:
    """``-f/--format`` limited to ``choices``; no default (the command picks one)."""
    return click.option("-f", "--format", "format_", type=click.Choice(choices),
                        default=None, help=help)


def query_limits(function: F) -> F:
    """``--timeout SECONDS`` and ``--limit ROWS``, the bounds of a query run."""
    function = click.option(
        "--limit", type=click.IntRange(min=1), default=10_000, show_default=True,
        metavar="ROWS", help="Stop after this many rows (or triples) and say so.")(function)
    return click.option(
        "--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
        show_default=True, metavar="SECONDS",
        help="Stop an ad hoc query (a .rq file or --sparql) after this long.")(function)


def progress_counter(settings: Settings, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """(update, finish) for a live ``label: N statements`` line on a terminal's stderr.

    Silent when stderr is not a terminal or with ``--quiet``; updates at most ten
    times a second; ``finish`` clears the line.
    """
    if settings.quiet or not is_terminal(sys.stderr):
        return (lambda n: None), (lambda: None)
    last = [0.0]

    def update(statements: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1:
            last[0] = now
            click.echo(f"\r{label}: {statements:,} statements …", err=True, nl=False)

    def finish() -> None:
        if last[0]:
            click.echo("\r\x1b[K", err=True, nl=False)

    return update, finish
