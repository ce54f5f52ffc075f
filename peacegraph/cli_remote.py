"""``--endpoint`` / ``--update-endpoint``: the command line against a SPARQL 1.1 server.

With ``--endpoint QUERY_URL`` (or ``$PEACEGRAPH_ENDPOINT``) every command reads from that
server instead of the store directory; commands that write (``load``) also need
``--update-endpoint UPDATE_URL`` (or ``$PEACEGRAPH_UPDATE_ENDPOINT``) and, where the server
asks for them, credentials from ``$PEACEGRAPH_USER`` / ``$PEACEGRAPH_PASSWORD`` or
``~/.config/peacegraph/credentials`` (mode 0600). See docs/remote.md.

Only click and the standard library are imported at module level.

>>> import click
>>> @click.command()
... @endpoint_options
... @click.pass_context
... def show(ctx):
...     click.echo(endpoints(ctx))
>>> from click.testing import CliRunner
>>> CliRunner().invoke(show, ["--endpoint", "http://127.0.0.1:7878/query"], env={}).output
"('http://127.0.0.1:7878/query', None)\\n"
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from peacegraph.cli_options import Settings

if TYPE_CHECKING:
    from graph.remote import RemoteStore
    from graph.sandbox import Triples
    from graph.store import Store
    from graph.terms import SelectResult, Term

__all__ = ["ENDPOINT_ENV", "UPDATE_ENDPOINT_ENV", "endpoint_options", "endpoint_params",
           "endpoints", "open_store",
           "run_ad_hoc"]

F = TypeVar("F", bound=Callable[..., Any])

ENDPOINT_ENV = "PEACEGRAPH_ENDPOINT"
UPDATE_ENDPOINT_ENV = "PEACEGRAPH_UPDATE_ENDPOINT"
_META = "peacegraph.cli_remote"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, str | None], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value:
            ctx.meta.setdefault(_META, {})[key] = value

    return callback


def endpoint_params(*, environment: bool = True) -> list[click.Option]:
    """``--endpoint QUERY_URL`` and ``--update-endpoint UPDATE_URL`` (kept in ``ctx.meta``,
    which every context of one invocation shares); :func:`open_store` reads them.

    On the ``peacegraph`` group they also read ``$PEACEGRAPH_ENDPOINT`` /
    ``$PEACEGRAPH_UPDATE_ENDPOINT``; repeated on each command (``environment=False``) they
    only take what is typed there, so the environment never overrides a typed option.
    """
    return [
        click.Option(
            ["--endpoint"], metavar="QUERY_URL", envvar=ENDPOINT_ENV if environment else None,
            expose_value=False, is_eager=True, callback=_remember("query"),
            help="Use the SPARQL 1.1 server at this query endpoint instead of a store "
                 f"directory [${ENDPOINT_ENV}]."),
        click.Option(
            ["--update-endpoint"], metavar="UPDATE_URL",
            envvar=UPDATE_ENDPOINT_ENV if environment else None,
            expose_value=False, is_eager=True, callback=_remember("update"),
            help="The SPARQL 1.1 update endpoint, for `load` against a server "
                 f"[${UPDATE_ENDPOINT_ENV}]."),
    ]


def endpoint_options(function: F) -> F:
    """The :func:`endpoint_params` as a decorator (for the ``peacegraph`` group)."""
    params = getattr(function, "__click_params__", [])
    params.extend(reversed(endpoint_params()))
    function.__click_params__ = params  # type: ignore[attr-defined]
    return function


def endpoints(ctx: click.Context | None, environ: Mapping[str, str] | None = None
              ) -> tuple[str | None, str | None]:
    """(query endpoint, update endpoint) from the options, else the environment."""
    env = os.environ if environ is None else environ
    given = ctx.meta.get(_META, {}) if ctx is not None else {}
    query = given.get("query") or env.get(ENDPOINT_ENV) or None
    update = given.get("update") or env.get(UPDATE_ENDPOINT_ENV) or None
    return query, update


def open_store(ctx: click.Context | None = None, *, read_only: bool = True,
               timeout: float | None = None, settings: Settings | None = None
               ) -> Store | RemoteStore:
    """The store a command works on: the SPARQL server of ``--endpoint`` if given, else
    the store directory (``--store``, ``$PEACEGRAPH_STORE``, ``./.peacegraph/store``).

    ``timeout`` bounds each request to a server (default
    :data:`graph.remote.DEFAULT_TIMEOUT`). Raises ``click.UsageError`` for ``--store``
    together with ``--endpoint``, or ``--update-endpoint`` alone.
    """
    if settings is None and ctx is not None:
        settings = ctx.find_object(Settings)
    settings = settings or Settings()
    query, update = endpoints(ctx)
    if query is None:
        if update is not None:
            raise click.UsageError("--update-endpoint needs --endpoint (the query endpoint)")
        from graph.store import Store

        return Store.open(settings.store_path(), read_only=read_only)
    if settings.store is not None:
        raise click.UsageError("use either --store or --endpoint, not both")
    from graph.remote import DEFAULT_TIMEOUT, RemoteStore

    return RemoteStore.open(query, update_endpoint=update, read_only=read_only,
                            timeout=timeout or DEFAULT_TIMEOUT)


def run_ad_hoc(ctx: click.Context | None, sparql: str, *, params: Mapping[str, Term],
               timeout: float, limit: int) -> SelectResult | bool | Triples:
    """An ad hoc query on the store or the server: :func:`graph.sandbox.run_query` or
    :func:`graph.remote.run_query` (both refuse updates and ``SERVICE`` first)."""
    settings = (ctx.find_object(Settings) if ctx is not None else None) or Settings()
    query, _ = endpoints(ctx)
    if query is None:
        from graph.sandbox import run_query

        return run_query(settings.store_path(), sparql, params=params, timeout=timeout,
                         limit=limit)
    from graph import remote
    from graph.sandbox import Triples, check_read_only

    check_read_only(sparql)  # refused before any connection is made
    with open_store(ctx, timeout=timeout, settings=settings) as store:
        assert isinstance(store, remote.RemoteStore)
        result = remote.run_query(store, sparql, params=params, limit=limit)
    if isinstance(result, list) and not isinstance(result, Triples):
        result = Triples(result)
    return result
