"""Saved queries: the ``queries/*.rq`` catalogue, typed parameters, and running one.

A saved query is data (Datasette's canned queries, grlc's ``.rq`` files): the file stem is
its name, and a comment front matter (lines starting ``#+``, parsed as YAML) gives its
title, description, typed parameters and result columns::

    #+ title: Precedents for a track
    #+ description: Every precedent linked to the given track, with why and a source quote.
    #+ params:
    #+   - {name: track, type: iri, choices: tracks}
    #+ columns: track, precedent, label, relation, rationale, issue, quote, source
    SELECT ?track ?precedent ?label ... WHERE { ... }

Parameter types are ``iri``, ``string``, ``integer``, ``date`` and ``boolean``; a parameter
may have a ``default``, be ``optional: true`` (left unbound when not given) and have
``choices``: a list of values, or the name of another saved query whose rows (first column
= value, ``label`` column = display) fill a dropdown.

Values are bound through the engine (pyoxigraph ``substitutions``, via
:meth:`graph.store.Store.select`), never pasted into the text. Two consequences of
pyoxigraph's substitution semantics shape every ``.rq`` file, and the catalogue checks the
first one:

- a parameter must be *projected* by a ``SELECT`` (pyoxigraph substitutes only projected
  variables), so each parameter is also a result column;
- ``BOUND(?param)`` is false inside the query even when the parameter is given, so an
  optional parameter used in a ``FILTER`` is written ``COALESCE(?param, fallback)``; an
  optional parameter used in a triple pattern simply matches everything when unbound.

Checking is split in two, so that importing this module and running a saved query never
import rdflib (the command line's query path stays lean): :func:`catalogue` parses every
file's front matter and checks it with light, comment- and string-aware scanning of the
SPARQL text (query form, parameters used and projected, ``columns`` equal to the
projection); :func:`check` additionally parses the query with rdflib's SPARQL parser and
compares the parsed projection. The test suite and ``python -m graph.queries --check``
(``peacegraph queries --check``) run :func:`check` on every file.

Parsing a file imports PyYAML, which costs more than the rest of a ``peacegraph query``
run, so a successful parse is also kept on disk the way Python keeps bytecode:
``queries/__pycache__/NAME.rq.<tag>.marshal`` (under ``$PYTHONPYCACHEPREFIX`` when that is
set), not written when ``$PYTHONDONTWRITEBYTECODE`` is. It is used only when it was made
from the very same file text by the same version of this module (and of :mod:`ontology`),
so it never changes a result; a broken file is never cached.

>>> q = catalogue()["precedents-for-track"]
>>> [(p.name, p.type, p.choices) for p in q.params]
[('track', 'iri', 'tracks')]
>>> bind(q, {"track": "pgid:track-4"})["track"].value
'https://w3id.org/peacegraph/id/track-4'
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import marshal
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ontology
from graph.terms import SelectResult, Term
from ontology import ID_NS, PREFIXES

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "QUERIES_DIR", "PARAM_TYPES", "FORMS",
    "Param", "SavedQuery", "CatalogueError", "ParameterError", "UnknownQuery",
    "catalogue", "get", "check", "bind", "run", "markdown", "main",
]

#: Where the bundled saved queries live.
QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
#: The parameter types a front matter may declare.
PARAM_TYPES = ("iri", "string", "integer", "date", "boolean")
#: The query forms a saved query may have.
FORMS = ("SELECT", "ASK", "CONSTRUCT")

_XSD = PREFIXES["xsd"]
_DATATYPES = {"string": "string", "integer": "integer", "date": "date", "boolean": "boolean"}
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CURATED_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:([^\s<>\"{}|^`\\]*)")
_ABSOLUTE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)[^\s<>\"{}|^`\\\x00-\x20]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEANS = {"true": "true", "1": "true", "yes": "true", "false": "false", "0": "false", "no": "false"}
_PARAM_KEYS = frozenset({"name", "type", "optional", "default", "choices"})
_FRONT_KEYS = frozenset({"title", "description", "params", "columns"})
# The light scanner's patterns, compiled where used (re caches them): a kept parse (see
# _cached) needs no scanning, and _VARIABLE alone takes milliseconds to compile.
# SPARQL lexical pieces the light scanner must step over: IRIs, strings (long ones first),
# comments. Only comments are removed; IRIs and strings are blanked.
_LEXEMES = (
    r'(?s)(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<comment>#[^\n]*)"
)
_KEYWORD = (
    r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b"
)
_VARIABLE = r"[?$]([A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
_CLAUSE = r"(?i)(?:WHERE|FROM)\b"


class CatalogueError(Exception):
    """A saved-query file is broken; ``str()`` names the file and what is wrong.

    >>> str(CatalogueError("queries/x.rq", "front matter: 'title' is missing"))
    "queries/x.rq: front matter: 'title' is missing"
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ParameterError(ValueError):
    """A parameter value is missing, unknown or malformed; ``str()`` says which and why.

    >>> str(ParameterError("timeline", "from", "'1990-13-01' is not a date (expected YYYY-MM-DD)"))
    "timeline: parameter 'from': '1990-13-01' is not a date (expected YYYY-MM-DD)"
    """

    def __init__(self, query: str, param: str | None, problem: str) -> None:
        self.query = query
        self.param = param
        self.problem = problem
        where = f"parameter '{param}': " if param else ""
        super().__init__(f"{query}: {where}{problem}")


class UnknownQuery(LookupError):
    """No saved query has that name; ``str()`` suggests close names."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        import difflib

        self.name = name
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"no saved query named '{name}'{hint} (see `peacegraph queries`)")

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0])


@dataclass(frozen=True)
class Param:
    """One typed parameter of a saved query.

    ``choices`` is ``None``, a tuple of allowed values (as written in the front matter),
    or a ``str``: the name of the saved query whose rows list the allowed values.

    >>> Param("track", "iri", choices="tracks").describe()
    'iri, required, choices from saved query `tracks`'
    """

    name: str
    type: str
    optional: bool = False
    default: str | None = None
    choices: tuple[str, ...] | str | None = None

    def describe(self) -> str:
        """The type and options in a few words (for listings and the README)."""
        parts = [self.type, "optional" if self.optional else "required"]
        if self.default is not None:
            parts.append(f"default `{self.default}`")
        if isinstance(self.choices, str):
            parts.append(f"choices from saved query `{self.choices}`")
        elif self.choices:
            parts.append("one of " + ", ".join(f"`{c}`" for c in self.choices))
        return ", ".join(parts)


@dataclass(frozen=True)
class SavedQuery:
    """A checked ``queries/NAME.rq`` file.

    ``form`` is ``"SELECT"``, ``"ASK"`` or ``"CONSTRUCT"``; ``columns`` are the projected
    variables of a SELECT in order (empty for other forms); ``sparql`` is the query text
    after the front matter.
    """

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    form: str
    sparql: str
    path: Path

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (``KeyError`` when there is none)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


# ------------------------------------------------------------------ the catalogue


def catalogue(directory: str | Path = QUERIES_DIR) -> dict[str, SavedQuery]:
    """Every saved query of ``directory`` by name, each checked (the light checks).

    The result is cached per directory and rebuilt when a file is added, removed or
    changed (the key includes every ``.rq`` file's mtime and size). Raises
    :class:`CatalogueError` naming the first broken file; never imports rdflib.

    >>> "tracks" in catalogue()
    True
    >>> catalogue()["tracks"].form
    'SELECT'
    """
    folder = Path(directory).resolve()
    if not folder.is_dir():
        raise CatalogueError(folder, "is not a directory of saved queries")
    stamp = tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path in sorted(folder.glob("*.rq"))
        for stat in [path.stat()]
    )
    return dict(_build(folder, stamp))


def get(name: str, directory: str | Path = QUERIES_DIR) -> SavedQuery:
    """The saved query called ``name``; :class:`UnknownQuery` (with suggestions) if none.

    >>> get("timeline").params[0].name
    'from'
    >>> get("timelin")
    Traceback (most recent call last):
    ...
    graph.queries.UnknownQuery: no saved query named 'timelin'; did you mean timeline? (see `peacegraph queries`)
    """
    folder = Path(directory).resolve()
    path = folder / f"{name}.rq"
    if "/" not in name and path.is_file():
        # the command line's lean path: read this one file, not the whole catalogue
        stat = path.stat()
        return _parse_cached(path, stat.st_mtime_ns, stat.st_size)
    queries = catalogue(directory)
    try:
        return queries[name]
    except KeyError:
        raise UnknownQuery(name, sorted(queries)) from None


@functools.lru_cache(maxsize=64)
def _parse_cached(path: Path, mtime_ns: int, size: int) -> SavedQuery:
    return _parse(path)


@functools.lru_cache(maxsize=16)
def _build(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, SavedQuery]:
    queries = {}
    for name, _, _ in stamp:
        query = _parse(folder / name)
        queries[query.name] = query
    for query in queries.values():
        for p in query.params:
            if isinstance(p.choices, str):
                _check_choice_query(query, p, queries.get(p.choices))
    return queries


def _check_choice_query(query: SavedQuery, p: Param, source: SavedQuery | None) -> None:
    where = f"parameter '{p.name}': choices"
    if source is None:
        raise CatalogueError(query.path, f"{where}: no saved query named '{p.choices}'")
    if source.form != "SELECT" or "label" not in source.columns:
        raise CatalogueError(query.path, f"{where}: saved query '{source.name}' must be a "
                                         "SELECT with a 'label' column")
    if any(not (s.optional or s.default is not None) for s in source.params):
        raise CatalogueError(query.path, f"{where}: saved query '{source.name}' needs "
                                         "parameters, so it cannot fill a list")


def _parse(path: Path) -> SavedQuery:
    """One ``.rq`` file: front matter, then the light checks of the SPARQL body (or the
    kept result of parsing the same text before, see :func:`_cache_file`)."""
    if not _NAME.fullmatch(path.stem):
        raise CatalogueError(path, "file name must be lower-case letters, digits and "
                                   "hyphens, ending in .rq")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, f"cannot be read: {exc}") from None
    cache = _cache_file(path)
    query = _cached(cache, path, text)
    if query is None:
        query = _parse_text(path, text)
        _keep(cache, text, query)
    return query


def _parse_text(path: Path, text: str) -> SavedQuery:
    front, body = _split(text)
    if not front.strip():
        raise CatalogueError(path, "no front matter: the file must start with '#+ title: …' lines")
    meta = _front_matter(path, front)
    params = tuple(_param(path, i, spec) for i, spec in enumerate(meta["params"], 1))
    names = [p.name for p in params]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogueError(path, f"params: '{duplicates[0]}' is declared twice")
    form, projection, variables = _scan(path, body)
    for p in params:
        if p.name not in variables:
            raise CatalogueError(path, f"parameter '{p.name}' does not appear as ?{p.name} "
                                       "in the query")
        if form == "SELECT" and p.name not in projection:
            raise CatalogueError(path, f"parameter '{p.name}' must be projected by the SELECT "
                                       "(pyoxigraph substitutes only projected variables)")
    columns = meta["columns"]
    if form == "SELECT" and columns != projection:
        raise CatalogueError(path, f"columns: declared {', '.join(columns) or '(none)'} but "
                                   f"the query projects {', '.join(projection)}")
    if form != "SELECT" and columns:
        raise CatalogueError(path, f"columns: a {form} query has no columns")
    return SavedQuery(name=path.stem, title=meta["title"], description=meta["description"],
                      params=params, columns=columns, form=form, sparql=body, path=path)


# ------------------------------------------------------------------ kept parses

_CACHE_FORMAT = 1


def _cache_file(path: Path) -> Path | None:
    """Where the parse of ``path`` is kept: beside it in ``__pycache__``, or under
    ``sys.pycache_prefix``, as Python places bytecode; ``None`` if there is no cache tag."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    if sys.pycache_prefix:
        folder = path.parent.absolute()
        folder = Path(sys.pycache_prefix) / folder.relative_to(folder.anchor)
    else:
        folder = path.parent / "__pycache__"
    return folder / f"{path.name}.{tag}.marshal"


def _code_stamp() -> tuple[int, ...]:
    """What the kept parses depend on besides the file text: this module and
    :mod:`ontology` (its prefixes check defaults and choices), by mtime and size."""
    stamp: list[int] = []
    for module in (__file__, ontology.__file__):
        stat = os.stat(module or "")
        stamp += [stat.st_mtime_ns, stat.st_size]
    return tuple(stamp)


def _cached(cache: Path | None, path: Path, text: str) -> SavedQuery | None:
    """The kept parse of ``text``, if ``cache`` holds one made from that same text by
    this code; ``None`` otherwise (missing, stale or unreadable)."""
    if cache is None:
        return None
    try:
        record = marshal.loads(cache.read_bytes())
        stamp = _code_stamp()
    except Exception:  # missing, unreadable or not marshal data: parse the file instead
        return None
    if not (isinstance(record, tuple) and len(record) == 9 and record[0] == _CACHE_FORMAT
            and record[1] == stamp and record[2] == text):
        return None
    title, description, params, columns, form, sparql = record[3:]
    try:
        return SavedQuery(name=path.stem, title=title, description=description,
                          params=tuple(Param(*p) for p in params), columns=columns,
                          form=form, sparql=sparql, path=path)
    except TypeError:
        return None


def _keep(cache: Path | None, text: str, query: SavedQuery) -> None:
    """Write the parse of ``text`` to ``cache`` (atomically), unless Python is told not
    to write bytecode; a failure to write is ignored, as it is for bytecode."""
    if cache is None or sys.dont_write_bytecode:
        return
    try:
        record = (_CACHE_FORMAT, _code_stamp(), text, query.title, query.description,
                  tuple(dataclasses.astuple(p) for p in query.params), query.columns,
                  query.form, query.sparql)
        data = marshal.dumps(record)
    except (OSError, ValueError):
        return
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, cache)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


# ------------------------------------------------------------------ front matter


def _split(text: str) -> tuple[str, str]:
    """(front matter as YAML, the rest): the leading ``#+`` lines, prefix removed."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and lines[count].startswith("#+"):
        count += 1
    front = "".join(line[3:] if line.startswith("#+ ") else line[2:] for line in lines[:count])
    return front, "".join(lines[count:]).lstrip("\n")


def _front_matter(path: Path, front: str) -> dict[str, Any]:
    import yaml  # lazily: only when a file's parse is not kept (see _cached)

    try:
        meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date scalar
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogueError(path, f"front matter is not valid YAML{line}: {problem} (put a "
                                   "value that contains ': ' or starts with a quote in quotes)"
                             ) from None
    if not isinstance(meta, dict):
        raise CatalogueError(path, "front matter must be a mapping of title, description, "
                                   "params, columns")
    unknown = sorted(set(map(str, meta)) - _FRONT_KEYS)
    if unknown:
        raise CatalogueError(path, f"front matter: unknown key '{unknown[0]}' (expected "
                                   f"{', '.join(sorted(_FRONT_KEYS))})")
    for key in ("title", "description"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CatalogueError(path, f"front matter: '{key}' is missing or not text")
        meta[key] = " ".join(meta[key].split())
    params = meta.get("params") or []
    if not isinstance(params, list):
        raise CatalogueError(path, "front matter: 'params' must be a list")
    meta["params"] = params
    columns = meta.get("columns") or ()
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    if not isinstance(columns, (list, tuple)) or not all(
            isinstance(c, str) and _PARAM_NAME.fullmatch(c) for c in columns):
        raise CatalogueError(path, "front matter: 'columns' must be variable names separated "
                                   "by commas")
    meta["columns"] = tuple(columns)
    return meta


def _param(path: Path, index: int, spec: Any) -> Param:
    if not isinstance(spec, dict):
        raise CatalogueError(path, f"params: entry {index} must be a mapping like "
                                   "{name: track, type: iri}")
    name = spec.get("name")
    where = f"params: parameter '{name}'" if isinstance(name, str) else f"params: entry {index}"
    if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
        raise CatalogueError(path, f"{where}: 'name' must be a variable name")
    unknown = sorted(set(map(str, spec)) - _PARAM_KEYS)
    if unknown:
        raise CatalogueError(path, f"{where}: unknown key '{unknown[0]}' (expected "
                                   f"{', '.join(sorted(_PARAM_KEYS))})")
    kind = spec.get("type")
    if kind not in PARAM_TYPES:
        raise CatalogueError(path, f"{where}: type must be one of {', '.join(PARAM_TYPES)}")
    optional = spec.get("optional", False)
    if not isinstance(optional, bool):
        raise CatalogueError(path, f"{where}: 'optional' must be true or false")
    default = None if spec.get("default") is None else _text(spec["default"])
    choices = spec.get("choices")
    if isinstance(choices, list) and choices:
        choices = tuple(_text(c) for c in choices)
    elif isinstance(choices, str) and _NAME.fullmatch(choices):
        pass
    elif choices is not None:
        raise CatalogueError(path, f"{where}: 'choices' must be a list of values or the "
                                   "name of a saved query")
    p = Param(name=name, type=kind, optional=optional, default=default, choices=choices)
    for value, what in [(default, "default")] + [(c, "choice") for c in
                                                  (choices if isinstance(choices, tuple) else ())]:
        if value is not None:
            try:
                _convert(path.stem, p, value)
            except ParameterError as exc:
                raise CatalogueError(path, f"{where}: {what} {exc.problem}") from None
    return p


def _text(value: Any) -> str:
    """A YAML scalar as the text a user would type (dates ISO, booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _scan(path: Path, body: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """(form, projected variables, all variables) of a query text, by light scanning."""

    def blank(match: re.Match[str]) -> str:
        if match.group("comment") is not None:
            return " "
        return "<>" if match.group("iri") is not None else '""'

    text = re.sub(_LEXEMES, blank, body)
    keyword = re.search(_KEYWORD, text)
    if keyword is None:
        raise CatalogueError(path, "no SELECT, ASK or CONSTRUCT query after the front matter")
    form = keyword.group(1).upper()
    if form not in FORMS:
        raise CatalogueError(path, f"a saved query must be a SELECT, ASK or CONSTRUCT, "
                                   f"not {form}")
    variables = frozenset(re.findall(_VARIABLE, text))
    projection: tuple[str, ...] = ()
    if form == "SELECT":
        projection = _projection(path, text[keyword.end():])
    return form, projection, variables


def _projection(path: Path, text: str) -> tuple[str, ...]:
    """The projected variable names of ``SELECT <text…>`` (text starts after SELECT)."""
    names: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                alias = re.search(r"\bAS\s+[?$](\w+)\s*$", text[start + 1:i], re.IGNORECASE)
                if alias is None:
                    raise CatalogueError(path, "a projected expression needs 'AS ?name'")
                names.append(alias.group(1))
        elif depth == 0 and char in "?$":
            match = re.compile(_VARIABLE).match(text, i)
            if match:
                names.append(match.group(1))
                i = match.end()
                continue
        elif depth == 0 and (char == "{" or re.compile(_CLAUSE).match(text, i)):
            break
        elif depth == 0 and char == "*":
            raise CatalogueError(path, "SELECT * is not allowed: project the declared "
                                       "columns explicitly")
        i += 1
    return tuple(names)


def check(query: SavedQuery) -> None:
    """The full check of one saved query: the light checks plus rdflib's SPARQL parser.

    The query must parse, its parsed form must be the recorded one, and a SELECT's parsed
    projection must equal ``columns`` and include every parameter. Raises
    :class:`CatalogueError`. Imports rdflib (run it in tests and ``--check``).

    >>> check(catalogue()["tracks"])
    """
    from rdflib.plugins.sparql.algebra import translateQuery, traverse
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.term import Variable

    try:
        algebra = translateQuery(parseQuery(query.sparql)).algebra
    except Exception as exc:  # rdflib raises pyparsing and plain exceptions alike
        raise CatalogueError(query.path, f"SPARQL does not parse: {exc}") from None
    form = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT"}.get(
        algebra.name, algebra.name)
    if form != query.form:
        raise CatalogueError(query.path, f"parsed as {form}, recorded as {query.form}")
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, Variable):
            found.add(str(node))

    traverse(algebra, visitPost=visit)
    for p in query.params:
        if p.name not in found:
            raise CatalogueError(query.path, f"parameter '{p.name}' is not a variable of "
                                             "the parsed query")
    if form == "SELECT":
        projected = tuple(str(v) for v in algebra["PV"])
        if projected != query.columns:
            raise CatalogueError(query.path, f"columns: declared {', '.join(query.columns)} "
                                             f"but the parsed query projects "
                                             f"{', '.join(projected)}")


# ------------------------------------------------------------------ binding and running


def bind(query: SavedQuery, raw: Mapping[str, str]) -> dict[str, Term]:
    """Typed terms for a query's parameters from raw text values (CLI, web form).

    Surrounding whitespace is ignored. A missing or blank value takes the default; an optional parameter
    without one is left unbound (absent from the result). An ``iri`` accepts a full IRI
    (``https://…``, optionally in ``<…>``), a prefixed name with a prefix of
    :data:`ontology.PREFIXES` (``pgid:cfe-treaty``) or a bare curated id (``cfe-treaty``).
    Raises :class:`ParameterError` for an unknown name, a missing required value, a
    malformed value or one outside the listed choices.

    >>> q = get("timeline")
    >>> {k: t.value for k, t in bind(q, {"from": "1990-01-01"}).items()}
    {'from': '1990-01-01'}
    >>> bind(get("non-parties"), {"agreement": "cwc"})["agreement"].value
    'https://w3id.org/peacegraph/id/cwc'
    >>> bind(q, {"from": "1990-02-30"})
    Traceback (most recent call last):
    ...
    graph.queries.ParameterError: timeline: parameter 'from': '1990-02-30' is not a date (expected YYYY-MM-DD)
    """
    known = {p.name for p in query.params}
    for name in raw:
        if name not in known:
            expected = ", ".join(sorted(known)) or "none"
            raise ParameterError(query.name, name, f"unknown parameter (expected: {expected})")
    terms: dict[str, Term] = {}
    for p in query.params:
        value = raw.get(p.name)
        if value is None or not str(value).strip():
            value = p.default
        if value is None:
            if p.optional:
                continue
            raise ParameterError(query.name, p.name, f"a value is required ({p.type})")
        term = _convert(query.name, p, str(value))
        if isinstance(p.choices, tuple) and term not in {
                _convert(query.name, p, c) for c in p.choices}:
            raise ParameterError(query.name, p.name, f"{value!r} is not one of "
                                                     f"{', '.join(p.choices)}")
        terms[p.name] = term
    return terms


def _convert(query: str, p: Param, value: str) -> Term:
    """One raw value as a typed term, or :class:`ParameterError`."""
    text = value.strip()
    if p.type == "iri":
        return Term.iri(_iri(query, p.name, text))
    if p.type == "integer":
        if not _INTEGER.fullmatch(text):
            raise ParameterError(query, p.name, f"{value!r} is not an integer")
        text = str(int(text))
    elif p.type == "date":
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            text = datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ParameterError(query, p.name, f"{value!r} is not a date (expected "
                                                "YYYY-MM-DD)") from None
    elif p.type == "boolean":
        if text.lower() not in _BOOLEANS:
            raise ParameterError(query, p.name, f"{value!r} is not a boolean (expected true "
                                                "or false)")
        text = _BOOLEANS[text.lower()]
    return Term.literal(text, datatype=_XSD + _DATATYPES[p.type])


def _iri(query: str, param: str, text: str) -> str:
    """A full IRI from an IRI, ``<IRI>``, prefixed name or bare curated id."""
    inner = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if _ABSOLUTE.fullmatch(inner):
        return inner
    if inner == text:
        if _CURATED_ID.fullmatch(text):
            return ID_NS + text
        prefixed = _PREFIXED.fullmatch(text)
        if prefixed and not text.startswith("urn:"):
            prefix = prefixed.group(1) or ""
            if prefix in PREFIXES:
                return PREFIXES[prefix] + prefixed.group(2)
            raise ParameterError(query, param, f"unknown prefix '{prefix}:' in {text!r} "
                                               f"(known: {', '.join(PREFIXES)})")
    raise ParameterError(query, param, f"{text!r} is not an IRI: give a full IRI "
                                       "(https://…), a prefixed name (pgid:cfe-treaty) or "
                                       "a curated id (cfe-treaty)")


def run(store: Store, name: str | SavedQuery, /,
        **params: object) -> SelectResult | bool | list[tuple[Term, Term, Term]]:
    """Run a saved query with parameters bound through the engine.

    ``name`` is a saved query of the bundled catalogue or a :class:`SavedQuery`. Values
    may be raw text (as :func:`bind` takes), :class:`~graph.terms.Term`, ``int``,
    ``bool`` or ``datetime.date``; ``None`` leaves an optional parameter unbound.
    Returns a :class:`~graph.terms.SelectResult` for a SELECT, a ``bool`` for an ASK and
    a list of triples for a CONSTRUCT. Never changes the store.

    >>> import tempfile
    >>> from graph.store import Store
    >>> with tempfile.TemporaryDirectory() as tmp, Store.open(tmp, read_only=False) as store:
    ...     result = run(store, "non-parties", agreement="cwc")  # an empty store: no rows
    >>> result.variables[:4], result.rows
    (('agreement', 'agreementLabel', 'party', 'partyLabel'), [])
    """
    query = name if isinstance(name, SavedQuery) else get(name)
    raw = {key: _raw(value) for key, value in params.items() if value is not None}
    terms = bind(query, raw)
    if query.form == "ASK":
        return store.ask(query.sparql, params=terms)
    if query.form == "CONSTRUCT":
        return store.construct(query.sparql, params=terms)
    return store.select(query.sparql, params=terms)


def _raw(value: object) -> str:
    if isinstance(value, Term):
        return value.value
    return _text(value)


# ------------------------------------------------------------------ documentation


def markdown(queries: Mapping[str, SavedQuery] | None = None) -> str:
    """The catalogue as Markdown: the README's catalogue section (see :func:`update_readme`).

    >>> print(markdown().splitlines()[0])
    ## Saved queries
    """
    queries = catalogue() if queries is None else queries
    out = [
        "## Saved queries",
        "",
        "<!-- Generated by `python -m graph.queries --readme` from the front matter of",
        "     queries/*.rq; do not edit by hand. -->",
        "",
        "Run one with `peacegraph query NAME -p PARAM VALUE …`; list them with "
        "`peacegraph queries`.",
        "An `iri` parameter takes a full IRI, a prefixed name (`pgid:cfe-treaty`) or a "
        "curated id (`cfe-treaty`); dates are `YYYY-MM-DD`.",
        "",
        "| query | what it answers | parameters |",
        "|---|---|---|",
    ]
    for q in sorted(queries.values(), key=lambda q: q.name):
        names = ", ".join(f"`{p.name}`" + ("?" if p.optional else "") for p in q.params)
        out.append(f"| [`{q.name}`](#{q.name}) | {q.title} | {names or '—'} |")
    for q in sorted(queries.values(), key=lambda q: q.name):
        out += ["", f"### {q.name}", "", f"**{q.title}.** {q.description}", ""]
        example = " ".join(f"-p {p.name} {p.name.upper()}" for p in q.params if not p.optional)
        out += ["```sh", f"peacegraph query {q.name}" + (f" {example}" if example else ""), "```"]
        if q.params:
            out += ["", "Parameters:", ""]
            out += [f"- `{p.name}` — {p.describe()}" for p in q.params]
        if q.columns:
            out += ["", "Columns: " + ", ".join(f"`{c}`" for c in q.columns)]
        else:
            out += ["", f"Returns: {'true or false' if q.form == 'ASK' else 'triples'}"]
        out.append("")
        out.append(f"Source: `queries/{q.path.name}`")
    return "\n".join(out) + "\n"


README_START = "<!-- catalogue:start -->"
README_END = "<!-- catalogue:end -->"


def readme_section(readme: str) -> str:
    r"""The catalogue section of README text (between the catalogue markers).

    >>> readme_section("a\n<!-- catalogue:start -->\nX\n<!-- catalogue:end -->\nb")
    'X\n'
    """
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise CatalogueError("README", f"no {README_START} … {README_END} section")
    return readme[start + len(README_START):end].lstrip("\n")


def update_readme(path: Path, queries: Mapping[str, SavedQuery] | None = None) -> bool:
    """Rewrite the README's catalogue section from the front matter; True if it changed."""
    text = path.read_text(encoding="utf-8")
    old = readme_section(text)
    new = markdown(queries)
    if old == new:
        return False
    start = text.index(README_START) + len(README_START)
    path.write_text(text[:start] + "\n" + new + text[text.index(README_END):], encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m graph.queries [--markdown | --readme] [--check] [--directory DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m graph.queries",
                                     description="The saved-query catalogue.")
    parser.add_argument("--markdown", action="store_true",
                        help="print the catalogue as Markdown")
    parser.add_argument("--readme", action="store_true",
                        help="rewrite the catalogue section of README.md")
    parser.add_argument("--check", action="store_true",
                        help="check every query with rdflib's SPARQL parser too")
    parser.add_argument("--directory", default=str(QUERIES_DIR), help="the .rq directory")
    args = parser.parse_args(argv)
    try:
        queries = catalogue(args.directory)
        if args.check:
            for query in queries.values():
                check(query)
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.readme:
        readme = QUERIES_DIR.parent / "README.md"
        print("README.md updated" if update_readme(readme, queries) else "README.md is up to date")
    elif args.markdown:
        sys.stdout.write(markdown(queries))
    elif args.check:
        print(f"{len(queries)} saved queries OK")
    else:
        for q in sorted(queries.values(), key=lambda q: q.name):
            print(f"{q.name:32} {q.title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
