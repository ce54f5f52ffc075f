"""Participation statuses from a spreadsheet: CSV rows → ``pg:Participation`` nodes.

An analyst exports a treaty's status list to CSV and describes it in a small YAML
mapping (see ``data/mappings/participation.yaml``)::

    id: npt-status                # row IRIs are pgid:npt-status/<row key>
    columns:                      # role → CSV header (party and status are required)
      party: Country
      status: Status
      date: Date
      source: Source
    iris:                         # role → pgid (a curated id), iri (a full IRI) or auto
      party: pgid
    statuses:                     # the sheet's wording → a design.md status name
      Accession: acceded
    defaults:                     # values for roles the sheet lacks or leaves empty
      agreement: npt
      source: unoda-status-list

Roles: ``key`` (a column holding the row key; otherwise the key is made from the
agreement, party, status and date, e.g. ``npt-dprk-acceded-1985-12-12``), ``party``,
``agreement``, ``status``, ``date`` (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``), ``source``,
``note``, ``uncertain`` (true/false). The design.md status names (``signed``,
``ratified``, ``acceded``, ``party``, …) are always understood; ``statuses`` adds the
sheet's own words (matched case-insensitively).

Each row yields the participation's type, ``rdfs:label``, ``pg:party``, ``pg:agreement``,
``pg:status``, ``pg:date``, ``pg:note``, ``pg:uncertain`` and ``prov:wasDerivedFrom``,
plus ``pg:hasParticipation`` from the agreement: the curated shape of design.md. No
blank nodes, so the output is stable.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders import LoadError

if TYPE_CHECKING:
    from rdflib.term import Node, URIRef

__all__ = ["CsvMapping", "ROLES", "read_mapping", "triples"]

#: The roles a mapping can give a column.
ROLES = ("key", "party", "agreement", "status", "date", "source", "note", "uncertain")
_IRI_ROLES = ("party", "agreement", "source")
_IRI_MODES = ("pgid", "iri", "auto")
_TOP_KEYS = ("id", "label", "columns", "iris", "statuses", "defaults", "delimiter")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+\Z")
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

Triple = tuple["Node", "Node", "Node"]


@dataclass(frozen=True)
class CsvMapping:
    """A checked CSV mapping (see the module docstring for the YAML it comes from)."""

    id: str
    columns: Mapping[str, str]                  # role → CSV header
    iris: Mapping[str, str] = field(default_factory=dict)       # role → pgid | iri | auto
    statuses: Mapping[str, str] = field(default_factory=dict)   # lower-cased sheet word → status name
    defaults: Mapping[str, str] = field(default_factory=dict)   # role → value
    delimiter: str = ","
    label: str | None = None


def read_mapping(path: Path) -> CsvMapping:
    """Read and check a YAML mapping; raise :class:`~loaders.LoadError` naming the key.

    Guarantees on return: the id is a valid id; every role, IRI mode and status name
    is known; ``party`` and ``status`` have a column; ``agreement`` has a column or a
    default.
    """
    import yaml

    from loaders.curated import STATUSES

    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    except OSError as e:
        raise LoadError(f"cannot read: {e.strerror or e}", path=shown) from None
    except UnicodeDecodeError:
        raise LoadError("is not valid UTF-8", path=shown) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise LoadError(f"invalid YAML: {getattr(e, 'problem', None) or 'syntax error'}",
                        path=shown, line=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None) from None
    lines = _key_lines(text)

    def fail(message: str, key: str, expected: str | None = None) -> LoadError:
        return LoadError(message, path=shown, line=lines.get(key), field=key, expected=expected)

    if not isinstance(document, dict):
        raise LoadError("a mapping must be a YAML mapping (key: value)", path=shown)
    for key in document:
        if key not in _TOP_KEYS:
            raise fail(f"unknown key {key!r}", str(key), "one of " + ", ".join(_TOP_KEYS))
    mapping_id = document.get("id")
    if not isinstance(mapping_id, str) or not _ID.match(mapping_id):
        raise fail(f"invalid id {mapping_id!r}", "id", "lower-case letters, digits and '-'")

    def table(key: str, keys: tuple[str, ...] | None, values: tuple[str, ...] | None) -> dict[str, str]:
        value = document.get(key) or {}
        if not isinstance(value, dict):
            raise fail(f"{key!r} must be a mapping", key)
        out: dict[str, str] = {}
        for k, v in value.items():
            if keys is not None and k not in keys:
                raise fail(f"unknown role {k!r} in {key!r}", f"{key}.{k}", "one of " + ", ".join(keys))
            if not isinstance(v, (str, int)) or isinstance(v, bool) or str(v).strip() == "":
                raise fail(f"{key}.{k} must be a non-empty string", f"{key}.{k}")
            if values is not None and str(v) not in values:
                raise fail(f"unknown value {v!r} for {key}.{k}", f"{key}.{k}",
                           "one of " + ", ".join(values))
            out[str(k)] = str(v).strip()
        return out

    columns = table("columns", ROLES, None)
    iris = table("iris", _IRI_ROLES, _IRI_MODES)
    statuses = {k.strip().lower(): v for k, v in table("statuses", None, tuple(STATUSES)).items()}
    defaults = table("defaults", ("agreement", "source", "note"), None)
    for role in ("party", "status"):
        if role not in columns:
            raise fail(f"no column for {role!r}", "columns", f"columns.{role}: <CSV header>")
    if "agreement" not in columns and "agreement" not in defaults:
        raise fail("no column and no default for 'agreement'", "columns",
                   "columns.agreement or defaults.agreement")
    delimiter = document.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise fail(f"invalid delimiter {delimiter!r}", "delimiter", "a single character")
    label = document.get("label")
    return CsvMapping(id=mapping_id, columns=columns, iris=iris, statuses=statuses,
                    defaults=defaults, delimiter=delimiter,
                    label=None if label is None else str(label))


def triples(path: Path, mapping: Path) -> Iterator[Triple]:
    """The participations of a CSV file, as described by a YAML mapping.

    The whole file is read and checked before anything is yielded: on any problem the
    call raises :class:`~loaders.LoadError` naming the file, the row's 1-based line in
    the file (the header is line 1), the column number and its header, and what was
    expected; no triple is produced. Row IRIs are ``pgid:<mapping id>/<row key>``.

    >>> from loaders import REPO_ROOT
    >>> fixture = REPO_ROOT / "tests" / "fixtures" / "files" / "participation.csv"
    >>> mapping = REPO_ROOT / "data" / "mappings" / "participation.yaml"
    >>> rows = sorted({s for s, _, _ in triples(fixture, mapping) if "/participation/" in s})
    >>> str(rows[0])
    'https://w3id.org/peacegraph/id/participation/npt-dprk-acceded-1985-12-12'
    """
    table = read_mapping(Path(mapping))
    shown = str(path)
    from loaders.rdf import check_text

    check_text(Path(path), kind="CSV", shown=shown)
    return iter(_rows(Path(path), shown, table))


def _rows(path: Path, shown: str, table: CsvMapping) -> list[Triple]:
    out: list[Triple] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=table.delimiter, strict=True)
        header: list[str] | None = None
        index: dict[str, int] = {}
        previous = 0
        try:
            for record in reader:
                line, previous = previous + 1, reader.line_num
                if not record or all(not cell.strip() for cell in record):
                    continue
                if header is None:
                    header = [cell.strip() for cell in record]
                    index = _header_index(header, table, shown, line)
                    continue
                if len(record) != len(header):
                    raise LoadError(f"row has {len(record)} fields", path=shown, line=line,
                                    expected=f"{len(header)}, as in the header")
                row = _Row(record, index, table, shown, line)
                out.extend(_emit(row, table, seen))
        except csv.Error as e:
            raise LoadError(f"invalid CSV: {e}", path=shown, line=reader.line_num) from None
    if header is None:
        raise LoadError("has no header row", path=shown, line=1, expected="a CSV header")
    return out


def _header_index(header: list[str], table: CsvMapping, shown: str, line: int) -> dict[str, int]:
    """Role → 0-based column index, checking the mapped columns exist and are unique."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in positions and name:
            raise LoadError(f"header {name!r} appears twice", path=shown, line=line,
                            column=i + 1, field=name)
        positions[name] = i
    index = {}
    for role, name in table.columns.items():
        if name not in positions:
            raise LoadError(f"no column {name!r} (mapped to {role!r})", path=shown, line=line,
                            expected="one of " + ", ".join(repr(h) for h in header))
        index[role] = positions[name]
    return index


@dataclass(frozen=True)
class _Row:
    record: list[str]
    index: Mapping[str, int]
    table: CsvMapping
    shown: str
    line: int

    def value(self, role: str) -> str:
        """The cell for ``role`` (stripped), else the mapping's default, else ''."""
        cell = self.record[self.index[role]].strip() if role in self.index else ""
        return cell or self.table.defaults.get(role, "")

    def error(self, role: str, message: str, expected: str | None = None) -> LoadError:
        column = self.index.get(role)
        return LoadError(message, path=self.shown, line=self.line,
                         column=None if column is None else column + 1,
                         field=self.table.columns.get(role, role), expected=expected)

    def required(self, role: str) -> str:
        value = self.value(role)
        if not value:
            fallback = f" or defaults.{role} in the mapping" if role in ("agreement", "source") else ""
            raise self.error(role, f"no {role}", f"a value in every row{fallback}")
        return value

    def iri(self, role: str) -> "URIRef":
        from rdflib import URIRef

        value = self.required(role)
        mode = self.table.iris.get(role, "auto")
        if mode == "auto":
            mode = "iri" if re.match(r"(https?|urn):", value) else "pgid"
        if mode == "iri":
            if not _IRI.match(value):
                raise self.error(role, f"invalid IRI {_short(value)!r}", "an absolute IRI")
            return URIRef(value)
        if not _ID.match(value):
            raise self.error(role, f"invalid id {_short(value)!r}",
                             "a curated id: lower-case letters, digits and '-'")
        from ontology.namespace import id_iri

        return id_iri(value)


def _emit(row: _Row, table: CsvMapping, seen: dict[str, int]) -> Iterator[Triple]:
    """The triples of one row; ``seen`` maps the row keys met so far to their lines."""
    from rdflib import Literal
    from rdflib.namespace import PROV, RDF, RDFS, XSD

    from loaders.curated import STATUSES as statuses
    from ontology.namespace import PG, id_iri

    party, agreement, source = row.iri("party"), row.iri("agreement"), row.iri("source")
    word = row.required("status")
    status = table.statuses.get(word.lower()) or _status_name(word, statuses)
    if status is None:
        raise row.error("status", f"unknown status {_short(word)!r}",
                        "one of " + ", ".join([*statuses, *sorted(table.statuses)]))
    date = row.value("date")
    if date:
        if not _DATE.match(date) or not _real_date(date):
            raise row.error("date", f"invalid date {_short(date)!r}", "YYYY-MM-DD, YYYY-MM or YYYY")
    key = row.value("key") if "key" in row.index else ""
    if key:
        if not _ID.match(key):
            raise row.error("key", f"invalid row key {_short(key)!r}",
                            "lower-case letters, digits and '-'")
    else:
        key = "-".join(_slug(p) for p in (_local(agreement), _local(party), status, date) if p)
    if key in seen:
        raise row.error("key" if "key" in row.index else "party",
                        f"row key {key!r} repeats line {seen[key]}",
                        "one row per party, status and date")
    seen[key] = row.line
    subject = id_iri(f"{table.id}/{key}")
    when = f" ({date})" if date else ""
    yield subject, RDF.type, PG.Participation
    yield subject, RDFS.label, Literal(
        f"{_local(party)}: {statuses[status][1]} – {_local(agreement)}{when}", lang="en")
    yield subject, PG.party, party
    yield subject, PG.agreement, agreement
    yield agreement, PG.hasParticipation, subject
    yield subject, PG.status, statuses[status][0]
    if date:
        datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(date)]
        yield subject, PG.date, Literal(date, datatype=datatype)
    note = row.value("note")
    if note:
        yield subject, PG.note, Literal(note)
    flag = row.value("uncertain").lower()
    if flag:
        if flag not in _BOOLEANS:
            raise row.error("uncertain", f"invalid flag {_short(flag)!r}", "true or false")
        if _BOOLEANS[flag]:
            if not note:
                raise row.error("uncertain", "uncertain row without a note", "a note saying why")
            yield subject, PG.uncertain, Literal(True)
    yield subject, PROV.wasDerivedFrom, source


def _status_name(word: str, statuses: Mapping[str, Any]) -> str | None:
    """A design.md status name, tolerating case, spaces and underscores."""
    name = re.sub(r"[\s_]+", "-", word.strip().lower())
    return name if name in statuses else None


def _real_date(text: str) -> bool:
    year, month, day = (text.split("-") + ["01", "01"])[:3]
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _local(iri: str) -> str:
    """The id of a ``pgid:`` IRI, or the last path segment of another IRI."""
    from ontology import ID_NS

    text = str(iri)
    if text.startswith(ID_NS):
        return text[len(ID_NS):]
    return re.split(r"[/#:]", text.rstrip("/#"))[-1]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _short(text: str, width: int = 40) -> str:
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level key and of ``key.subkey`` one level down."""
    import yaml

    lines: dict[str, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for sub, _ in value.value:
                    lines[f"{key.value}.{sub.value}"] = sub.start_mark.line + 1
    return lines
