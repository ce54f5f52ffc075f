"""``peacegraph query`` and ``peacegraph queries``: asking the store.

A saved query (``peacegraph query NAME``) runs in-process through
:func:`graph.queries.run` and imports neither rdflib nor anything heavy. An ad hoc
query (a ``.rq`` file or ``--sparql``) is checked and run by :mod:`graph.sandbox`:
read-only, no ``SERVICE``, in a worker that is killed at ``--timeout``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graph.results import GRAPH_FORMATS, RESULT_FORMATS
from ontology import PREFIXES
from peacegraph.cli_options import (
    Settings, UsageFailure, format_option, is_terminal, pass_settings, query_limits, timed,
)

if TYPE_CHECKING:
    from graph.terms import SelectResult, Term

__all__ = ["query", "queries", "parse_term"]

_GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(\S+))?', re.DOTALL)
_UNESCAPE = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ABSOLUTE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)\S+")
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:(\S*)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_XSD = PREFIXES["xsd"]


def parse_term(text: str) -> Term:
    """A parameter value of an ad hoc query, written as in Turtle.

    ``<IRI>``, a full IRI (``https://…``, ``urn:…``) or a prefixed name with a prefix
    of :data:`ontology.PREFIXES` → an IRI; ``"text"``, ``"text"@en``,
    ``"1"^^xsd:integer`` → that literal; a bare integer, decimal, ``true``/``false``
    or ``YYYY-MM-DD`` → ``xsd:integer``, ``xsd:decimal``, ``xsd:boolean``,
    ``xsd:date``; anything else → a plain string. Raises ``click.BadParameter``.

    >>> parse_term("pgid:cfe-treaty").value
    'https://w3id.org/peacegraph/id/cfe-treaty'
    >>> parse_term('"Armistice"@en').n3()
    '"Armistice"@en'
    >>> parse_term("1953-07-27").datatype
    'http://www.w3.org/2001/XMLSchema#date'
    >>> parse_term("Panmunjom").n3()
    '"Panmunjom"'
    """
    from graph.terms import Term

    if text.startswith("<") and text.endswith(">"):
        return Term.iri(text[1:-1])
    literal = _LITERAL.fullmatch(text)
    if literal:
        value = re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(0)), literal.group(1))
        if literal.group(3):
            datatype = parse_term(literal.group(3))
            if datatype.kind != "uri":
                raise click.BadParameter(f"{literal.group(3)!r} is not a datatype IRI")
            return Term.literal(value, datatype=datatype.value)
        return Term.literal(value, lang=literal.group(2))
    if _ABSOLUTE.fullmatch(text):
        return Term.iri(text)
    prefixed = _PREFIXED.fullmatch(text)
    if prefixed and (prefixed.group(1) or "") in PREFIXES:
        return Term.iri(PREFIXES[prefixed.group(1) or ""] + prefixed.group(2))
    if text in ("true", "false"):
        return Term.literal(text, datatype=_XSD + "boolean")
    for pattern, xsd_type in ((_INTEGER, "integer"), (_DECIMAL, "decimal"), (_DATE, "date")):
        if pattern.fullmatch(text):
            return Term.literal(text, datatype=_XSD + xsd_type)
    return Term.literal(text)


def _pick_format(format_: str | None, form: str) -> str:
    if form in _GRAPH_FORMS:
        if format_ is None:
            return "ttl"
        if format_ not in GRAPH_FORMATS:
            raise click.UsageError(f"--format {format_} is for SELECT and ASK results; a {form} "
                                   f"query gives triples: use {', '.join(GRAPH_FORMATS)}")
        return format_
    if format_ is None:
        return "table" if is_terminal(sys.stdout) else "csv"
    if format_ not in RESULT_FORMATS:
        raise click.UsageError(f"--format {format_} is for triples; a {form} query gives a "
                               f"result table: use {', '.join(RESULT_FORMATS)}")
    return format_


def _is_file(target: str) -> bool:
    return target == "-" or target.endswith(".rq") or "/" in target


def _read(target: str) -> str:
    if target == "-":
        return sys.stdin.read()
    try:
        return Path(target).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise click.BadParameter(f"cannot read {target}: {reason}",
                                 param_hint="'NAME|FILE.rq'") from None


def _cap(result: Any, limit: int) -> Any:
    """A saved query's result cut to ``limit`` rows or triples (marked truncated)."""
    from graph.terms import SelectResult

    if isinstance(result, SelectResult) and len(result.rows) > limit:
        return SelectResult(result.variables, result.rows[:limit], truncated=True)
    if isinstance(result, list):
        from graph.sandbox import Triples

        return Triples(result[:limit], truncated=len(result) > limit)
    return result


def _write(settings: Settings, result: SelectResult | bool | list[Any], format_: str,
           limit: int) -> None:
    from graph.results import serialize, serialize_graph

    if isinstance(result, list):
        click.echo(serialize_graph(result, format_), nl=False)
        truncated = getattr(result, "truncated", False)
    else:
        click.echo(serialize(result, format_), nl=False)
        truncated = not isinstance(result, bool) and result.truncated
    if truncated and format_ != "table":
        settings.warn(f"stopped at {limit:,} {'triples' if isinstance(result, list) else 'rows'} "
                      "(--limit): the result is incomplete")


@click.command()
@click.argument("target", required=False, metavar="[NAME|FILE.rq]")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="Bind a parameter (repeatable). Saved queries: as their parameter type "
                   "says (an iri takes pgid:x, x or a full IRI). Ad hoc queries: Turtle "
                   "syntax (pgid:x, <IRI>, \"text\"@en, 42, 1953-07-27, plain text).")
@click.option("--sparql", metavar="TEXT", help="Run this SPARQL text (an ad hoc query).")
@format_option(RESULT_FORMATS + GRAPH_FORMATS,
               help="SELECT/ASK: table (default on a terminal), csv (default when piped), "
                    "tsv, json, xml (the W3C result formats). CONSTRUCT/DESCRIBE: ttl "
                    "(default), nt, jsonld.")
@query_limits
@pass_settings
def query(settings: Settings, target: str | None, params: tuple[tuple[str, str], ...],
          sparql: str | None, format_: str | None, timeout: float, limit: int) -> None:
    """Run a saved query (NAME), a SPARQL file (FILE.rq, or - for stdin) or --sparql TEXT.

    Saved queries are listed by `peacegraph queries`. Ad hoc queries must be read-only
    (SELECT, ASK, CONSTRUCT, DESCRIBE): updates, LOAD and SERVICE are refused (exit 1).
    They run in a separate process stopped after --timeout seconds. Every query sees the
    union of all graphs, with the pg:, pgid:, rdfs:, skos:, ... prefixes predeclared.

    \b
    Examples:
      peacegraph query precedents-for-track -p track track-4
      peacegraph query my-query.rq --format json
      peacegraph query --sparql 'SELECT ?t WHERE { ?t a pg:Treaty }'
    """
    if (target is None) == (sparql is None):
        raise click.UsageError("give one of: a saved query NAME, a FILE.rq, or --sparql TEXT")
    names = [name for name, _ in params]
    for name in names:
        if names.count(name) > 1:
            raise click.BadParameter(f"parameter '{name}' is given twice", param_hint="'-p'")
    if sparql is not None or _is_file(str(target)):
        from graph.sandbox import check_read_only
        from peacegraph.cli_remote import run_ad_hoc

        text = sparql if sparql is not None else _read(str(target))
        format_ = _pick_format(format_, check_read_only(text))
        terms = {name: parse_term(value) for name, value in params}
        with timed(settings, "ad hoc query ran"):
            result = run_ad_hoc(click.get_current_context(), text, params=terms,
                                timeout=timeout, limit=limit)
    else:
        from graph import queries as saved

        try:
            chosen = saved.get(str(target))
            format_ = _pick_format(format_, chosen.form)
            with settings.open_store() as store, timed(settings, f"{chosen.name} ran"):
                result = _cap(saved.run(store, chosen, **dict(params)), limit)
        except (saved.UnknownQuery, saved.ParameterError) as exc:
            raise UsageFailure(str(exc)) from exc
    _write(settings, result, format_, limit)


@click.command()
@format_option(("table", "json"), help="table (default) or json (name, title, description, "
                                       "form, columns, parameters).")
@click.option("--check", is_flag=True,
              help="Also parse every saved query with rdflib's SPARQL parser.")
@pass_settings
def queries(settings: Settings, format_: str | None, check: bool) -> None:
    """List the saved queries (queries/*.rq) and their parameters."""
    import json

    from graph import queries as saved
    from graph.results import text_table

    catalogue = sorted(saved.catalogue().values(), key=lambda q: q.name)
    if check:
        for item in catalogue:
            saved.check(item)
        settings.say(f"{len(catalogue)} saved queries OK")
    if format_ == "json":
        click.echo(json.dumps([{
            "name": q.name, "title": q.title, "description": q.description, "form": q.form,
            "columns": list(q.columns),
            "parameters": [{"name": p.name, "type": p.type, "optional": p.optional,
                            "default": p.default,
                            "choices": list(p.choices) if isinstance(p.choices, tuple)
                            else p.choices} for p in q.params],
        } for q in catalogue], ensure_ascii=False, indent=2))
        return
    rows = [[q.name, ", ".join(f"{p.name}{'?' if p.optional else ''} ({p.type})"
                               for p in q.params), q.title] for q in catalogue]
    click.echo(text_table(["name", "parameters", "title"], rows, max_width=70), nl=False)
