"""``peacegraph app``: start the Streamlit app on this machine only."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from peacegraph.cli_options import EXIT_USAGE, Settings, pass_settings
from webapp import REPLICA_ENV, REPLICA_MODES

__all__ = ["app", "APP", "streamlit_command"]

#: The Streamlit app, at the repository root.
APP = Path(__file__).resolve().parent.parent / "app.py"


def streamlit_command(app_path: Path, *, port: int) -> list[str]:
    """The command that serves ``app_path`` on 127.0.0.1:``port`` with safe settings.

    Listening on the loopback interface only, no usage statistics, no error details
    shown to the browser, XSRF protection on.

    >>> streamlit_command(Path("/repo/app.py"), port=8501)[1:4]
    ['-m', 'streamlit', 'run']
    """
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "none",
        "--server.enableXsrfProtection", "true",
    ]


@click.command()
@click.option("--port", type=click.IntRange(1024, 65535), default=8501, show_default=True,
              help="The local port to serve on.")
@click.option("--replica", type=click.Choice(REPLICA_MODES, case_sensitive=False),
              default="auto", show_default=True, envvar=REPLICA_ENV,
              help="Where the app answers from: memory copies the store into memory when "
                   "the first page is shown and after each load (several times faster than "
                   "disk; about 0.6 GB per million statements); disk reads the store; auto "
                   "copies up to 5 million statements if the copy fits in half the "
                   "available memory, else reads the store [$PEACEGRAPH_REPLICA].")
@click.option("--dry-run", is_flag=True, help="Print the command instead of running it.")
@pass_settings
def app(settings: Settings, port: int, replica: str, dry_run: bool) -> None:
    """Browse the graph in the Streamlit app, at http://127.0.0.1:PORT (this machine only).

    The app reads the store given by --store (passed on as $PEACEGRAPH_STORE, with
    --replica as $PEACEGRAPH_REPLICA), or the SPARQL server given by --endpoint (passed
    on as $PEACEGRAPH_ENDPOINT; --replica does not apply). It never writes, so it needs
    no credentials; they are not passed on.
    """
    import importlib.util

    from peacegraph.cli_remote import ENDPOINT_ENV, endpoints

    if not APP.is_file():
        click.echo(f"peacegraph: error: the app is not there yet: {APP} does not exist",
                   err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    if importlib.util.find_spec("streamlit") is None:
        raise click.ClickException("streamlit is not installed: pip install streamlit")
    command = streamlit_command(APP, port=port)
    endpoint, _ = endpoints(click.get_current_context())
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PEACEGRAPH_USER", "PEACEGRAPH_PASSWORD")}
    if endpoint is not None:
        environment[ENDPOINT_ENV] = endpoint
        shown, where = f"{ENDPOINT_ENV}={shlex.quote(endpoint)}", endpoint
    else:
        store = str(settings.store_path().absolute())
        environment["PEACEGRAPH_STORE"] = store
        environment[REPLICA_ENV] = replica.lower()
        shown = f"PEACEGRAPH_STORE={shlex.quote(store)} {REPLICA_ENV}={replica.lower()}"
        where = store
    if dry_run:
        click.echo(f"{shown} {shlex.join(command)}")
        return
    settings.say(f"serving {where} at http://127.0.0.1:{port} (Ctrl-C stops)")
    os.execve(sys.executable, command, environment)
