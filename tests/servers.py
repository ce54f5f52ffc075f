"""Real SPARQL servers for the remote-store tests: Oxigraph server and OpenLink Virtuoso.

Each server runs on 127.0.0.1 on a free port, with its database in a temporary
directory, and is stopped (SIGTERM, then SIGKILL) by the code that started it. The
functions here are plain context managers, so a developer can also start one by hand::

    python -m tests.servers oxigraph     # prints the endpoints, runs until Ctrl-C
    python -m tests.servers virtuoso

``oxigraph_binary()`` / ``virtuoso_binary()`` return ``None`` when the program is not
installed; the tests turn that into a skip (or, under ``PEACEGRAPH_REQUIRE_ALL=1``, a
failure) with :func:`tests.conftest.require`.

Virtuoso is set up so that reading is anonymous and writing needs a login:
``/sparql`` answers anyone but its ``SPARQL`` user lacks the ``SPARQL_UPDATE`` role, so an
anonymous update is refused; ``/sparql-auth`` (HTTP digest) lets :data:`VIRTUOSO_USER`
update. The ``dba`` password is replaced by a random one at start.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Server", "VIRTUOSO_USER", "free_port", "oxigraph_binary", "virtuoso_binary",
    "oxigraph_server", "virtuoso_server",
]

#: The Virtuoso account that may update (granted ``SPARQL_UPDATE``).
VIRTUOSO_USER = "peacegraph"
_START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Server:
    """A running server: its endpoints, the credentials that may update, its log file."""

    kind: str
    query_url: str
    update_url: str
    directory: Path
    log: Path
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    pid: int = 0

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (for failure messages)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server program (the PyPI ``oxigraph`` package), or ``None``."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    """``virtuoso-t`` (Debian's ``virtuoso-opensource``), or ``None``; needs ``isql-vt`` too."""
    server = shutil.which("virtuoso-t")
    return server if server and shutil.which("isql-vt") else None


@contextmanager
def _process(argv: Sequence[str], log: Path, *, cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(
            list(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, *,
               timeout: float = _START_TIMEOUT) -> None:
    """Poll ``url`` (an ``ASK {}`` query) until it answers 200."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}:\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            request = urllib.request.Request(
                probe, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer {url} within {timeout:g} s:\n"
                       + log.read_text(errors="replace")[-3000:])


@contextmanager
def oxigraph_server(directory: Path, *, union_default_graph: bool = True,
                    timeout_s: int | None = None) -> Iterator[Server]:
    """``oxigraph serve`` on a free port with its database in ``directory``."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [binary, "serve", "--location", str(directory / "db"), "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        argv.append("--union-default-graph")
    if timeout_s is not None:
        argv += ["--timeout-s", str(timeout_s)]
    log = directory / "oxigraph.log"
    base = f"http://127.0.0.1:{port}"
    with _process(argv, log, cwd=directory) as process:
        _wait_http(f"{base}/query", process, log)
        yield Server("oxigraph", f"{base}/query", f"{base}/update", directory, log,
                     pid=process.pid)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
AllowOSCalls             = 0
DirsAllowed              = ., {dir}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxQueryMem              = 512M
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 4
NumberOfBuffers          = 20000
MaxDirtyBuffers          = 15000

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {dir}/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[URIQA]
DynamicLocal = 0
DefaultHost  = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 30
DeferInferenceRulesInit    = 0
"""


def isql(sql_port: int, password: str, statements: str, *, timeout: float = 60.0) -> str:
    """Run SQL through ``isql-vt`` as ``dba``; raises on an ``*** Error``."""
    done = subprocess.run(
        ["isql-vt", f"127.0.0.1:{sql_port}", "dba", password, "VERBOSE=OFF", "BANNER=OFF",
         "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT", f"EXEC={statements}"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    if done.returncode != 0 or "*** Error" in output:
        raise RuntimeError(f"isql failed ({done.returncode}): {output.replace(password, '***')}")
    return output


@contextmanager
def virtuoso_server(directory: Path, *, max_rows: int = 1_000_000) -> Iterator[Server]:
    """``virtuoso-t +foreground`` on free ports, a fresh database in ``directory``.

    ``max_rows`` is ``[SPARQL] ResultSetMaxRows``: Virtuoso cuts longer answers there
    (and says so only in an ``X-SPARQL-MaxRows`` header).
    """
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port,
                                        max_rows=max_rows))
    log = directory / "virtuoso.out"
    argv = [binary, "+foreground", "+wait", "+configfile", str(ini)]
    base = f"http://127.0.0.1:{http_port}"
    user_password = "p" + secrets.token_hex(16)
    dba_password = "p" + secrets.token_hex(16)
    with _process(argv, log, cwd=directory) as process:
        _wait_http(f"{base}/sparql", process, log)
        isql(sql_port, "dba", (
            f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{user_password}'); "
            f"GRANT SPARQL_UPDATE TO \"{VIRTUOSO_USER}\"; "
            f"SET PASSWORD dba {dba_password};"))
        yield Server("virtuoso", f"{base}/sparql", f"{base}/sparql-auth", directory,
                     directory / "virtuoso.log", user=VIRTUOSO_USER, password=user_password,
                     pid=process.pid)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.servers oxigraph|virtuoso [DIR]``: run one until Ctrl-C."""
    import tempfile

    args = list(sys.argv[1:] if argv is None else argv)
    # stop cleanly (servers stopped, temporary files removed) on Ctrl-C or `kill PID`,
    # even when started in the background, where SIGINT is ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not args or args[0] not in ("oxigraph", "virtuoso"):
        print("usage: python -m tests.servers oxigraph|virtuoso [DIR]", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(args[1]) if len(args) > 1 else Path(tmp)
        start = oxigraph_server if args[0] == "oxigraph" else virtuoso_server
        with start(directory) as server:
            print(f"query:  {server.query_url}\nupdate: {server.update_url}")
            if server.user:
                print(f"user:   {server.user}\npassword: {server.password}")
            sys.stdout.flush()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
