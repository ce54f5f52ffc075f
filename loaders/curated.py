"""The curated dataset (``data/*.yaml``) as RDF triples.

:func:`triples` reads every YAML file of a curated dataset directory, checks all of it
against the schema of ``docs/design.md`` and only then yields triples in the "RDF shape"
of that page. A dataset with any problem yields nothing: the call raises a
:class:`CuratedDataError` naming the file, the line, the record, the field and what was
expected. :func:`check` returns every problem instead of the first one.

What is checked: YAML syntax and UTF-8 encoding; that each file is a list of mappings;
the file names; required and unknown fields (typo protection); id syntax and uniqueness
across files; that every reference resolves to a record of the right file and kind;
enumerations (kinds, statuses, relations); dates (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``,
real calendar dates); booleans and integers; track numbers 1-6 and unique; at least one
source on every record that needs one; quote offsets agree with the quoted text's length;
every precedent link has a rationale and at least one quote from the article, and informs
an issue of its track; ``uncertain: true`` comes with a ``note``.

What is emitted besides the records: the SKOS concept scheme ``pgid:issue-scheme``
(``skos:hasTopConcept`` for issues without ``broader``, ``skos:inScheme`` on each issue)
and ``pg:hasParticipation`` from an agreement or process to each of its participations.
Inverse properties (``pg:establishes``, ``pg:verifies``, ``pg:issueOf``) and superclasses
are left to the inference step. Descriptions become ``rdfs:comment``; records without a
label of their own (sources, quotes, participations, precedent links) get one made from
their fields.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "sources.yaml").write_text(
...     "- id: s1\\n  title: An article\\n  url: https://example.org/a\\n  kind: article\\n")
>>> _ = (folder / "parties.yaml").write_text(
...     "- id: state-x\\n  label: Example State\\n  kind: state\\n  sources: [s1]\\n")
>>> for s, p, o in sorted(triples(folder)):
...     if s.endswith("state-x"):
...         print(p.n3(), o.n3())
<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/peacegraph/ontology#State>
<http://www.w3.org/2000/01/rdf-schema#label> "Example State"@en
<http://www.w3.org/ns/prov#wasDerivedFrom> <https://w3id.org/peacegraph/id/s1>
>>> _ = (folder / "parties.yaml").write_text(
...     "- id: state-x\\n  label: Example State\\n  kind: stat\\n  sources: [s1]\\n")
>>> triples(folder)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
loaders.curated.CuratedDataError: ...parties.yaml:3: record 'state-x': field 'kind': unknown value 'stat' (expected one of: state, command, organization)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ontology.namespace import OA, PG, id_iri

from loaders import LoadError

__all__ = ["CuratedDataError", "FILES", "ISSUE_SCHEME", "check", "triples"]

Triple = tuple[Node, Node, Node]

#: The IRI of the SKOS concept scheme that holds every issue.
ISSUE_SCHEME = id_iri("issue-scheme")

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
WIKIDATA_PATTERN = re.compile(r"Q[1-9][0-9]*")
URL_PATTERN = re.compile(r"https?://[^\s<>\"{}|\\^`]+")

SOURCE_KINDS = ("article", "treaty-text", "official", "reference", "news", "scholarly", "mirror")
PARTY_CLASSES = {"state": PG.State, "command": PG.MilitaryCommand,
                 "organization": PG.InternationalOrganization}
AGREEMENT_CLASSES = {
    "treaty": PG.Treaty, "armistice": PG.Armistice, "joint-statement": PG.JointStatement,
    "declaration": PG.Declaration, "unsc-resolution": PG.SecurityCouncilResolution,
    "framework-agreement": PG.FrameworkAgreement,
}
PROCESS_CLASSES = {"negotiation": PG.NegotiationProcess, "reform": PG.PolicyReform,
                   "study": PG.Study}
#: ``status:`` value -> (individual, its label).
STATUSES = {
    "signed": (PG.Signed, "signed"), "ratified": (PG.Ratified, "ratified"),
    "acceded": (PG.Acceded, "acceded"), "party": (PG.StateParty, "party"),
    "participant": (PG.Participant, "participant"), "voted-for": (PG.VotedFor, "voted for"),
    "withdrew": (PG.Withdrew, "withdrew"),
    "announced-withdrawal": (PG.AnnouncedWithdrawal, "announced withdrawal"),
    "suspended": (PG.Suspended, "suspended"), "did-not-sign": (PG.DidNotSign, "did not sign"),
    "not-party": (PG.NotParty, "not a party"),
}
#: ``relation:`` value -> (individual, its label).
RELATIONS = {
    "model": (PG.ModelToFollow, "model to follow"),
    "caution": (PG.CautionaryRecord, "cautionary record"),
    "parallel": (PG.ParallelTrack, "parallel track"),
    "legal-basis": (PG.LegalBasis, "legal basis"),
}
#: ``dates:`` keys of an agreement -> property.
AGREEMENT_DATES = {
    "opened": PG.dateOpened, "signed": PG.dateSigned, "adopted": PG.dateAdopted,
    "in_force": PG.dateEnteredIntoForce, "expired": PG.dateExpired, "ended": PG.dateEnded,
}


@dataclass(frozen=True)
class Field:
    """One field of a record kind: its value type, whether it is required, what it may name."""

    kind: str  # str | text | verbatim | strs | int | bool | date | dates | url | wikidata | enum | ref | refs
    required: bool = False
    targets: tuple[str, ...] = ()  # files whose records a ref/refs may name
    choices: tuple[str, ...] = ()  # values of an enum
    kinds: tuple[str, ...] = ()  # allowed `kind:` values of the records named (e.g. processes of kind negotiation)


def _common(**fields: Field) -> dict[str, Field]:
    """The fields of a record kind, plus the id and the uncertain/note flags every kind has."""
    base = {"id": Field("str", required=True), "uncertain": Field("bool"), "note": Field("text")}
    return base | fields


_SOURCES = Field("refs", required=True, targets=("sources.yaml",))
_EVIDENCE = Field("refs", targets=("quotes.yaml",))
_PARTIES = Field("refs", targets=("parties.yaml",))
_LABEL = Field("text", required=True)
_ALT = Field("strs")
_DESCRIPTION = Field("text")

#: Every file of a curated dataset, in the order records are emitted, with its fields.
FILES: dict[str, dict[str, Field]] = {
    "sources.yaml": _common(
        title=Field("text", required=True), url=Field("url", required=True),
        kind=Field("enum", choices=SOURCE_KINDS), creator=Field("text"),
        publisher=Field("text"), issued=Field("date")),
    "quotes.yaml": _common(
        source=Field("ref", required=True, targets=("sources.yaml",)),
        exact=Field("verbatim", required=True), prefix=Field("verbatim", required=True),
        suffix=Field("verbatim", required=True), start=Field("int", required=True),
        end=Field("int", required=True)),
    "parties.yaml": _common(
        label=_LABEL, kind=Field("enum", required=True, choices=tuple(PARTY_CLASSES)),
        alt_labels=_ALT, wikidata=Field("wikidata"), description=_DESCRIPTION, sources=_SOURCES),
    "persons.yaml": _common(
        label=_LABEL, description=_DESCRIPTION,
        represents=Field("ref", targets=("parties.yaml",)), sources=_SOURCES),
    "issues.yaml": _common(
        label=_LABEL, alt_labels=_ALT, definition=Field("text", required=True),
        broader=Field("ref", targets=("issues.yaml",)), sources=_SOURCES),
    "formats.yaml": _common(
        label=_LABEL, description=Field("text", required=True), participants=_PARTIES,
        evidence=_EVIDENCE, sources=_SOURCES),
    "tracks.yaml": _common(
        number=Field("int", required=True), label=_LABEL, scope=Field("text", required=True),
        format=Field("ref", required=True, targets=("formats.yaml",)), participants=_PARTIES,
        issues=Field("refs", required=True, targets=("issues.yaml",)),
        evidence=Field("refs", required=True, targets=("quotes.yaml",)), sources=_SOURCES),
    "agreements.yaml": _common(
        label=_LABEL, kind=Field("enum", required=True, choices=tuple(AGREEMENT_CLASSES)),
        title=Field("text"), alt_labels=_ALT, dates=Field("dates"), place=Field("text"),
        legally_binding=Field("bool"), number=Field("int"),
        signatories=Field("refs", targets=("persons.yaml",)),
        process=Field("ref", targets=("processes.yaml",), kinds=("negotiation",)),
        reaffirms=Field("refs", targets=("agreements.yaml",)), status_summary=Field("text"),
        description=_DESCRIPTION, evidence=_EVIDENCE, sources=_SOURCES),
    "processes.yaml": _common(
        label=_LABEL, kind=Field("enum", required=True, choices=tuple(PROCESS_CLASSES)),
        start=Field("date"), end=Field("date"), participants=_PARTIES,
        creators=Field("refs", targets=("persons.yaml",)), description=_DESCRIPTION,
        evidence=_EVIDENCE, sources=_SOURCES),
    "events.yaml": _common(
        label=_LABEL, date=Field("date"), start=Field("date"), end=Field("date"),
        place=Field("text"),
        participants=Field("refs", targets=("parties.yaml", "persons.yaml")),
        process=Field("ref", targets=("processes.yaml",), kinds=("negotiation",)),
        description=_DESCRIPTION, evidence=_EVIDENCE, sources=_SOURCES),
    "institutions.yaml": _common(
        label=_LABEL, alt_labels=_ALT,
        established_by=Field("ref", targets=("agreements.yaml",)),
        role=Field("text", required=True), seat=Field("text"), start=Field("date"),
        end=Field("date"), parent=Field("ref", targets=("institutions.yaml",)), sources=_SOURCES),
    "verification.yaml": _common(
        label=_LABEL, agreement=Field("ref", required=True, targets=("agreements.yaml",)),
        institution=Field("ref", targets=("institutions.yaml",)),
        description=Field("text", required=True), sources=_SOURCES),
    "participations.yaml": _common(
        party=Field("ref", required=True, targets=("parties.yaml",)),
        agreement=Field("ref", required=True, targets=("agreements.yaml", "processes.yaml")),
        status=Field("enum", required=True, choices=tuple(STATUSES)), date=Field("date"),
        sources=_SOURCES),
    "precedents.yaml": _common(
        track=Field("ref", required=True, targets=("tracks.yaml",)),
        precedent=Field("ref", required=True, targets=(
            "agreements.yaml", "processes.yaml", "institutions.yaml", "events.yaml")),
        issue=Field("ref", required=True, targets=("issues.yaml",)),
        relation=Field("enum", required=True, choices=tuple(RELATIONS)),
        rationale=Field("text", required=True),
        evidence=Field("refs", required=True, targets=("quotes.yaml",)), sources=_SOURCES),
}

#: What a reference to a file is called in messages.
_FILE_NOUNS = {
    "sources.yaml": "source", "quotes.yaml": "quote", "parties.yaml": "party",
    "persons.yaml": "person", "issues.yaml": "issue", "formats.yaml": "format",
    "tracks.yaml": "track", "agreements.yaml": "agreement", "processes.yaml": "process",
    "events.yaml": "event", "institutions.yaml": "institution",
    "verification.yaml": "verification mechanism", "participations.yaml": "participation",
    "precedents.yaml": "precedent link",
}
_RESERVED_IDS = frozenset({"issue-scheme"})


# --------------------------------------------------------------------------- errors


class CuratedDataError(LoadError):
    """A problem in the curated dataset, located as precisely as the YAML allows.

    ``path`` is the file (relative to the working directory when inside it), ``line``
    the 1-based YAML line of the field (of the record when the field is absent; of the
    error for syntax and encoding problems), ``record`` the record's id, ``field`` the
    field name, ``expected`` what would have been accepted and ``message`` what is
    wrong. ``str()`` is one line, e.g. ``data/participations.yaml:123: record
    'p-cwc-dprk': field 'party': unknown party 'state-xx' (expected an id from
    parties.yaml)``.

    >>> str(CuratedDataError("unknown field", path=Path("x.yaml"), line=3, record="a",
    ...                      field="lable", expected="one of: id, label"))
    "x.yaml:3: record 'a': field 'lable': unknown field (expected one of: id, label)"
    """

    def __init__(self, message: str, *, path: Path | str, line: int | None = None,
                 column: int | None = None, record: str | None = None,
                 field: str | None = None, expected: str | None = None) -> None:
        super().__init__(message, path=_display(Path(path)), line=line, column=column,
                         record=record, field=field, expected=expected)

    def __str__(self) -> str:
        parts = [f"{self.path}:{self.line}" if self.line is not None else str(self.path)]
        if self.record is not None:
            parts.append(f"record '{self.record}'")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        text = ": ".join([*parts, self.message])
        if self.expected:
            text += f" (expected {self.expected})"
        return " ".join(text.split())


def _display(path: Path) -> str:
    """The path as a user typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- YAML


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    """A safe YAML loader that records line numbers and leaves dates as text.

    Dates stay strings (or year integers) so that the loader, not PyYAML, checks them
    and names the record of an impossible date such as ``2023-02-30``.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark,
                f"found a key that is not text: {key!r}", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark,
                f"found the key {key!r} twice", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse(path: Path) -> Any:
    """The YAML document of a file; raises :class:`CuratedDataError` for bad bytes or syntax."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise CuratedDataError(
            f"the file is not UTF-8: byte 0x{data[error.start]:02x} at column {column} "
            "cannot be decoded", path=path, line=line, column=column,
            expected="UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = " ".join(p for p in (error.context, error.problem) if p)
        raise CuratedDataError(
            f"YAML syntax error: {problem}", path=path, line=where[0], column=where[1],
            expected="a YAML list of mappings") from None
    except yaml.YAMLError as error:  # pragma: no cover - unmarked errors are rare
        raise CuratedDataError(f"YAML error: {error}", path=path) from None


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Record:
    file: str
    path: Path
    data: _Mapping

    @property
    def id(self) -> str:
        return str(self.data["id"])

    def line(self, name: str | None = None) -> int:
        if name is not None and name in self.data.lines:
            return self.data.lines[name]
        return self.data.line


@dataclass
class _Dataset:
    """The records of a dataset and the problems found in them (mutable while checking)."""

    directory: Path
    files: dict[str, list[_Record]] = field(default_factory=dict)
    index: dict[str, _Record] = field(default_factory=dict)
    problems: list[CuratedDataError] = field(default_factory=list)

    def fail(self, record: _Record, name: str | None, problem: str, *,
             expected: str | None = None, line: int | None = None) -> None:
        self.problems.append(CuratedDataError(
            problem, path=record.path, line=line if line is not None else record.line(name),
            record=record.id, field=name, expected=expected))

    def label(self, record_id: str) -> str:
        record = self.index[record_id]
        return str(record.data.get("label") or record.data.get("title") or record_id)


def _read(directory: Path) -> _Dataset:
    """Parse every file and check every record; problems are collected, not raised."""
    dataset = _Dataset(directory)
    if not directory.is_dir():
        dataset.problems.append(CuratedDataError(
            "not a directory", path=directory, expected="a folder of curated YAML files"))
        return dataset
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        if path.name not in FILES:
            dataset.problems.append(CuratedDataError(
                "unknown file name", path=path,
                expected="one of: " + ", ".join(FILES)))
            continue
        try:
            document = _parse(path)
        except CuratedDataError as error:
            dataset.problems.append(error)
            continue
        dataset.files[path.name] = _records(dataset, path, document)
    if dataset.problems:
        return dataset
    _index(dataset)
    for records in dataset.files.values():
        for record in records:
            _check_fields(dataset, record)
    if not dataset.problems:
        _check_across(dataset)
    return dataset


def _records(dataset: _Dataset, path: Path, document: Any) -> list[_Record]:
    if document is None:
        return []
    if not isinstance(document, list):
        dataset.problems.append(CuratedDataError(
            f"the file holds a {type(document).__name__}, not a list", path=path, line=1,
            expected="a YAML list of records (each line starting with '- ')"))
        return []
    records = []
    for position, item in enumerate(document, start=1):
        if not isinstance(item, _Mapping):
            dataset.problems.append(CuratedDataError(
                f"item {position} is a {type(item).__name__}, not a mapping", path=path,
                expected="a record with fields such as 'id:'"))
            continue
        if not isinstance(item.get("id"), str):
            dataset.problems.append(CuratedDataError(
                f"item {position} has no text 'id'", path=path, line=item.line, field="id",
                expected="an id such as 'cfe-treaty'"))
            continue
        records.append(_Record(path.name, path, item))
    return records


def _index(dataset: _Dataset) -> None:
    for name in FILES:
        for record in dataset.files.get(name, []):
            if not ID_PATTERN.fullmatch(record.id):
                dataset.fail(record, "id", f"invalid id {record.id!r}",
                             expected="lower-case letters, digits and hyphens, "
                                      "starting with a letter or digit")
            elif record.id in _RESERVED_IDS:
                dataset.fail(record, "id", f"the id {record.id!r} is reserved",
                             expected="another id")
            elif record.id in dataset.index:
                first = dataset.index[record.id]
                dataset.fail(record, "id", f"duplicate id {record.id!r}, first used in "
                             f"{first.file} line {first.line()}", expected="an id used once")
            else:
                dataset.index[record.id] = record


def _check_fields(dataset: _Dataset, record: _Record) -> None:
    fields = FILES[record.file]
    for name in record.data:
        if name not in fields:
            dataset.fail(record, name, "unknown field",
                         expected="one of: " + ", ".join(fields))
    for name, spec in fields.items():
        value = record.data.get(name)
        if value is None or value == [] or value == "":
            if spec.required and not (spec.kind == "verbatim" and name in record.data):
                dataset.fail(record, name, "missing required field" if name not in record.data
                             else "required field is empty", expected=_describe(spec))
            continue
        _check_value(dataset, record, name, spec, value)
    if record.data.get("uncertain") is True and not record.data.get("note"):
        dataset.fail(record, "note", "an uncertain item needs a note saying why",
                     expected="a 'note:' next to 'uncertain: true'")


def _describe(spec: Field) -> str:
    if spec.kind in ("ref", "refs"):
        many = "a list of ids" if spec.kind == "refs" else "an id"
        return f"{many} from " + " or ".join(spec.targets)
    return {
        "str": "text", "text": "text", "verbatim": "text", "strs": "a list of texts",
        "int": "an integer", "bool": "true or false",
        "date": "a date YYYY-MM-DD, YYYY-MM or YYYY",
        "dates": "a mapping of " + ", ".join(AGREEMENT_DATES) + " to dates",
        "url": "an http(s) URL", "wikidata": "a Wikidata id such as Q423",
        "enum": "one of: " + ", ".join(spec.choices),
    }[spec.kind]


def _check_value(dataset: _Dataset, record: _Record, name: str, spec: Field,
                 value: Any) -> None:
    def bad(problem: str) -> None:
        dataset.fail(record, name, problem, expected=_describe(spec))

    kind = spec.kind
    if kind in ("str", "text", "verbatim", "url", "wikidata", "enum"):
        if not isinstance(value, str):
            bad(f"{_show(value)} is not text")
        elif kind in ("str", "text") and not value.strip():
            bad("the text is empty")
        elif kind == "url" and not URL_PATTERN.fullmatch(value):
            bad(f"invalid URL {value!r}")
        elif kind == "wikidata" and not WIKIDATA_PATTERN.fullmatch(value):
            bad(f"invalid Wikidata id {value!r}")
        elif kind == "enum" and value not in spec.choices:
            bad(f"unknown value {value!r}")
    elif kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                  for v in value):
            bad(f"{_show(value)} is not a list of texts")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            bad(f"{_show(value)} is not an integer")
    elif kind == "bool":
        if not isinstance(value, bool):
            bad(f"{_show(value)} is not true or false")
    elif kind == "date":
        problem = _date_problem(value)
        if problem:
            bad(problem)
    elif kind == "dates":
        if not isinstance(value, _Mapping):
            bad(f"{_show(value)} is not a mapping")
            return
        for key, date in value.items():
            line = value.lines.get(key)
            if key not in AGREEMENT_DATES:
                dataset.fail(record, f"{name}.{key}", "unknown date kind", line=line,
                             expected="one of: " + ", ".join(AGREEMENT_DATES))
            elif date is not None and (problem := _date_problem(date)):
                dataset.fail(record, f"{name}.{key}", problem, line=line,
                             expected=_describe(Field("date")))
    elif kind in ("ref", "refs"):
        ids = value if kind == "refs" else [value]
        if kind == "refs" and not isinstance(value, list):
            bad(f"{_show(value)} is not a list")
            return
        seen: set[str] = set()
        for target_id in ids:
            _check_reference(dataset, record, name, spec, target_id)
            if isinstance(target_id, str) and target_id in seen:
                bad(f"{target_id!r} is listed twice")
            seen.add(str(target_id))


def _check_reference(dataset: _Dataset, record: _Record, name: str, spec: Field,
                     target_id: Any) -> None:
    noun = " or ".join(dict.fromkeys(_FILE_NOUNS[t] for t in spec.targets))
    expected = "an id from " + " or ".join(spec.targets)
    if not isinstance(target_id, str):
        dataset.fail(record, name, f"{_show(target_id)} is not an id", expected=expected)
        return
    target = dataset.index.get(target_id)
    if target is None:
        dataset.fail(record, name, f"unknown {noun} {target_id!r}", expected=expected)
    elif target.file not in spec.targets:
        dataset.fail(record, name, f"{target_id!r} is a {_FILE_NOUNS[target.file]} "
                     f"(in {target.file}), not a {noun}", expected=expected)
    elif spec.kinds and target.data.get("kind") not in spec.kinds:
        dataset.fail(record, name, f"{target_id!r} is a {_FILE_NOUNS[target.file]} of kind "
                     f"{target.data.get('kind')!r}",
                     expected="one of kind " + ", ".join(spec.kinds))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _date_problem(value: Any) -> str | None:
    """Why a YAML value is not a date, or None when it is one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return f"{_show(value)} is not a date"
    match = DATE_PATTERN.fullmatch(value)
    if not match:
        return f"invalid date {value!r}"
    year, month, day = match.groups()
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        return f"invalid date {value!r}: {error}"
    return None


def _date_key(value: Any) -> tuple[int, ...]:
    year, month, day = DATE_PATTERN.fullmatch(str(value)).groups()  # type: ignore[union-attr]
    return tuple(int(part) for part in (year, month, day) if part)


def _before(first: Any, second: Any) -> bool:
    """Whether ``second`` is certainly earlier than ``first`` at their common precision."""
    a, b = _date_key(first), _date_key(second)
    common = min(len(a), len(b))
    return b[:common] < a[:common]


def _check_across(dataset: _Dataset) -> None:
    """Checks that need more than one record: all references are known to resolve."""
    index = dataset.index
    numbers: dict[int, _Record] = {}
    for track in dataset.files.get("tracks.yaml", []):
        number = track.data["number"]
        if not 1 <= number <= 6:
            dataset.fail(track, "number", f"track number {number} is out of range",
                         expected="an integer from 1 to 6")
        elif number in numbers:
            dataset.fail(track, "number", f"track number {number} is also used by "
                         f"{numbers[number].id!r}", expected="each number once")
        else:
            numbers[number] = track
    for quote in dataset.files.get("quotes.yaml", []):
        start, end, exact = (quote.data[k] for k in ("start", "end", "exact"))
        if start < 0 or end <= start:
            dataset.fail(quote, "end", f"offsets {start}..{end} do not enclose any text",
                         expected="0 <= start < end")
        elif end - start != len(exact):
            dataset.fail(quote, "end", f"offsets {start}..{end} span {end - start} "
                         f"characters but the exact text has {len(exact)}",
                         expected="end - start == the length of 'exact'")
    for issue in dataset.files.get("issues.yaml", []):
        seen, current = {issue.id}, issue.data.get("broader")
        while current is not None:
            if current in seen:
                dataset.fail(issue, "broader", f"the broader issues form a cycle through "
                             f"{current!r}", expected="a hierarchy without cycles")
                break
            seen.add(current)
            current = index[current].data.get("broader")
    for agreement in dataset.files.get("agreements.yaml", []):
        if "number" in agreement.data and agreement.data["kind"] != "unsc-resolution":
            dataset.fail(agreement, "number", "only a Security Council resolution has a "
                         "resolution number", expected="kind: unsc-resolution")
        dates = agreement.data.get("dates") or _Mapping()
        for early, late in (("opened", "in_force"), ("signed", "in_force"),
                            ("signed", "expired"), ("signed", "ended"),
                            ("in_force", "expired"), ("in_force", "ended")):
            if dates.get(early) is not None and dates.get(late) is not None \
                    and _before(dates[early], dates[late]):
                dataset.fail(agreement, f"dates.{late}", f"{late} ({dates[late]}) is "
                             f"before {early} ({dates[early]})", expected="dates in order",
                             line=getattr(dates, "lines", {}).get(late))
    for process in dataset.files.get("processes.yaml", []):
        if process.data.get("creators") and process.data["kind"] != "study":
            dataset.fail(process, "creators", "only a study has creators",
                         expected="kind: study")
    for name in ("processes.yaml", "events.yaml", "institutions.yaml"):
        for record in dataset.files.get(name, []):
            start, end = record.data.get("start"), record.data.get("end")
            if start is not None and end is not None and _before(start, end):
                dataset.fail(record, "end", f"end ({end}) is before start ({start})",
                             expected="an end on or after the start")
    for event in dataset.files.get("events.yaml", []):
        has_date, has_start = "date" in event.data, "start" in event.data
        if has_date and (has_start or "end" in event.data):
            dataset.fail(event, "date", "an event has either a date or a start and end",
                         expected="'date:' alone, or 'start:' with an optional 'end:'")
        elif not has_date and not has_start:
            dataset.fail(event, "date", "missing required field",
                         expected="'date:', or 'start:' with an optional 'end:'")
    for link in dataset.files.get("precedents.yaml", []):
        for quote_id in link.data["evidence"]:
            source = index[index[quote_id].data["source"]]
            if source.data.get("kind") != "article":
                dataset.fail(link, "evidence", f"quote {quote_id!r} is from {source.id!r}, "
                             "which is not the article",
                             expected="quotes from a source of kind 'article'")
        track = index[link.data["track"]]
        track_issues = set(track.data["issues"])
        current, ancestry = link.data["issue"], []
        while current is not None and current not in ancestry:
            ancestry.append(current)
            current = index[current].data.get("broader")
        if not track_issues.intersection(ancestry):
            dataset.fail(link, "issue", f"issue {link.data['issue']!r} is not an issue of "
                         f"track {track.id!r} (nor narrower than one)",
                         expected="one of: " + ", ".join(track.data["issues"]))


# --------------------------------------------------------------------------- public API


def check(directory: Path) -> list[CuratedDataError]:
    """Every problem of the curated dataset in ``directory``; an empty list when it is valid.

    Problems of syntax or encoding stop the checks (the other files cannot be trusted to
    resolve references); otherwise all records are checked. Reads files only.
    """
    return _read(Path(directory)).problems


def triples(directory: Path) -> Iterator[Triple]:
    """The triples of the curated dataset in ``directory``, in a stable order.

    Guarantees: every file is read and checked before this returns, so an invalid
    dataset raises :class:`CuratedDataError` (the first problem; ``check`` lists all)
    and yields nothing. The triples follow the RDF shape of ``docs/design.md``: IRIs
    ``pgid:<id>`` (selectors ``pgid:<quote-id>/target``, ``/quote``, ``/position``), no
    blank nodes, and the same order for the same files.
    """
    dataset = _read(Path(directory))
    if dataset.problems:
        first = dataset.problems[0]
        if len(dataset.problems) > 1:
            first.message += f" [1 of {len(dataset.problems)} problems]"
        raise first
    return _emit(dataset)


# --------------------------------------------------------------------------- emitting


def _en(text: str) -> Literal:
    return Literal(text.strip(), lang="en")


def _plain(text: str) -> Literal:
    return Literal(text.strip())


def _date(value: Any) -> Literal:
    text = str(value)
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(text)]
    return Literal(text, datatype=datatype)


def _integer(value: int, datatype: URIRef = XSD.integer) -> Literal:
    return Literal(str(value), datatype=datatype)


#: Fields emitted the same way in every file: name -> (predicate, value converter).
_SIMPLE: dict[str, tuple[URIRef, Any]] = {
    "label": (RDFS.label, _en),
    "description": (RDFS.comment, _en),
    "alt_labels": (SKOS.altLabel, _en),
    "note": (PG.note, _plain),
    "uncertain": (PG.uncertain, Literal),
    "evidence": (PG.evidence, id_iri),
    "sources": (PROV.wasDerivedFrom, id_iri),
    "participants": (PG.participant, id_iri),
    "place": (PG.placeName, _plain),
    "start": (PG.startDate, _date),
    "end": (PG.endDate, _date),
    "date": (PG.date, _date),
}
#: Fields whose meaning depends on the file: (file, name) -> (predicate, converter).
_SPECIFIC: dict[tuple[str, str], tuple[URIRef, Any]] = {
    ("sources.yaml", "title"): (DCTERMS.title, _en),
    ("sources.yaml", "url"): (PG.url, lambda v: Literal(v, datatype=XSD.anyURI)),
    ("sources.yaml", "kind"): (PG.sourceKind, _plain),
    ("sources.yaml", "creator"): (DCTERMS.creator, _plain),
    ("sources.yaml", "publisher"): (DCTERMS.publisher, _plain),
    ("sources.yaml", "issued"): (DCTERMS.issued, _date),
    ("quotes.yaml", "source"): (PROV.wasDerivedFrom, id_iri),
    ("parties.yaml", "wikidata"): (PG.wikidata, _plain),
    ("persons.yaml", "represents"): (PG.represents, id_iri),
    ("issues.yaml", "definition"): (SKOS.definition, _en),
    ("issues.yaml", "broader"): (SKOS.broader, id_iri),
    ("tracks.yaml", "number"): (PG.trackNumber, _integer),
    ("tracks.yaml", "scope"): (PG.scope, _en),
    ("tracks.yaml", "format"): (PG.format, id_iri),
    ("tracks.yaml", "issues"): (PG.hasIssue, id_iri),
    ("agreements.yaml", "title"): (DCTERMS.title, _en),
    ("agreements.yaml", "legally_binding"): (PG.legallyBinding, Literal),
    ("agreements.yaml", "number"): (PG.resolutionNumber, _integer),
    ("agreements.yaml", "signatories"): (PG.signatory, id_iri),
    ("agreements.yaml", "process"): (PG.partOfProcess, id_iri),
    ("agreements.yaml", "reaffirms"): (PG.reaffirms, id_iri),
    ("agreements.yaml", "status_summary"): (PG.statusSummary, _en),
    ("processes.yaml", "creators"): (PG.creator, id_iri),
    ("events.yaml", "process"): (PG.partOfProcess, id_iri),
    ("institutions.yaml", "established_by"): (PG.establishedBy, id_iri),
    ("institutions.yaml", "role"): (PG.role, _en),
    ("institutions.yaml", "seat"): (PG.seat, _plain),
    ("institutions.yaml", "parent"): (PG.parentInstitution, id_iri),
    ("verification.yaml", "institution"): (PG.operatedBy, id_iri),
    ("participations.yaml", "party"): (PG.party, id_iri),
    ("participations.yaml", "agreement"): (PG.agreement, id_iri),
    ("participations.yaml", "status"): (PG.status, lambda v: STATUSES[v][0]),
    ("precedents.yaml", "track"): (PG.track, id_iri),
    ("precedents.yaml", "precedent"): (PG.precedent, id_iri),
    ("precedents.yaml", "issue"): (PG.informsIssue, id_iri),
    ("precedents.yaml", "relation"): (PG.relationKind, lambda v: RELATIONS[v][0]),
    ("precedents.yaml", "rationale"): (PG.rationale, _en),
}
#: Fields emitted by the per-file code below, not through the tables.
_HANDLED: dict[str, frozenset[str]] = {
    "quotes.yaml": frozenset({"exact", "prefix", "suffix", "start", "end"}),
    "verification.yaml": frozenset({"agreement"}),
}
_ALWAYS_HANDLED = frozenset({"id", "kind", "dates"})
_CLASSES: dict[str, URIRef] = {
    "persons.yaml": PG.Person, "issues.yaml": PG.Issue, "formats.yaml": PG.NegotiationFormat,
    "tracks.yaml": PG.Track, "events.yaml": PG.Event, "institutions.yaml": PG.Institution,
    "verification.yaml": PG.VerificationMechanism, "participations.yaml": PG.Participation,
    "precedents.yaml": PG.PrecedentLink, "quotes.yaml": OA.Annotation,
}


def _emit(dataset: _Dataset) -> Iterator[Triple]:
    issues = dataset.files.get("issues.yaml", [])
    if issues:
        yield ISSUE_SCHEME, RDF.type, SKOS.ConceptScheme
        yield ISSUE_SCHEME, RDFS.label, Literal("peacegraph issue scheme", lang="en")
        yield ISSUE_SCHEME, SKOS.prefLabel, Literal("peacegraph issue scheme", lang="en")
        for issue in issues:
            if issue.data.get("broader") is None:
                yield ISSUE_SCHEME, SKOS.hasTopConcept, id_iri(issue.id)
    for name in FILES:
        for record in dataset.files.get(name, []):
            yield from _emit_record(dataset, record)


def _emit_record(dataset: _Dataset, record: _Record) -> Iterator[Triple]:
    subject, data, file = id_iri(record.id), record.data, record.file
    yield from _emit_types(subject, data, file)
    label = _made_label(dataset, record)
    if label is not None:
        yield subject, RDFS.label, Literal(label, lang="en")
    for name, value in data.items():
        if value is None or name in _HANDLED.get(file, ()) or (
                name in _ALWAYS_HANDLED and (file, name) not in _SPECIFIC):
            continue
        predicate, convert = _SPECIFIC.get((file, name)) or _SIMPLE[name]
        for item in value if isinstance(value, list) else [value]:
            yield subject, predicate, convert(item)
        if name == "label" and file == "issues.yaml":
            yield subject, SKOS.prefLabel, _en(value)
    if file == "issues.yaml":
        yield subject, SKOS.inScheme, ISSUE_SCHEME
    elif file == "agreements.yaml":
        for key, date in (data.get("dates") or {}).items():
            if date is not None:
                yield subject, AGREEMENT_DATES[key], _date(date)
    elif file == "verification.yaml":
        yield id_iri(data["agreement"]), PG.hasVerification, subject
    elif file == "participations.yaml":
        yield id_iri(data["agreement"]), PG.hasParticipation, subject
    elif file == "quotes.yaml":
        yield from _emit_quote(subject, record)


def _emit_types(subject: URIRef, data: Mapping[str, Any], file: str) -> Iterator[Triple]:
    if file == "sources.yaml":
        yield subject, RDF.type, PG.Article if data.get("kind") == "article" else PG.Source
    elif file == "parties.yaml":
        yield subject, RDF.type, PARTY_CLASSES[data["kind"]]
    elif file == "agreements.yaml":
        yield subject, RDF.type, AGREEMENT_CLASSES[data["kind"]]
    elif file == "processes.yaml":
        yield subject, RDF.type, PROCESS_CLASSES[data["kind"]]
    else:
        yield subject, RDF.type, _CLASSES[file]
        if file == "issues.yaml":
            yield subject, RDF.type, SKOS.Concept


def _made_label(dataset: _Dataset, record: _Record) -> str | None:
    """A label for records whose file has no ``label`` field."""
    data = record.data
    if record.file == "sources.yaml":
        return str(data["title"]).strip()
    if record.file == "quotes.yaml":
        return f"“{data['exact'].strip()}”"
    if record.file == "participations.yaml":
        when = f" ({data['date']})" if data.get("date") is not None else ""
        return (f"{dataset.label(data['party'])}: {STATUSES[data['status']][1]} – "
                f"{dataset.label(data['agreement'])}{when}")
    if record.file == "precedents.yaml":
        return (f"{dataset.label(data['precedent'])} as {RELATIONS[data['relation']][1]} "
                f"for {dataset.label(data['track'])}")
    return None


def _emit_quote(subject: URIRef, record: _Record) -> Iterator[Triple]:
    data = record.data
    target = URIRef(f"{subject}/target")
    quote = URIRef(f"{subject}/quote")
    position = URIRef(f"{subject}/position")
    yield subject, OA.motivatedBy, OA.describing
    yield subject, OA.hasTarget, target
    yield target, RDF.type, OA.SpecificResource
    yield target, OA.hasSource, id_iri(data["source"])
    yield target, OA.hasSelector, quote
    yield target, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(data["exact"])
    yield quote, OA.prefix, Literal(data.get("prefix") or "")
    yield quote, OA.suffix, Literal(data.get("suffix") or "")
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, _integer(data["start"], XSD.nonNegativeInteger)
    yield position, OA.end, _integer(data["end"], XSD.nonNegativeInteger)
