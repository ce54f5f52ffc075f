r"""Ad hoc SPARQL, read-only and bounded: refused unless it is a plain query, run in a killable worker.

Both engines run ``SERVICE`` (fetching from any URL) and ``LOAD`` by default, and
pyoxigraph has no switch to turn them off, so :func:`check_read_only` is the guard: it
parses the text with rdflib's SPARQL parser and refuses updates and any ``SERVICE``
clause, wherever it sits (``OPTIONAL``, ``UNION``, sub-queries, ``FILTER EXISTS``).
The decision is made on the parsed query, not on the text: SPARQL applies ``\u``
escapes before parsing, so ``\u0053ERVICE`` is a ``SERVICE``. The engine is then given
the escape-expanded text, the very text that was checked, so the two parsers cannot
read it differently.

:func:`run_query` runs a checked query in a separate worker process (``python -m
graph.sandbox``, request as JSON on stdin, result as JSON on stdout). pyoxigraph does
not look at signals until a query finishes, so a thread cannot stop a runaway query;
the worker can be killed. The worker

- caps its address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``, a backstop at
  twice the timeout plus 5 s), dies with its parent (``PR_SET_PDEATHSIG``), and, where
  the kernel allows unprivileged user namespaces, drops into an empty network
  namespace, so it could not reach the network even if a ``SERVICE`` slipped through;
- opens the store read-only (:meth:`graph.store.Store.open`) and stops reading after
  ``limit`` rows (``SelectResult.truncated``) or ``limit`` triples.

The parent waits at most ``timeout`` seconds, then kills the worker (``SIGKILL``) and
raises :class:`QueryTimeout`; it stays responsive meanwhile (Ctrl-C kills the worker
too).

>>> check_read_only("SELECT ?s WHERE { ?s ?p ?o }")
'SELECT'
>>> check_read_only(r"SELECT * WHERE { \u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
graph.sandbox.UnsafeQuery: refused: the query uses SERVICE (a federated query would fetch data from another server); only local read-only queries run here
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graph.terms import SelectResult, Term

__all__ = [
    "UnsafeQuery", "QuerySyntaxError", "QueryError", "QueryTimeout", "QueryMemoryError",
    "Triples", "check_read_only", "run_query",
]

#: The folder holding the ``graph`` package: the worker runs from there.
_ROOT = Path(__file__).resolve().parent.parent
#: ``module:attribute`` of the callable the worker opens the store with.
_OPENER = "graph.store:Store.open"

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK",
          "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_UPDATES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
            "Add": "ADD", "Move": "MOVE", "Copy": "COPY", "InsertData": "INSERT DATA",
            "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
            "Modify": "DELETE/INSERT"}
_UPDATE_KEYWORD = re.compile(r"\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                             re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class UnsafeQuery(ValueError):
    """The text is an update or uses ``SERVICE``: it is refused before any engine sees it."""


class QuerySyntaxError(ValueError):
    """The text is not a SPARQL query. ``line`` and ``column`` (1-based) when known.

    >>> str(QuerySyntaxError("Expected '}'", line=2, column=7))
    "SPARQL syntax error at line 2, column 7: Expected '}'"
    """

    def __init__(self, message: str, *, line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"SPARQL syntax error{where}: {message}")


class QueryError(RuntimeError):
    """The worker could not answer (a failure inside the engine, or the worker died)."""


class QueryTimeout(QueryError):
    """The query ran longer than allowed and its worker was killed."""


class QueryMemoryError(QueryError):
    """The query needed more memory than allowed and its worker stopped."""


class Triples(list[tuple[Term, Term, Term]]):
    """The triples of a CONSTRUCT or DESCRIBE answer; ``truncated`` when ``limit`` cut them.

    >>> t = Triples([], truncated=True)
    >>> (t, t.truncated)
    ([], True)
    """

    def __init__(self, triples: Iterable[tuple[Term, Term, Term]] = (), *,
                 truncated: bool = False) -> None:
        super().__init__(triples)
        self.truncated = truncated


# --------------------------------------------------------------------------- the check


def check_read_only(sparql: str) -> str:
    r"""The query form (``"SELECT"``, ``"ASK"``, ``"CONSTRUCT"``, ``"DESCRIBE"``) of a safe query.

    Raises :class:`UnsafeQuery` for a SPARQL update (INSERT, DELETE, LOAD, CLEAR, DROP,
    CREATE, ADD, MOVE, COPY) and for a query with a ``SERVICE`` clause anywhere in it,
    and :class:`QuerySyntaxError` (with line and column) for text that is neither a
    query nor an update. ``\u``/``\U`` escapes are expanded first, as SPARQL requires.
    Imports rdflib's SPARQL parser.

    >>> check_read_only("ASK { ?s a ?o }")
    'ASK'
    >>> check_read_only("LOAD <http://example.org/data.ttl>")
    Traceback (most recent call last):
    ...
    graph.sandbox.UnsafeQuery: refused: this is a SPARQL update (LOAD), and only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here
    >>> check_read_only("SELECT ?s WHERE {\n  ?s ?p }")
    Traceback (most recent call last):
    ...
    graph.sandbox.QuerySyntaxError: SPARQL syntax error at line 2, column 3: Expected SelectQuery, found '?s ?p }'
    """
    return _checked(sparql)[0]


def _checked(sparql: str) -> tuple[str, str]:
    """(query form, escape-expanded text) of a safe query; the engine runs that text."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    text = _expand_escapes(sparql)
    try:
        parsed = parseQuery(text)
    except ParseException as query_error:
        try:
            update = parseUpdate(text)
        except ParseException as update_error:
            keyword = _UPDATE_KEYWORD.match(text, query_error.loc)
            if keyword:  # a malformed update is still an update
                raise UnsafeQuery(_refused_update([keyword.group(1).upper()])) from None
            # report the reading that got further: it is the one the author meant
            best = max(query_error, update_error, key=lambda e: e.loc)
            raise QuerySyntaxError(_pyparsing_message(best), line=best.lineno,
                                   column=best.col) from None
        except ValueError as exc:
            raise QuerySyntaxError(str(exc)) from None
        requests = update["request"] if "request" in update else []
        operations = [_UPDATES.get(op.name, op.name) for op in requests]
        if not operations:
            raise QuerySyntaxError("no query: the text holds only comments or prefixes") from None
        raise UnsafeQuery(_refused_update(operations)) from None
    except ValueError as exc:  # rdflib: an invalid code point, a bad number, ...
        raise QuerySyntaxError(str(exc)) from None
    query = parsed[1]
    if any(node.name == "ServiceGraphPattern" for node in _components(parsed)):
        raise UnsafeQuery(
            "refused: the query uses SERVICE (a federated query would fetch data from "
            "another server); only local read-only queries run here")
    form = _FORMS.get(query.name)
    if form is None:
        raise QuerySyntaxError(f"unknown query form {query.name}")
    return form, text


def _refused_update(operations: Iterable[str]) -> str:
    return (f"refused: this is a SPARQL update ({', '.join(dict.fromkeys(operations))}), "
            "and only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here")


def _expand_escapes(sparql: str) -> str:
    r"""``\uXXXX`` and ``\UXXXXXXXX`` replaced by their characters, everywhere.

    Refuses code points that are not Unicode scalar values, and text whose expansion
    leaves another escape behind (``\u005Cu0053``): a second pass by any parser would
    read it differently.

    >>> _expand_escapes(r"\u0053ELECT")
    'SELECT'
    """
    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"{match.group(0)} is not a Unicode character")
        return chr(code)

    text = _ESCAPE.sub(expand, sparql)
    if _ESCAPE.search(text):
        raise QuerySyntaxError("a \\u escape expands to another \\u escape; write the "
                               "character itself")
    return text


def _pyparsing_message(error: Any) -> str:
    message = str(getattr(error, "msg", "") or error)
    found = error.line[error.col - 1:error.col + 19].strip() if error.line else ""
    if found and "found" not in message:
        message += f", found {found!r}"
    return message


def _components(node: Any) -> Iterable[Any]:
    """Every rdflib ``CompValue`` in a parse tree, depth first."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (ParseResults, list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


# --------------------------------------------------------------------------- running


def run_query(store_path: str | Path, sparql: str, *,
              params: Mapping[str, Term] | None = None, timeout: float = 10.0,
              limit: int = 10_000, max_memory: int = 2 << 30,
              ) -> SelectResult | bool | Triples:
    """Run an ad hoc query against the store at ``store_path`` in a killable worker.

    The text is first checked with :func:`check_read_only` (nothing starts for a refused
    query). ``params`` are bound by the engine, never pasted into the text. A SELECT
    gives a :class:`~graph.terms.SelectResult` of at most ``limit`` rows (``truncated``
    when more were available), an ASK a ``bool``, a CONSTRUCT or DESCRIBE
    :class:`Triples` (at most ``limit``). The store is opened read-only: nothing is
    ever written.

    Raises :class:`UnsafeQuery` or :class:`QuerySyntaxError` before running;
    :class:`QueryTimeout` when the worker needed more than ``timeout`` seconds
    (startup included) and was killed; :class:`QueryMemoryError` beyond ``max_memory``
    bytes; the store's own errors (``StoreNotFound``, ``StoreLocked``); and
    :class:`QueryError` for any other failure of the worker.

    >>> run_query("/nonexistent", "DELETE WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    ...
    graph.sandbox.UnsafeQuery: refused: this is a SPARQL update (DELETE WHERE), and only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here
    """
    if not timeout > 0:
        raise ValueError("timeout must be a positive number of seconds")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    form, text = _checked(sparql)
    request = {
        "opener": _OPENER,
        "store": str(Path(store_path).resolve()),
        "sparql": text,
        "form": form,
        "params": {name: _term_json(term) for name, term in (params or {}).items()},
        "limit": limit,
        "max_memory": max_memory,
        "cpu_seconds": math.ceil(2 * timeout) + 5,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "graph.sandbox"], cwd=_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)  # Ctrl-C reaches only us; we kill the worker
    try:
        out, err = worker.communicate(json.dumps(request).encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(worker)
        raise QueryTimeout(f"query stopped after {timeout:g} s") from None
    finally:
        if worker.poll() is None:
            _kill(worker)
    return _answer(worker.returncode, out, err, max_memory=max_memory)


def _kill(worker: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        worker.kill()
    worker.communicate()


def _answer(returncode: int, out: bytes, err: bytes, *,
            max_memory: int) -> SelectResult | bool | Triples:
    """The worker's JSON answer as terms, or the matching exception."""
    stderr = err.decode("utf-8", "replace").strip()
    too_big = QueryMemoryError(f"query stopped: it needed more than "
                               f"{max_memory / 2**20:,.0f} MiB of memory")
    try:
        reply = json.loads(out) if out else None
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        if returncode == -signal.SIGXCPU:
            raise QueryTimeout("query stopped: it used up its CPU time")
        # under RLIMIT_AS the engine fails in several ways: an allocation error, a
        # MemoryError, or a C++ abort when a thread's stack cannot be mapped (EAGAIN)
        if (any(sign in stderr for sign in ("memory allocation", "cannot allocate memory",
                                            "MemoryError", "std::bad_alloc",
                                            "Resource temporarily unavailable"))
                or returncode == -signal.SIGKILL):
            raise too_big
        last = stderr.splitlines()[-1] if stderr else f"exit status {returncode}"
        raise QueryError(f"the query worker failed: {last}")
    if "error" in reply:
        error = reply["error"]
        kind, message = error["type"], error["message"]
        if kind == "MemoryError":
            raise too_big
        if "SyntaxError" in kind:  # the engine's parser refused what rdflib's accepted
            raise QuerySyntaxError(message, line=error.get("line"), column=error.get("column"))
        if kind.startswith("Store"):
            _raise_store_error(kind, message)
        raise QueryError(f"{kind}: {message}" if message else kind)
    if "boolean" in reply:
        return bool(reply["boolean"])
    if "triples" in reply:
        return Triples(((_term(s), _term(p), _term(o)) for s, p, o in reply["triples"]),
                       truncated=reply["truncated"])
    return SelectResult(tuple(reply["variables"]),
                        [{k: _term(v) for k, v in row.items()} for row in reply["rows"]],
                        truncated=reply["truncated"])


def _raise_store_error(kind: str, message: str) -> None:
    try:
        from graph import store
    except ImportError:
        raise QueryError(message) from None
    cls = getattr(store, kind, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        raise cls(message)
    raise QueryError(message)


def _term_json(term: Term) -> dict[str, str | None]:
    return {"kind": term.kind, "value": term.value, "datatype": term.datatype, "lang": term.lang}


def _term(data: Mapping[str, Any]) -> Term:
    return Term(data["kind"], data["value"], data.get("datatype"), data.get("lang"))


# --------------------------------------------------------------------------- the worker


def _confine(*, max_memory: int, cpu_seconds: int) -> None:
    """Limit this process: memory, CPU time, die with the parent, no network if possible."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, max_memory), (resource.RLIMIT_CPU, cpu_seconds)):
        _, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            libc.unshare(0x10000000 | 0x40000000)  # CLONE_NEWUSER | CLONE_NEWNET; may be refused
        except (OSError, AttributeError):
            pass


def _opener(spec: str) -> Any:
    import importlib

    module, _, attribute = spec.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def _work(request: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one request as a JSON-ready dict (errors included)."""
    limit = int(request["limit"])
    params = {name: _term(t) for name, t in request["params"].items()} or None
    text, form = request["sparql"], request["form"]
    try:
        store = _opener(request["opener"])(request["store"], read_only=True)
        with store:
            if form == "SELECT":
                result = store.select(text, params=params, limit=limit)
                return {"variables": list(result.variables), "truncated": result.truncated,
                        "rows": [{k: _term_json(v) for k, v in row.items()}
                                 for row in result.rows]}
            if form == "ASK":
                return {"boolean": bool(store.ask(text, params=params))}
            triples: list[list[dict[str, str | None]]] = []
            truncated = False
            for triple in store.construct(text, params=params):
                if len(triples) == limit:
                    truncated = True
                    break
                triples.append([_term_json(t) for t in triple])
            return {"triples": triples, "truncated": truncated}
    except MemoryError:
        return {"error": {"type": "MemoryError", "message": ""}}
    except Exception as exc:  # reported to the parent, which raises the matching error
        error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
        if "SyntaxError" in error["type"]:
            error.update(message=str(getattr(exc, "message", None) or exc),
                         line=getattr(exc, "line", None), column=getattr(exc, "column", None))
        return {"error": error}


def _worker_main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    _confine(max_memory=int(request["max_memory"]), cpu_seconds=int(request["cpu_seconds"]))
    reply = _work(request)
    sys.stdout.buffer.write(json.dumps(reply, ensure_ascii=False).encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker_main())
