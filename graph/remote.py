r"""A peacegraph store on a SPARQL 1.1 server: the verbs of :class:`graph.store.Store`, remotely.

:class:`RemoteStore` answers ``select`` / ``ask`` / ``construct`` / ``load`` / ``remove`` /
``dump`` / ``manifest`` / ``stats`` / ``version`` / ``close`` with the same return types
as the embedded store, so :func:`graph.queries.run`, snapshots and the command line work
unchanged against an Oxigraph server, Virtuoso or any SPARQL 1.1 store.

Protocol. Queries are POSTed to the query endpoint (SPARQL 1.1 Protocol, form-encoded),
SELECT and ASK answers read as SPARQL JSON results, CONSTRUCT answers as N-Triples.
Writes are SPARQL 1.1 Update requests to the update endpoint. Every request runs in a
worker thread under a hard deadline (``timeout`` plus a few seconds' grace): the caller
gets :class:`RemoteTimeout` on time even when the server never answers (the thread is
abandoned; its socket times out on its own). Where the server takes a per-request time
limit it is sent too (Virtuoso: ``timeout``, in milliseconds); Oxigraph's is set on the
server (``oxigraph serve --timeout-s``).

Answers are parsed strictly: a body that is not complete JSON (Oxigraph cuts its body
when ``--timeout-s`` strikes, with status 200), N-Triples not ending in a newline, a
Virtuoso "anytime" partial answer (``X-SQL-State`` header) or an answer cut at
Virtuoso's ``ResultSetMaxRows`` (``X-SPARQL-MaxRows``) raise
:class:`MalformedResponse` or :class:`RemoteTimeout`: never a short answer.

The union default graph. Embedded queries see the union of the store's named graphs as
the default graph. Remotely (``union="dataset"``, the default) every query names its
dataset with the protocol's ``default-graph-uri`` / ``named-graph-uri`` parameters: the
graphs of the manifest, ``pgg:manifest`` and ``pgg:inferred``. The answer is then the
embedded one on any server, whatever its default graph, and other graphs on a shared
server (Virtuoso's own system graphs, a staging graph of a load in progress, another
team's data) stay out of it. ``union="server"`` sends no dataset and relies on the
server's default graph being the union of all graphs (``oxigraph serve
--union-default-graph``); it saves reading the manifest once per store handle.

Loads keep the per-source graphs and the manifest and are as atomic as the server
allows: the statements go into ``pgg:<name>.staging`` (batches of ``INSERT DATA``),
``pgg:inferred`` is recomputed into ``pgg:inferred.staging`` over the dataset as it
will be, and one final update request swaps both in and rewrites the manifest entry::

    DROP SILENT GRAPH <g> ; MOVE SILENT GRAPH <g.staging> TO GRAPH <g> ;
    DELETE WHERE { GRAPH pgg:manifest { <g> ?p ?o } } ; INSERT DATA { GRAPH pgg:manifest {…} } ;
    DROP SILENT GRAPH pgg:inferred ; MOVE SILENT GRAPH pgg:inferred.staging TO GRAPH pgg:inferred

Oxigraph runs one update request in one transaction, so a failed load leaves the old
content. Virtuoso applies the operations of a request one after another; a failure
before the last request still leaves the old content (only staging graphs were
written). There is no writer lock on a server: run one writer at a time.

Parameters are bound as typed terms (:meth:`graph.terms.Term.n3`) in a ``VALUES``
block placed right after the opening brace of the outermost ``WHERE`` group, never
pasted into the query text; unlike pyoxigraph's substitutions, ``BOUND(?param)`` is true.

Credentials (for the update endpoint only; reading needs none) come from
``PEACEGRAPH_USER`` / ``PEACEGRAPH_PASSWORD`` or ``~/.config/peacegraph/credentials``
(refused unless only its owner can read it, mode 0600), and are given to the HTTP basic
or digest handshake only: they appear in no message, log line or ``repr``.

>>> bind_values("SELECT ?t ?n WHERE { ?t pg:trackNumber ?n }", {"t": Term.iri("https://w3id.org/peacegraph/id/track-4")})
'SELECT ?t ?n WHERE { VALUES ?t { <https://w3id.org/peacegraph/id/track-4> } ?t pg:trackNumber ?n }'
"""

from __future__ import annotations

import base64
import configparser
import datetime as _dt
import decimal as _decimal
import hashlib
import http.client
import json
import logging
import math
import os
import re
import stat
import struct
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from graph import inference
from graph.store import (
    DUMP_FORMATS, INFERRED_GRAPH, MANIFEST_GRAPH, MANIFEST_NS, LoadReport, ManifestEntry,
    QuerySyntaxError, SourceLike, Stats, Store, StoreError,
)
from graph.terms import XSD, SelectResult, Term
from ontology import GRAPH_NS, PREFIXES

__all__ = [
    "RemoteStore", "RemoteError", "RemoteTimeout", "RemoteAuthError", "MalformedResponse",
    "Credentials", "CREDENTIALS_FILE", "DEFAULT_TIMEOUT", "BATCH_TRIPLES", "BATCH_BYTES",
    "VIRTUOSO_BATCH_TRIPLES", "load_credentials", "bind_values", "query_form", "run_query",
]

log = logging.getLogger(__name__)

#: Where credentials are read from when the environment has none (mode 0600 only).
CREDENTIALS_FILE = Path("~/.config/peacegraph/credentials")
#: Seconds a request may take (the server is asked to stop then; the client gives up a bit later).
DEFAULT_TIMEOUT = 60.0
#: Extra seconds the client waits beyond the server's time limit before giving up
#: (at most half the time limit, so a short limit stays short).
GRACE = 5.0
#: At most this many statements, and about this many bytes of text, per ``INSERT DATA``.
BATCH_TRIPLES = 5_000
BATCH_BYTES = 1 << 20
#: Virtuoso compiles an update to SQL and refuses one of more than 10,000 lines (about
#: 1,500 statements); its time per statement grows beyond a few hundred (measured:
#: 0.35 ms at 250, 1.1 ms at 1,000).
VIRTUOSO_BATCH_TRIPLES = 250

_STAGING = ".staging"
_RESERVED = frozenset({"manifest", "inferred"})
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z", re.IGNORECASE)
_MANIFEST_FIELDS = ("name", "location", "sha256", "loader", "loadedAt", "statements")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")
_VARNAME = re.compile(r"[A-Za-z0-9_\u00b7\u00c0-\ufffd]+\Z")
_INTEGER_TYPES = frozenset(XSD + t for t in (
    "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
))
# SPARQL lexemes a scanner must step over: IRIs, strings (long ones first), comments.
_LEXEMES = re.compile(
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r"|(?P<comment>#[^\n\r]*)",
    re.DOTALL,
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|"
                   r"ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_BNODE_OBJECT = re.compile(r"\s(_:\S+)\s*\.\s*\Z")


# --------------------------------------------------------------------------- errors


class RemoteError(StoreError):
    """A SPARQL server could not do what was asked; ``str()`` is one line, without secrets."""


class RemoteTimeout(RemoteError):
    """No complete answer within the time limit (the server may still be working on it)."""


class RemoteAuthError(RemoteError):
    """The server refused the request: no or wrong credentials, or no right to update."""


class MalformedResponse(RemoteError):
    """The server's answer is cut off or not what the protocol says; it is not used."""


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    """A user name and password for the update endpoint (HTTP basic or digest).

    The password is never shown:

    >>> Credentials("alice", "s3cret")
    Credentials(user='alice', password='***')
    """

    user: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***')"

    def __str__(self) -> str:
        return repr(self)


def load_credentials(*, environ: Mapping[str, str] | None = None,
                     path: str | Path | None = None,
                     endpoint: str | None = None) -> Credentials | None:
    """Credentials from ``PEACEGRAPH_USER``/``PEACEGRAPH_PASSWORD``, else the credentials file.

    The file (``~/.config/peacegraph/credentials`` unless ``path``) is INI-like: keys
    ``user`` and ``password`` at the top, or in a section named by an update endpoint
    URL (the longest section name that ``endpoint`` starts with wins). It is refused
    (:class:`RemoteAuthError`) unless it is a regular file of the current user that
    nobody else may read or write (``chmod 600``). ``None`` when neither has any.

    >>> load_credentials(environ={"PEACEGRAPH_USER": "alice", "PEACEGRAPH_PASSWORD": "pw"})
    Credentials(user='alice', password='***')
    >>> load_credentials(environ={}, path="/nonexistent") is None
    True
    """
    env = os.environ if environ is None else environ
    user, password = env.get("PEACEGRAPH_USER"), env.get("PEACEGRAPH_PASSWORD")
    if user and password is not None:
        return Credentials(user, password)
    if password and not user:
        raise RemoteAuthError("PEACEGRAPH_PASSWORD is set but PEACEGRAPH_USER is not")
    file = Path(path if path is not None else CREDENTIALS_FILE).expanduser()
    try:
        info = file.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise RemoteAuthError(f"cannot read {file}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise RemoteAuthError(f"refusing {file}: not a regular file")
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise RemoteAuthError(
            f"refusing {file}: it must belong to you and be readable by you only "
            f"(mode {stat.S_IMODE(info.st_mode):04o}; run `chmod 600 {file}`)")
    parser = configparser.ConfigParser(interpolation=None, default_section="\x00none")
    try:
        parser.read_string("[\x00top]\n" + file.read_text(encoding="utf-8"), source=str(file))
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        # configparser quotes lines in its messages: keep only where it failed
        where = getattr(error, "lineno", None)
        raise RemoteAuthError(f"cannot read {file}: not 'key = value' lines"
                              + (f" (line {where - 1})" if where else "")) from None
    chosen = "\x00top"
    if endpoint:
        matches = [s for s in parser.sections() if s != "\x00top" and endpoint.startswith(s)]
        if matches:
            chosen = max(matches, key=len)
    section = parser[chosen]
    if section.get("user") and section.get("password") is not None:
        return Credentials(section["user"], section["password"])
    return None


# --------------------------------------------------------------------------- query text


def _blanked(sparql: str) -> str:
    """The text with IRIs, strings and comments blanked out, same length (positions hold)."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if match.group("iri") is not None:
            return "<" + " " * (len(text) - 2) + ">"
        if match.group("string") is not None:
            return '"' + " " * (len(text) - 2) + '"'
        return " " * len(text)

    return _LEXEMES.sub(blank, sparql)


def query_form(sparql: str) -> str:
    """The form of a query or update: ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or
    the first update keyword (``INSERT`` …); ``""`` when there is none.

    >>> query_form("# CONSTRUCT in a comment\\nPREFIX x: <http://a/SELECT> ASK { ?s ?p 'SELECT' }")
    'ASK'
    """
    match = _FORM.search(_blanked(sparql))
    return match.group(1).upper() if match else ""


def _where_brace(text: str) -> int | None:
    """Index just after the ``{`` opening the outermost WHERE group of a blanked query."""
    form = _FORM.search(text)
    if form is None:
        return None
    i = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        if j < len(text) and text[j] == "{":  # the template: skip it
            depth = 0
            for k in range(j, len(text)):
                if text[k] == "{":
                    depth += 1
                elif text[k] == "}":
                    depth -= 1
                    if depth == 0:
                        i = k + 1
                        break
            else:
                return None
    parens = 0
    for k in range(i, len(text)):
        char = text[k]
        if char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == "{" and parens == 0:
            return k + 1
    return None


def _values(params: Mapping[str, Term]) -> dict[str, str]:
    """Variable name → ``VALUES ?name { term }`` for typed terms (checked, then ``n3()``)."""
    blocks = {}
    for name, term in params.items():
        bare = name[1:] if name[:1] in ("?", "$") else name
        if not _VARNAME.match(bare):
            raise StoreError(f"invalid parameter name {name!r}")
        blocks[bare] = f"VALUES ?{bare} {{ {_checked_n3(term, bare)} }}"
    return blocks


def _checked_n3(term: Term, name: str) -> str:
    """``term.n3()`` once the term is known to serialise to exactly one SPARQL term."""
    if not isinstance(term, Term):
        raise TypeError(
            f"parameter {name!r} must be a graph.terms.Term (Term.iri / Term.literal), "
            f"not {type(term).__name__}")
    if term.kind == "uri":
        _check_iri(term.value, f"parameter {name!r}")
    elif term.kind == "literal":
        if term.datatype is not None:
            _check_iri(term.datatype, f"parameter {name!r}: datatype")
        if term.lang is not None and not _LANG.match(term.lang):
            raise StoreError(f"parameter {name!r}: invalid language tag {term.lang!r}")
    else:
        raise StoreError(f"parameter {name!r}: a {term.kind} term cannot be bound remotely")
    return term.n3()


def _check_iri(value: str, what: str) -> None:
    if not value or _IRI_BAD.search(value) or ":" not in value:
        raise StoreError(f"{what}: {value[:80]!r} is not an absolute IRI")


def bind_values(sparql: str, params: Mapping[str, Term] | None) -> str:
    """The query with ``params`` bound by ``VALUES`` blocks of typed terms (never raw text).

    One ``VALUES ?name { term }`` goes right after the brace opening the outermost
    ``WHERE`` group, and one into every nested group pattern that mentions the variable
    (a ``UNION`` branch, ``OPTIONAL``, ``FILTER EXISTS``, a sub-query's ``WHERE``), so a
    ``FILTER`` anywhere sees the value, as with pyoxigraph's substitutions. (A trailing
    ``VALUES`` clause would be joined only after every ``FILTER`` ran.) A query without a
    ``WHERE`` group (``DESCRIBE <x>``) gets a trailing ``VALUES`` clause.

    >>> bind_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": Term.literal(1)})
    'CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s { "1"^^<http://www.w3.org/2001/XMLSchema#integer> } ?s ?p ?o }'
    >>> bind_values("SELECT ?x ?y WHERE { { ?y ?p ?x } UNION { FILTER(?y = ?z) } }", {"z": Term.iri("a:b")})
    'SELECT ?x ?y WHERE { VALUES ?z { <a:b> } { ?y ?p ?x } UNION { VALUES ?z { <a:b> } FILTER(?y = ?z) } }'
    >>> bind_values('SELECT ?x WHERE { ?x ?p "{" }', {"x": Term.literal('a" } ?s ?p { "')})
    'SELECT ?x WHERE { VALUES ?x { "a\\\\" } ?s ?p { \\\\"" } ?x ?p "{" }'
    """
    if not params:
        return sparql
    blocks = _values(params)
    text = _blanked(sparql)
    outer = _where_brace(text)
    if outer is None:
        return f"{sparql.rstrip()}\n" + " ".join(blocks.values())
    inserts: list[tuple[int, str]] = [(outer, " ".join(blocks.values()))]
    for opening, closing in _groups(text, outer):
        inner = text[opening:closing]
        mentioned = [block for name, block in blocks.items()
                     if re.search(rf"[?$]{re.escape(name)}(?![\w\u00b7\u00c0-\ufffd])", inner)]
        if mentioned:
            inserts.append((opening, " ".join(mentioned)))
    for index, block in sorted(inserts, reverse=True):
        sparql = f"{sparql[:index]} {block}{sparql[index:]}"
    return sparql


def _groups(text: str, outer: int) -> Iterator[tuple[int, int]]:
    """(just after ``{``, at ``}``) of the group patterns nested in the outermost WHERE group.

    Skipped: ``VALUES`` data blocks and groups that hold a sub-query (``{ SELECT … }``:
    a ``VALUES`` cannot stand before its ``SELECT``; its own ``WHERE`` group is listed).
    """
    stack: list[int] = []
    depth = 1
    for index in range(outer, len(text)):
        char = text[index]
        if char == "{":
            stack.append(index + 1)
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return
            opening = stack.pop()
            before = text[:opening - 1]
            if re.search(r"\bVALUES\s*(?:\([^()]*\)|[?$][^\s{]+)\s*\Z", before, re.IGNORECASE):
                continue
            if re.match(r"\s*SELECT\b", text[opening:index], re.IGNORECASE):
                continue
            yield opening, index


def _with_prefixes(sparql: str) -> str:
    """Prepend the project prefixes that the query does not declare (embedded parity)."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(_blanked(sparql))}
    missing = [f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items() if p not in declared]
    return "\n".join(missing + [sparql]) if missing else sparql


# --------------------------------------------------------------------------- HTTP


@dataclass
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class _Http:
    """POSTs with a hard deadline; credentials only ever go to ``secret_url``."""

    def __init__(self, *, secret_url: str | None, credentials: Credentials | None) -> None:
        # what an echoing server may send back: the password, URL-quoted, and the HTTP
        # basic token base64("user:password") of the Authorization header
        self._secrets: tuple[str, ...] = ()
        if credentials is not None and credentials.password:
            token = base64.b64encode(
                f"{credentials.user}:{credentials.password}".encode()).decode("ascii")
            self._secrets = tuple(sorted({credentials.password, token,
                                          urllib.parse.quote_plus(credentials.password),
                                          urllib.parse.quote_plus(token)}, key=len, reverse=True))
        handlers: list[Any] = []
        if credentials is not None and secret_url is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, secret_url, credentials.user, credentials.password)
            handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                         urllib.request.HTTPBasicAuthHandler(manager)]
        # no proxies: an endpoint on 127.0.0.1 must not go through $http_proxy
        handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def scrub(self, text: str) -> str:
        """``text`` without the password or the basic token (servers sometimes echo what
        they were sent)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def post(self, url: str, form: Sequence[tuple[str, str]], *, accept: str,
             timeout: float, what: str) -> _Answer:
        """POST ``form`` to ``url``; the answer of any status, or :class:`RemoteError`."""
        data = urllib.parse.urlencode(list(form)).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "User-Agent": "peacegraph",
        })
        outcome: dict[str, Any] = {}
        deadline = timeout + min(GRACE, timeout / 2)

        def work() -> None:
            try:
                with self._opener.open(request, timeout=deadline) as response:
                    outcome["answer"] = _Answer(response.status, dict(response.headers.items()),
                                                response.read())
            except urllib.error.HTTPError as error:
                try:
                    body = error.read()
                except (OSError, http.client.HTTPException):
                    body = b""
                outcome["answer"] = _Answer(error.code, dict(error.headers.items()), body)
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error

        started = time.monotonic()
        worker = threading.Thread(target=work, name="peacegraph-http", daemon=True)
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            raise RemoteTimeout(
                f"{what}: no complete answer from {url} within {deadline:g} s; gave up waiting "
                "(the server may still be running the query)")
        error = outcome.get("error")
        if error is not None:
            if isinstance(error, (TimeoutError, OSError)) and "timed out" in str(error):
                raise RemoteTimeout(
                    f"{what}: {url} stopped sending within {deadline:g} s "
                    "(the server may still be running the query)") from None
            if isinstance(error, http.client.IncompleteRead):
                raise MalformedResponse(f"{what}: the answer from {url} was cut off "
                                        f"after {len(error.partial):,} bytes") from None
            reason = getattr(error, "reason", None) or error
            raise RemoteError(self.scrub(f"{what}: cannot reach {url}: {reason}")) from None
        answer: _Answer = outcome["answer"]
        log.debug("%s: %s answered %d in %.3f s (%d bytes)", what, url, answer.status,
                  time.monotonic() - started, len(answer.body))
        return answer

    def fail(self, answer: _Answer, url: str, what: str) -> StoreError:
        """The error for a non-2xx answer: one line, the server's reason, no secrets."""
        text = answer.body.decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        # Virtuoso repeats the whole request after its message: keep the message
        reason = " ".join(lines[:2])[:300] if lines else http.client.responses.get(answer.status, "")
        reason = self.scrub(reason)
        if answer.status in (401, 403) or "SR186" in text or "permission" in text.lower():
            return RemoteAuthError(
                f"{what}: {url} refused the request (HTTP {answer.status}): {reason}; "
                "updates need a user with the right to update (PEACEGRAPH_USER / "
                "PEACEGRAPH_PASSWORD or ~/.config/peacegraph/credentials)")
        if answer.status == 400 and what.startswith("query"):
            return QuerySyntaxError(f"{reason} (HTTP 400 from {url})")
        return RemoteError(f"{what}: {url} answered HTTP {answer.status}: {reason}")


# --------------------------------------------------------------------------- results


def _json_term(value: Any) -> Term:
    if not isinstance(value, dict) or not isinstance(value.get("value"), (str, dict)):
        raise ValueError(f"not an RDF term: {str(value)[:80]}")
    kind = value.get("type")
    if kind == "uri":
        return Term.iri(value["value"])
    if kind == "bnode":
        return Term.bnode(_bnode_label(value["value"]))
    if kind in ("literal", "typed-literal"):
        lang = value.get("xml:lang") or None
        datatype = None if lang else value.get("datatype")
        return _normalised(Term("literal", value["value"], datatype, lang))
    if kind == "triple":
        inner = value["value"]
        parts = [_json_term(inner[k]).n3() for k in ("subject", "predicate", "object")]
        return Term("triple", " ".join(parts))
    raise ValueError(f"unknown term type {kind!r}")


_BNODE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?\Z")


def _bnode_label(label: str) -> str:
    """A blank node label usable in N-Triples and SPARQL (Virtuoso's are ``nodeID://b1``).

    >>> _bnode_label("b0"), _bnode_label("nodeID://b10001") == _bnode_label("nodeID://b10001")
    ('b0', True)
    """
    if _BNODE_LABEL.match(label):
        return label
    return "x" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:24]


def _normalised(term: Term) -> Term:
    """A literal as the embedded store would give it (servers retype some literals).

    Virtuoso answers integers of its own computing (``COUNT``, ``STRLEN``) as
    ``xsd:int``/``xsd:long`` where SPARQL says ``xsd:integer``, booleans as ``"1"`` and
    ``"0"``, doubles and floats as ``"1.0"`` or ``"2.5e+08"``, decimals and
    ``xsd:dateTime`` with trailing zeros; all are put in the canonical form the embedded
    store (Oxigraph) writes: the same value, so nothing is lost. Only the lexical form
    changes, never the datatype: an ``xsd:integer`` 1 stays an integer even where the
    query computed a boolean (Virtuoso's ``BIND(?a = ?b AS ?same)``), since nothing in
    the answer says which it was.

    >>> _normalised(Term("literal", "0", XSD + "boolean", None)).value
    'false'
    >>> _normalised(Term("literal", "2026-01-02T03:04:05.500+00:00", XSD + "dateTime", None)).value
    '2026-01-02T03:04:05.5Z'
    >>> [_normalised(Term("literal", v, XSD + "double", None)).value for v in ("1.0", "2.5e+03", "-0.0", "1e-07")]
    ['1', '2500', '-0', '0.0000001']
    >>> _normalised(Term("literal", "1.50", XSD + "decimal", None)).value
    '1.5'
    """
    datatype, value = term.datatype, term.value
    if datatype in _INTEGER_TYPES and re.fullmatch(r"[+-]?\d+", value):
        return Term("literal", value, XSD + "integer", None)
    if datatype == XSD + "boolean" and value in ("0", "1"):
        return Term("literal", "true" if value == "1" else "false", datatype, None)
    if datatype in (XSD + "double", XSD + "float"):
        canonical = _canonical_float(value, single=datatype == XSD + "float")
        return term if canonical is None else Term("literal", canonical, datatype, None)
    if datatype == XSD + "decimal" and re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        number = _decimal.Decimal(value)
        text = format(number, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return Term("literal", "0" if text in ("-0", "") else text, datatype, None)
    if datatype in (XSD + "dateTime", XSD + "time"):
        match = re.fullmatch(r"(.*T?\d\d:\d\d:\d\d)(?:(\.\d*?)0*)?(Z|[+-]\d\d:\d\d)?", value)
        if match and (datatype == XSD + "time" or "T" in match.group(1)):
            fraction = match.group(2) if match.group(2) not in (None, ".") else ""
            zone = match.group(3) or ""
            return Term("literal", match.group(1) + fraction
                        + ("Z" if zone in ("+00:00", "-00:00") else zone), datatype, None)
    return term


def _canonical_float(value: str, *, single: bool) -> str | None:
    """Oxigraph's form of an ``xsd:double`` (``single``: ``xsd:float``) value: the shortest
    digits that round-trip, written without an exponent (``1``, ``0.1``, ``2500``,
    ``-0``, ``INF``); ``None`` for a lexical form that is not a number.
    """
    text = value.strip()
    if text in ("INF", "+INF", "-INF", "NaN"):
        return text.lstrip("+")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    number = float(text)
    if single:
        try:
            number = struct.unpack("f", struct.pack("f", number))[0]
        except OverflowError:
            return None
        shortest = repr(number)
        for digits in range(1, 10):  # the fewest significant digits that give the same float
            candidate = f"{number:.{digits}g}"
            if struct.unpack("f", struct.pack("f", float(candidate)))[0] == number:
                shortest = candidate
                break
    else:
        shortest = repr(number)
    if math.isinf(float(shortest)):
        return "INF" if float(shortest) > 0 else "-INF"
    fixed = format(_decimal.Decimal(shortest), "f")
    if "." in fixed:
        fixed = fixed.rstrip("0").rstrip(".")
    return fixed


#: What Oxigraph server appends to a 200 answer cut by ``--timeout-s``.
_OXIGRAPH_CANCELLED = b"The SPARQL operation has been cancelled"


def _check_cancelled(answer: _Answer, url: str, what: str) -> None:
    if answer.body.rstrip().endswith(_OXIGRAPH_CANCELLED):
        raise RemoteTimeout(f"{what}: {url} stopped the query at its time limit "
                            f"(oxigraph serve --timeout-s) after sending {len(answer.body):,} "
                            "bytes; the partial answer is not used")


def _parse_json(answer: _Answer, url: str, what: str) -> dict[str, Any]:
    _check_cancelled(answer, url, what)
    try:
        data = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedResponse(
            f"{what}: the answer from {url} is not complete JSON ({len(answer.body):,} bytes; "
            f"{error}); it may have been cut off by a server time limit") from None
    if not isinstance(data, dict) or not isinstance(data.get("head"), dict):
        raise MalformedResponse(f"{what}: the answer from {url} is not SPARQL JSON results")
    return data


def _check_partial(answer: _Answer, url: str, what: str, rows: int | None = None) -> None:
    """Refuse Virtuoso's partial answers (anytime queries, ``ResultSetMaxRows``)."""
    headers = {k.lower(): v for k, v in answer.headers.items()}
    state = headers.get("x-sql-state")
    if state:
        message = headers.get("x-sql-message", "")
        raise RemoteTimeout(f"{what}: {url} stopped the query at its time limit and sent a "
                            f"partial answer, not used ({state}: {message[:200]})")
    cap = headers.get("x-sparql-maxrows")
    if cap is not None and rows is not None and cap.strip().isdigit() and rows >= int(cap):
        raise MalformedResponse(
            f"{what}: {url} cut the answer at its limit of {int(cap):,} rows "
            "(Virtuoso [SPARQL] ResultSetMaxRows); raise the limit on the server")


def _select_result(data: dict[str, Any], url: str, what: str) -> tuple[tuple[str, ...], list[dict[str, Term]]]:
    head, results = data.get("head"), data.get("results")
    variables = head.get("vars") if isinstance(head, dict) else None
    if (not isinstance(variables, list) or not all(isinstance(v, str) for v in variables)
            or not isinstance(results, dict) or not isinstance(results.get("bindings"), list)):
        raise MalformedResponse(f"{what}: the answer from {url} is not a SELECT result")
    rows = []
    try:
        for binding in results["bindings"]:
            if not isinstance(binding, dict):
                raise ValueError("a solution is not an object")
            rows.append({name: _json_term(value) for name, value in binding.items()
                         if name in variables})
    except (ValueError, TypeError, KeyError) as error:
        raise MalformedResponse(f"{what}: the answer from {url} has a bad solution: {error}") from None
    return tuple(variables), rows


def _parse_ntriples(body: bytes, url: str, what: str) -> list[tuple[Term, Term, Term]]:
    from rdflib import Graph
    from rdflib.term import BNode, Literal, URIRef

    text = body.decode("utf-8", "replace")
    if text.strip() and not text.endswith("\n"):
        raise MalformedResponse(f"{what}: the N-Triples answer from {url} was cut off "
                                f"after {len(body):,} bytes")
    graph = Graph()
    try:
        graph.parse(data=text, format="nt")
    except Exception as error:  # rdflib raises its own parser errors
        raise MalformedResponse(f"{what}: the answer from {url} is not N-Triples: "
                                f"{' '.join(str(error).split())[:200]}") from None

    def term(node: Any) -> Term:
        if isinstance(node, URIRef):
            return Term.iri(str(node))
        if isinstance(node, BNode):
            return Term.bnode(str(node))
        if isinstance(node, Literal):
            lang = node.language or None
            datatype = None if lang or node.datatype is None else str(node.datatype)
            return _normalised(Term("literal", str(node), datatype, lang))
        raise MalformedResponse(f"{what}: unexpected term {node!r} from {url}")

    return list(dict.fromkeys((term(s), term(p), term(o)) for s, p, o in graph))


# --------------------------------------------------------------------------- the store


class RemoteStore:
    """A peacegraph store on a SPARQL 1.1 server; use :meth:`RemoteStore.open`.

    Same verbs and return types as :class:`graph.store.Store`; see the module docstring
    for what differs (atomicity, locking, ``BOUND`` of parameters).
    """

    def __init__(self, query_url: str, update_url: str | None, *, read_only: bool,
                 credentials: Credentials | None, timeout: float, union: str) -> None:
        self._query_url = query_url
        self._update_url = update_url
        self._read_only = read_only
        self._timeout = timeout
        self._union = union
        self._http = _Http(secret_url=update_url, credentials=credentials)
        self._has_credentials = credentials is not None
        self._server = ""
        self._graphs: tuple[str, ...] | None = None
        self._opened_version = ""
        self._closed = False

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, endpoint: str, *, update_endpoint: str | None = None, read_only: bool = True,
             credentials: Credentials | None = None, timeout: float = DEFAULT_TIMEOUT,
             union: str = "dataset") -> RemoteStore:
        """Connect to the query ``endpoint`` (and ``update_endpoint`` for writing).

        Sends one ``ASK {}`` to check the endpoint answers (:class:`RemoteError` if not)
        and to learn which server it is. A writer (``read_only=False``) needs
        ``update_endpoint``; its credentials are ``credentials`` or
        :func:`load_credentials` (none is fine for a server that lets anyone update).
        ``union`` is ``"dataset"`` or ``"server"`` (see the module docstring).

        >>> RemoteStore.open("http://user:pw@127.0.0.1:9/query")
        Traceback (most recent call last):
        ...
        graph.remote.RemoteError: put no user name or password in an endpoint URL: use PEACEGRAPH_USER / PEACEGRAPH_PASSWORD or ~/.config/peacegraph/credentials
        """
        for url in (endpoint, update_endpoint):
            if url is not None:
                _check_url(url)
        if union not in ("dataset", "server"):
            raise ValueError("union must be 'dataset' or 'server'")
        if not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        if not read_only:
            if update_endpoint is None:
                raise RemoteError("writing to a SPARQL server needs its update endpoint "
                                  "(--update-endpoint / PEACEGRAPH_UPDATE_ENDPOINT)")
            if credentials is None:
                credentials = load_credentials(endpoint=update_endpoint)
        store = cls(endpoint, update_endpoint, read_only=read_only, credentials=credentials,
                    timeout=timeout, union=union)
        answer = store._http.post(endpoint, [("query", "ASK {}")], accept=_JSON,
                                  timeout=min(timeout, 30.0), what="opening the store")
        if not 200 <= answer.status < 300:
            raise store._http.fail(answer, endpoint, "opening the store")
        store._server = {k.lower(): v for k, v in answer.headers.items()}.get("server", "")
        store._opened_version = store.version
        return store

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self._read_only else "writer"
        state = " closed" if self._closed else ""
        return f"<RemoteStore {self._query_url!r} {mode}{state}>"

    def close(self) -> None:
        """Forget the connection. Idempotent; later calls raise."""
        self._closed = True

    @property
    def path(self) -> str:
        """The query endpoint (where an embedded store has its directory)."""
        return self._query_url

    @property
    def endpoint(self) -> str:
        """The query endpoint URL."""
        return self._query_url

    @property
    def update_endpoint(self) -> str | None:
        """The update endpoint URL, if given."""
        return self._update_url

    @property
    def read_only(self) -> bool:
        """Whether this handle can only read."""
        return self._read_only

    @property
    def generation(self) -> str | None:
        """Always ``None``: a server has no generations."""
        return None

    @property
    def server(self) -> str:
        """What the server calls itself (its ``Server`` header), e.g. ``Virtuoso/07.20.3229``."""
        return self._server

    @property
    def stale(self) -> bool:
        """True when the store's content changed (by another writer) since this handle opened.

        A server has no snapshots: a handle always reads the live content. A long-lived
        reader should reopen when this is true, to see new sources in its dataset.
        """
        self._check_open()
        return self.version != self._opened_version

    @property
    def version(self) -> str:
        """A cache key that changes whenever the manifest changes (``"empty"`` without one)."""
        entries = [[e.name, e.sha256, e.loader, e.loaded_at.isoformat(), e.statements]
                   for e in self.manifest()]
        if not entries:
            return "empty"
        return "remote-" + hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ reading
    def select(self, sparql: str, *, params: Mapping[str, Term] | None = None,
               limit: int | None = None) -> SelectResult:
        """Run a SELECT over the union of the store's graphs; see :meth:`graph.store.Store.select`."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        variables, rows = self._select(sparql, params, "SELECT", self._dataset())
        truncated = limit is not None and len(rows) > limit
        return SelectResult(variables, rows[:limit] if truncated else rows, truncated)

    def ask(self, sparql: str, *, params: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK over the union of the store's graphs."""
        self._check_form(sparql, ("ASK",), "ask() needs an ASK query")
        answer = self._query(bind_values(sparql, params), _JSON, self._dataset())
        data = _parse_json(answer, self._query_url, "query")
        value = data.get("boolean")
        if not isinstance(value, bool):
            raise MalformedResponse(f"query: the answer from {self._query_url} is not an ASK result")
        return value

    def construct(self, sparql: str, *, params: Mapping[str, Term] | None = None
                  ) -> list[tuple[Term, Term, Term]]:
        """Run a CONSTRUCT or DESCRIBE over the union; the triples, deduplicated."""
        self._check_form(sparql, ("CONSTRUCT", "DESCRIBE"),
                         "construct() needs a CONSTRUCT or DESCRIBE query")
        return self._construct(bind_values(sparql, params), self._dataset())

    def manifest(self) -> list[ManifestEntry]:
        """The loaded sources, by name, as ``pgg:manifest`` records them."""
        fields = " ".join(f"?{f}" for f in _MANIFEST_FIELDS)
        triples = " ".join(f"<{MANIFEST_NS}{f}> ?{f} ;" for f in _MANIFEST_FIELDS).rstrip(" ;")
        dataset = ((MANIFEST_GRAPH,), (MANIFEST_GRAPH,)) if self._union == "dataset" else None
        _, rows = self._select(
            f"SELECT ?g {fields} WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?g {triples} }} }} ORDER BY ?name",
            None, "SELECT", dataset)
        entries = []
        for row in rows:
            loaded_at = row["loadedAt"].to_python()
            if not isinstance(loaded_at, _dt.datetime):
                raise RemoteError(f"{self._query_url} has a damaged manifest (loadedAt {loaded_at!r})")
            try:
                statements = int(row["statements"].value)
            except ValueError:
                raise RemoteError(f"{self._query_url} has a damaged manifest "
                                  f"(statements {row['statements'].value!r})") from None
            entries.append(ManifestEntry(
                name=row["name"].value, location=row["location"].value,
                sha256=row["sha256"].value, loader=row["loader"].value,
                loaded_at=loaded_at, statements=statements))
        self._graphs = _dataset_graphs(e.name for e in entries)
        return entries

    def stats(self) -> Stats:
        """Quads per named graph and distinct instances per class (over the union)."""
        graphs = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        classes = self.select(
            f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{_RDF_TYPE}> ?c }} "
            "GROUP BY ?c ORDER BY DESC(?n) ?c")
        per_graph = {row["g"].value: int(row["n"].value) for row in graphs.rows}
        per_class = {row["c"].value: int(row["n"].value) for row in classes.rows if "c" in row}
        return Stats(statements=sum(per_graph.values()), graphs=per_graph, classes=per_class)

    def dump(self, format: str, *, graph: str | None = None,
             output: BinaryIO | None = None) -> bytes | None:
        """Serialise the store like :meth:`graph.store.Store.dump` (same formats and prefixes).

        N-Quads and N-Triples are written one sorted line per statement; Turtle, TriG and
        JSON-LD through rdflib. The statements come in one SELECT answer, so a server
        that caps answers (Virtuoso's ``ResultSetMaxRows``) must allow the whole store:
        a capped answer is an error, never a short dump.
        """
        self._check_open()
        if format not in DUMP_FORMATS:
            raise StoreError(f"unknown dump format {format!r}; expected one of {', '.join(DUMP_FORMATS)}")
        dataset = self._dataset()
        if graph is not None:
            iri = graph if ":" in graph else GRAPH_NS + graph
            _check_iri(iri, "graph")
            present = self._select(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ <{iri}> }} }} LIMIT 1",
                                   None, "SELECT", dataset)[1]
            if not present:
                raise StoreError(f"no graph {graph!r} in store {self._query_url}")
            _, rows = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
                                   None, "SELECT", dataset)
            quads: list[tuple[Term, Term, Term, Term | None]] = [
                (row["s"], row["p"], row["o"], Term.iri(iri)) for row in rows]
        elif format in ("ttl", "nt"):
            _, rows = self._select("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", None, "SELECT",
                                   dataset)
            quads = [(row["s"], row["p"], row["o"], None) for row in rows]
        else:
            _, rows = self._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", None,
                                   "SELECT", dataset)
            quads = [(row["s"], row["p"], row["o"], row["g"]) for row in rows]
        data = _serialise(quads, format, dataset_format=format in ("nq", "trig", "jsonld"))
        if output is None:
            return data
        output.write(data)
        return None

    def canonical_nquads(self, *, manifest: bool = False) -> bytes:
        """Every named graph as canonical N-Quads, byte for byte what an embedded store with
        the same sources gives (so snapshots of both have the same ``content_hash``).

        The sources' graphs are read and loaded into an embedded store in a temporary
        directory, which rebuilds ``pgg:inferred`` and canonicalises (RDFC-1.0); a
        server whose graph sizes differ from that rebuild (its ``pgg:inferred`` not what
        the rules give) raises :class:`RemoteError`. ``manifest=True`` adds the server's
        ``pgg:manifest`` statements.
        """
        self._check_open()
        entries = self.manifest()
        with tempfile.TemporaryDirectory(prefix="peacegraph-remote-") as tmp:
            with Store.open(Path(tmp) / "store", read_only=False) as local:
                for entry in entries:
                    path = Path(tmp) / f"{entry.name}.nt"
                    with open(path, "wb") as out:
                        self.dump("nt", graph=entry.name, output=out)
                    local.load(_FileSource(entry.name, str(path), "rdf", entry.sha256, "nt"))
                remote, rebuilt = self.stats().graphs, local.stats().graphs
                if remote != rebuilt:
                    differ = sorted(g for g in set(remote) | set(rebuilt)
                                    if remote.get(g) != rebuilt.get(g))
                    raise RemoteError(
                        f"{self._query_url}: graph {differ[0]} has {remote.get(differ[0], 0):,} "
                        f"statements, an embedded rebuild {rebuilt.get(differ[0], 0):,}; "
                        "reload the store (peacegraph load --force)")
                data = local.canonical_nquads()
        if not manifest:
            return data
        _, rows = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?s ?p ?o }} }}",
                               None, "SELECT", self._dataset())
        lines = data.splitlines(keepends=True) + [
            f"{r['s'].n3()} {r['p'].n3()} {r['o'].n3()} <{MANIFEST_GRAPH}> .\n".encode("utf-8")
            for r in rows]
        return b"".join(sorted(set(lines)))

    def transaction_view(self) -> RemoteStore:
        """This handle itself: a server offers no snapshot isolation over HTTP.

        (The embedded store's view is an in-memory copy that later loads cannot change.)
        Reads through it see the live content, so take a snapshot of a server while no
        load runs; :meth:`canonical_nquads` reads each source graph once.
        """
        self._check_open()
        return self

    # ------------------------------------------------------------------ writing
    def load(self, source: SourceLike, *, force: bool = False,
             progress: Callable[[int], None] | None = None) -> LoadReport:
        """Replace ``pgg:<source.name>`` with the source's statements; see the module docstring.

        Unchanged sources (same name and sha256 in the manifest) are skipped unless
        ``force``. RDF files are parsed here (by an embedded store in a temporary
        directory, with its limits) and sent as N-Triples; other sources' triples are
        serialised with :meth:`Term.n3`. ``progress`` gets the statements sent so far.
        """
        started = time.monotonic()
        self._check_writer()
        name = _check_name(source.name)
        entries = self.manifest()
        if not force:
            for entry in entries:
                if entry.name == name and entry.sha256 == source.sha256:
                    return self._report(source, entry.statements, skipped=True, started=started)
        target = GRAPH_NS + name
        staging = target + _STAGING
        self._update(f"DROP SILENT GRAPH <{staging}>", "load")
        try:
            written = 0
            for batch in _batches(_lines(source), max_triples=self._batch_triples):
                self._update(batch.insert(staging), "load")
                written += batch.count
                if progress is not None:
                    progress(written)
            statements = self._count(staging)
            others = [GRAPH_NS + e.name for e in entries if e.name != name]
            inferred = self._infer(others + [staging])
            self._update(
                f"DROP SILENT GRAPH <{target}> ;\n"
                f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{target}> ;\n"
                + _manifest_update(source, name, statements) + " ;\n" + _swap_inferred(),
                "load")
        except BaseException:
            self._drop_staging(staging)
            raise
        self._graphs = None
        self._opened_version = self.version
        return self._report(source, statements, skipped=False, started=started,
                            inferred=inferred)

    def remove(self, name: str) -> None:
        """Drop a source's graph and its manifest entry, and rebuild ``pgg:inferred``.

        :class:`StoreError` if no source of that name is loaded.
        """
        self._check_writer()
        entries = self.manifest()
        if name not in {entry.name for entry in entries}:
            raise StoreError(f"no source named {name!r} in store {self._query_url}")
        target = GRAPH_NS + name
        try:
            self._infer([GRAPH_NS + e.name for e in entries if e.name != name])
            self._update(
                f"DROP SILENT GRAPH <{target}> ;\n"
                f"DELETE WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{target}> ?p ?o }} }} ;\n"
                + _swap_inferred(), "remove")
        except BaseException:
            self._drop_staging(None)
            raise
        self._graphs = None
        self._opened_version = self.version

    # ------------------------------------------------------------------ internals
    @property
    def _virtuoso(self) -> bool:
        return "virtuoso" in self._server.lower()

    @property
    def _batch_triples(self) -> int:
        return VIRTUOSO_BATCH_TRIPLES if self._virtuoso else BATCH_TRIPLES

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self._query_url} is closed")

    def _check_writer(self) -> None:
        self._check_open()
        if self._read_only:
            raise StoreError(f"store {self._query_url} is open read-only; open it with "
                             "read_only=False to change it")

    def _check_form(self, sparql: str, forms: tuple[str, ...], message: str) -> None:
        form = query_form(sparql)
        if form not in forms:
            raise StoreError(f"{message}, not {'an update' if form not in _QUERY_FORMS else form}")

    def _dataset(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(default graphs, named graphs) for the protocol, or ``None`` (server's union)."""
        if self._union != "dataset":
            return None
        if self._graphs is None:
            self.manifest()
        assert self._graphs is not None
        return self._graphs, self._graphs

    def _query(self, sparql: str, accept: str,
               dataset: tuple[Sequence[str], Sequence[str]] | None) -> _Answer:
        self._check_open()
        form: list[tuple[str, str]] = [("query", _with_prefixes(sparql))]
        if dataset is not None:
            form += [("default-graph-uri", g) for g in dataset[0]]
            form += [("named-graph-uri", g) for g in dataset[1]]
        if self._virtuoso:
            form.append(("timeout", str(int(self._timeout * 1000))))
        answer = self._http.post(self._query_url, form, accept=accept, timeout=self._timeout,
                                 what="query")
        if not 200 <= answer.status < 300:
            raise self._http.fail(answer, self._query_url, "query")
        return answer

    def _select(self, sparql: str, params: Mapping[str, Term] | None, form: str,
                dataset: tuple[Sequence[str], Sequence[str]] | None
                ) -> tuple[tuple[str, ...], list[dict[str, Term]]]:
        self._check_form(sparql, (form,), "select() needs a SELECT query")
        answer = self._query(bind_values(sparql, params), _JSON, dataset)
        data = _parse_json(answer, self._query_url, "query")
        variables, rows = _select_result(data, self._query_url, "query")
        _check_partial(answer, self._query_url, "query", len(rows))
        return variables, rows

    def _construct(self, sparql: str, dataset: tuple[Sequence[str], Sequence[str]] | None
                   ) -> list[tuple[Term, Term, Term]]:
        answer = self._query(sparql, _NTRIPLES, dataset)
        _check_cancelled(answer, self._query_url, "query")
        _check_partial(answer, self._query_url, "query")
        kind = {k.lower(): v for k, v in answer.headers.items()}.get("content-type", "")
        if "json" in kind or "html" in kind or "xml" in kind:
            raise MalformedResponse(f"query: {self._query_url} answered {kind.split(';')[0]} "
                                    "where N-Triples were asked for")
        return _parse_ntriples(answer.body, self._query_url, "query")

    def _update(self, text: str, what: str, *,
                using: tuple[Sequence[str], Sequence[str]] | None = None) -> None:
        """One update request; ``using``: its WHERE dataset (``using-graph-uri`` parameters,
        not ``USING`` clauses, which Oxigraph refuses under ``--union-default-graph``)."""
        self._check_writer()
        assert self._update_url is not None
        form = [("update", text)]
        if using is not None:
            form += [("using-graph-uri", g) for g in using[0]]
            form += [("using-named-graph-uri", g) for g in using[1]]
        answer = self._http.post(self._update_url, form, accept=f"{_JSON}, */*;q=0.1",
                                 timeout=self._timeout, what=what)
        if not 200 <= answer.status < 300:
            raise self._http.fail(answer, self._update_url, what)

    def _count(self, graph: str) -> int:
        dataset = ((), (graph,)) if self._union == "dataset" else None
        _, rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                               None, "SELECT", dataset)
        return int(rows[0]["n"].value) if rows else 0

    def _infer(self, graphs: list[str]) -> int:
        """Saturate the rules over ``graphs`` (+ manifest) into ``pgg:inferred.staging``.

        The embedded store's semi-naive evaluation, run inside the server: each rule
        becomes ``INSERT { GRAPH <delta> { conclusion } } USING … USING NAMED … WHERE {
        … FILTER NOT EXISTS { conclusion } }``, whose ``USING`` clauses name the dataset
        (so it holds whatever the server's default graph is, and blank nodes stay the
        server's own). Round 1 reads data from every graph, round *k* only from what
        round *k − 1* added. The old ``pgg:inferred`` stays live meanwhile.
        """
        staging = INFERRED_GRAPH + _STAGING
        default = tuple(graphs) + (MANIFEST_GRAPH, staging)
        deltas: list[str] = []
        self._update(f"DROP SILENT GRAPH <{staging}>", "inference")

        def run_round(number: int) -> int:
            delta = f"{INFERRED_GRAPH}.delta-{number}"
            named = (deltas[-1],) if deltas else tuple(graphs) + (MANIFEST_GRAPH,)
            self._update(f"DROP SILENT GRAPH <{delta}>", "inference")
            for rule in inference.rules():
                self._update(_rule_update(rule, delta), "inference", using=(default + (delta,), named))
            added = self._count(delta)
            self._update(f"ADD SILENT GRAPH <{delta}> TO GRAPH <{staging}>", "inference")
            if deltas:
                self._update(f"DROP SILENT GRAPH <{deltas[-1]}>", "inference")
            deltas.append(delta)
            return added

        try:
            return inference.saturate(run_round).statements
        except inference.InferenceError as error:
            raise StoreError(str(error)) from None
        finally:
            for delta in deltas[-1:]:
                self._update(f"DROP SILENT GRAPH <{delta}>", "inference")

    def _drop_staging(self, staging: str | None) -> None:
        for graph in ([staging] if staging else []) + [INFERRED_GRAPH + _STAGING]:
            try:
                self._update(f"DROP SILENT GRAPH <{graph}>", "cleaning up")
            except StoreError as error:  # the original error matters more
                log.warning("could not drop %s: %s", graph, error)

    def _report(self, source: SourceLike, statements: int, *, skipped: bool, started: float,
                inferred: int | None = None) -> LoadReport:
        if inferred is None:
            inferred = self._count(INFERRED_GRAPH)
        return LoadReport(
            name=source.name, location=str(source.location), sha256=source.sha256,
            loader=source.loader, statements=statements, inferred=inferred, skipped=skipped,
            seconds=round(time.monotonic() - started, 3), generation="")


_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"not an http(s) endpoint URL: {url[:100]!r}"
                          if "@" not in url else "not an http(s) endpoint URL")
    if parts.username is not None or parts.password is not None:
        raise RemoteError("put no user name or password in an endpoint URL: use PEACEGRAPH_USER "
                          "/ PEACEGRAPH_PASSWORD or ~/.config/peacegraph/credentials")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise StoreError(f"invalid source name {name!r}: use letters, digits, '.', '_' and '-'")
    if name in _RESERVED:
        raise StoreError(f"source name {name!r} is reserved for the store's own graph")
    if name.endswith(_STAGING):
        raise StoreError(f"source name {name!r} ends in {_STAGING!r}, which names staging graphs")
    return name


def _dataset_graphs(names: Iterable[str]) -> tuple[str, ...]:
    return (MANIFEST_GRAPH, INFERRED_GRAPH) + tuple(GRAPH_NS + n for n in names)


def _swap_inferred() -> str:
    return (f"DROP SILENT GRAPH <{INFERRED_GRAPH}> ;\n"
            f"MOVE SILENT GRAPH <{INFERRED_GRAPH}{_STAGING}> TO GRAPH <{INFERRED_GRAPH}>")


_PLUS_PATH = re.compile(r"([?$]\w+)\s+(<[^<>\s]*>)\+\s+([?$]\w+)")


def _bound_paths(rule: str) -> str:
    """``?a <p>+ ?b`` as ``?a <p> ?m . ?m <p>* ?b``: the same pairs, but Virtuoso refuses a
    transitive path whose two ends are both unbound ("transitive start not given").

    >>> _bound_paths("{ ?c <a:sub>+ ?s . }")
    '{ ?c <a:sub> ?pg_path_1 . ?pg_path_1 <a:sub>* ?s . }'
    """
    count = 0

    def split(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        middle = f"?pg_path_{count}"
        return f"{match.group(1)} {match.group(2)} {middle} . {middle} {match.group(2)}* {match.group(3)}"

    return _PLUS_PATH.sub(split, rule)


def _rule_update(rule: str, target: str) -> str:
    """A CONSTRUCT rule as an update adding its new conclusions to ``target``.

    >>> print(_rule_update("CONSTRUCT { ?s <a:p> ?o } WHERE { GRAPH ?source { ?o <a:q> ?s } }", "a:t"))
    INSERT { GRAPH <a:t> { ?s <a:p> ?o } }
    WHERE { GRAPH ?source { ?o <a:q> ?s }
      FILTER NOT EXISTS { ?s <a:p> ?o } }
    """
    rule = _bound_paths(rule)
    text = _blanked(rule)
    opening = text.index("{")
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            break
    template = rule[opening + 1:index].strip()
    body = _where_brace(text)
    closing = text.rindex("}")
    if body is None or body <= index:
        raise StoreError("an inference rule is not CONSTRUCT { … } WHERE { … }")
    return (f"INSERT {{ GRAPH <{target}> {{ {template} }} }}\nWHERE {{"
            f"{rule[body:closing].rstrip()}\n  FILTER NOT EXISTS {{ {template} }} }}")


def _manifest_update(source: SourceLike, name: str, statements: int) -> str:
    graph = GRAPH_NS + name
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    values = {
        "name": Term.literal(name),
        "location": Term.literal(str(source.location)),
        "sha256": Term.literal(source.sha256),
        "loader": Term.literal(source.loader),
        "loadedAt": Term.literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD + "dateTime"),
        "statements": Term.literal(statements),
    }
    body = " ; ".join(f"<{MANIFEST_NS}{key}> {value.n3()}" for key, value in values.items())
    return (f"DELETE WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{graph}> ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{graph}> {body} }} }}")


# --------------------------------------------------------------------------- loading


def _lines(source: SourceLike) -> Iterator[str]:
    """The source's statements as N-Triples lines (``"s p o .\\n"``)."""
    if source.loader == "rdf":
        yield from _rdf_lines(source)
        return
    from rdflib.term import BNode, Literal, URIRef

    bnodes: dict[str, str] = {}

    def n3(node: Any) -> str:
        if isinstance(node, URIRef):
            _check_iri(str(node), f"{source.location}")
            return f"<{node}>"
        if isinstance(node, BNode):
            label = bnodes.setdefault(str(node), f"b{len(bnodes)}")
            return f"_:{label}"
        if isinstance(node, Literal):
            if node.language:
                return _checked_n3(Term.literal(str(node), lang=node.language), "literal")
            datatype = str(node.datatype) if node.datatype is not None else None
            return _checked_n3(Term.literal(str(node), datatype=datatype), "literal")
        raise StoreError(f"{source.location}: cannot store {node!r}")

    for s, p, o in source.triples():
        yield f"{n3(s)} {n3(p)} {n3(o)} .\n"


def _rdf_lines(source: SourceLike) -> Iterator[str]:
    """An RDF file as N-Triples lines, parsed by an embedded store in a temporary directory.

    The embedded store's loader (a child process under memory and time limits, blank
    nodes renamed, dataset formats folded into one graph) does the parsing, so a file
    means the same here as in an embedded store.
    """
    with tempfile.TemporaryDirectory(prefix="peacegraph-remote-") as tmp:
        with Store.open(Path(tmp) / "store", read_only=False) as local:
            local.load(source, force=True)
            dump = Path(tmp) / "graph.nt"
            with open(dump, "wb") as out:
                local.dump("nt", graph=source.name, output=out)
        with open(dump, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield line if line.endswith("\n") else line + "\n"


@dataclass(frozen=True)
class _FileSource:
    """An RDF file to load into an embedded store (what :class:`graph.store.Store` reads)."""

    name: str
    location: str
    loader: str
    sha256: str
    rdf_format: str

    def triples(self) -> Iterator[tuple[Any, Any, Any]]:
        raise NotImplementedError("an RDF file is bulk-loaded by the store")


@dataclass
class _Batch:
    text: str
    count: int
    blank_nodes: bool = False

    def insert(self, graph: str) -> str:
        """The update adding the batch to ``graph``.

        ``INSERT DATA``, or ``INSERT { … } WHERE {}`` when it holds blank nodes (Virtuoso
        allows none in ``INSERT DATA``; a template makes one fresh node per label).
        """
        if self.blank_nodes:
            return f"INSERT {{ GRAPH <{graph}> {{\n{self.text}}} }} WHERE {{}}"
        return f"INSERT DATA {{ GRAPH <{graph}> {{\n{self.text}}} }}"


def _batches(lines: Iterable[str], *, max_triples: int = BATCH_TRIPLES,
             max_bytes: int = BATCH_BYTES) -> Iterator[_Batch]:
    """Group N-Triples lines into ``INSERT DATA`` bodies.

    Blank-node labels are scoped to one update operation, so every statement about one
    blank node — all statements of a set of blank nodes linked to each other — goes into
    the same batch (which may then exceed the limits). Statements without blank nodes
    stream through; those with them are held until the end.

    >>> [b.count for b in _batches(["<a:x> <a:p> _:b1 .\\n", "<a:y> <a:p> <a:z> .\\n",
    ...                             "_:b1 <a:p> _:b2 .\\n", "_:b3 <a:p> <a:z> .\\n"], max_triples=2)]
    [1, 2, 1]
    """
    text: list[str] = []
    size = 0
    parent: dict[str, str] = {}
    held: list[tuple[str, str]] = []

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for line in lines:
        labels = []
        if line.startswith("_:"):
            labels.append(line.split(None, 1)[0])
        match = _BNODE_OBJECT.search(line)
        if match:
            labels.append(match.group(1))
        if labels:
            first = root(labels[0])
            for other in labels[1:]:
                parent[root(other)] = first
            held.append((labels[0], line))
            continue
        text.append(line)
        size += len(line)
        if len(text) >= max_triples or size >= max_bytes:
            yield _Batch("".join(text), len(text))
            text, size = [], 0
    if text:
        yield _Batch("".join(text), len(text))
    groups: dict[str, list[str]] = {}
    for label, line in held:
        groups.setdefault(root(label), []).append(line)
    text, size = [], 0
    for group in groups.values():
        if text and (len(text) + len(group) > max_triples or size >= max_bytes):
            yield _Batch("".join(text), len(text), blank_nodes=True)
            text, size = [], 0
        text.extend(group)
        size += sum(map(len, group))
    if text:
        yield _Batch("".join(text), len(text), blank_nodes=True)


# --------------------------------------------------------------------------- dumping


def _serialise(quads: Sequence[tuple[Term, Term, Term, Term | None]], format: str, *,
               dataset_format: bool) -> bytes:
    if format in ("nt", "nq"):
        lines = set()
        for s, p, o, g in quads:
            graph = f" {g.n3()}" if format == "nq" and g is not None else ""
            lines.add(f"{s.n3()} {p.n3()} {o.n3()}{graph} .\n")
        return "".join(sorted(lines)).encode("utf-8")
    from rdflib import Dataset, Graph
    from rdflib.term import BNode, Literal, URIRef

    def node(term: Term) -> Any:
        if term.kind == "uri":
            return URIRef(term.value)
        if term.kind == "bnode":
            return BNode(term.value)
        if term.kind == "literal":
            return Literal(term.value, lang=term.lang,
                           datatype=URIRef(term.datatype) if term.datatype else None)
        raise StoreError(f"dump: cannot serialise a {term.kind} term in {format}")

    prefixes = {**PREFIXES, "pgm": MANIFEST_NS}
    target: Any = Dataset() if dataset_format else Graph()
    for prefix, iri in prefixes.items():
        target.bind(prefix, iri, override=True, replace=True)
    for s, p, o, g in quads:
        triple = (node(s), node(p), node(o))
        if dataset_format and g is not None:
            target.graph(URIRef(g.value)).add(triple)
        else:
            target.add(triple)
    rdflib_format = {"ttl": "turtle", "trig": "trig", "jsonld": "json-ld"}[format]
    data = target.serialize(format=rdflib_format, encoding="utf-8")
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


# --------------------------------------------------------------------------- ad hoc queries


def run_query(store: RemoteStore, sparql: str, *, params: Mapping[str, Term] | None = None,
              limit: int = 10_000) -> SelectResult | bool | list[tuple[Term, Term, Term]]:
    """An ad hoc query on a remote store, checked like :func:`graph.sandbox.run_query`.

    Refuses updates, ``LOAD`` and ``SERVICE`` (:class:`graph.sandbox.UnsafeQuery`) before
    anything is sent; the store's own time limit bounds the run. Returns a
    :class:`SelectResult` of at most ``limit`` rows, a ``bool``, or
    :class:`graph.sandbox.Triples` (at most ``limit``).
    """
    from graph.sandbox import Triples, check_read_only

    if limit < 1:
        raise ValueError("limit must be at least 1")
    form = check_read_only(sparql)
    if form == "SELECT":
        return store.select(sparql, params=params, limit=limit)
    if form == "ASK":
        return store.ask(sparql, params=params)
    triples = store.construct(sparql, params=params)
    return Triples(triples[:limit], truncated=len(triples) > limit)
