"""Loaders: what to load (a :class:`Source`) and the triples each kind of source yields.

A :class:`Source` names one thing to load into one named graph (``pgg:<name>``). The
loaders are pure: they read files and yield rdflib triples; they never open a store.
RDF files (``loader == "rdf"``) are not turned into triples here: the store bulk-loads
them natively after :func:`loaders.rdf.check` has vetted them.

Nothing heavy is imported here: rdflib, PyYAML and the loader modules are imported only
when :meth:`Source.triples` runs.

>>> s = resolve(REPO_ROOT / "ontology" / "peacegraph.ttl")
>>> (s.name, s.loader, len(s.sha256))
('ontology', 'ontology', 64)
>>> str(LoadError("expected '.' after triple", path="data/x.ttl", line=12, column=5))
"data/x.ttl:12:5: expected '.' after triple"
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontology import ONTOLOGY_TTL

if TYPE_CHECKING:
    from rdflib.term import Node

__all__ = [
    "Source", "LoadError", "resolve", "bundled",
    "REPO_ROOT", "DATA_DIR", "DEFAULT_MAPPING", "RDF_EXTENSIONS", "RESERVED_NAMES",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The bundled curated data (``data/*.yaml``).
DATA_DIR = REPO_ROOT / "data"
#: The CSV mapping used when :func:`resolve` is given a ``.csv`` without one.
DEFAULT_MAPPING = DATA_DIR / "mappings" / "participation.yaml"

#: File extension → RDF format name (the names :mod:`loaders.rdf` understands).
RDF_EXTENSIONS: dict[str, str] = {
    ".ttl": "ttl", ".nt": "nt", ".nq": "nq", ".trig": "trig",
    ".jsonld": "jsonld", ".json": "jsonld",
    ".rdf": "rdf", ".xml": "rdf", ".owl": "rdf",
}
_TEXT_EXTENSIONS = (".txt", ".md")
#: Graph names no source may take (the store keeps its own graphs there).
RESERVED_NAMES = frozenset({"manifest", "inferred"})
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z", re.IGNORECASE)

Triple = tuple["Node", "Node", "Node"]


class LoadError(Exception):
    """A source could not be read. ``str()`` is one line: ``path:line:column: message``.

    Attributes (each may be ``None``): ``path`` (as given), ``line`` and ``column``
    (1-based), ``record`` (a record id), ``field`` (a field or column name),
    ``expected`` (what would have been valid). ``message`` is what went wrong.

    >>> e = LoadError("unknown status 'sgned'", path="x.csv", line=3, column=4,
    ...               field="status", expected="one of signed, ratified")
    >>> str(e)
    "x.csv:3:4: column 'status': unknown status 'sgned' (expected one of signed, ratified)"
    >>> str(LoadError("is empty", path="a.ttl"))
    'a.ttl: is empty'
    >>> e.line, e.field
    (3, 'status')
    """

    def __init__(
        self,
        message: str = "",
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        record: str | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.record = record
        self.field = field
        self.expected = expected

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        context = []
        if self.record is not None:
            context.append(f"record {self.record!r}")
        if self.field is not None:
            context.append(f"{'field' if self.record is not None else 'column'} {self.field!r}")
        text = self.message
        if self.expected:
            text = f"{text} (expected {self.expected})" if text else f"expected {self.expected}"
        parts = [p for p in (where, ", ".join(context), text) if p]
        return " ".join(": ".join(parts).split())  # one line, whatever the parts hold

    def __reduce__(self) -> tuple[Any, ...]:
        # keep the keyword attributes when pickled (errors cross process boundaries)
        return (_rebuild_load_error, (type(self), self.message, self.__dict__.copy()))


def _rebuild_load_error(cls: type[LoadError], message: str, state: dict[str, Any]) -> LoadError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


@dataclass(frozen=True)
class Source:
    """One thing to load into one named graph (``pgg:<name>``).

    ``mapping`` is an addition to design.md: for ``loader == "csv"`` the YAML mapping
    that turns the rows into triples (its bytes are part of ``sha256``).
    """

    name: str
    location: str
    loader: str
    sha256: str
    rdf_format: str | None = None
    mapping: str | None = None

    def triples(self, *, known: Mapping[str, Sequence[str]] | None = None) -> Iterator[Triple]:
        """The source's statements as rdflib triples, read from ``location`` on this call.

        The loader modules are imported here. CSV, text and curated sources check all of
        their input before the first triple; the ontology is parsed on first iteration.

        ``known`` (text sources only) maps entity IRIs to the labels to look for; when
        omitted, the labels of the bundled curated data are used. Raises
        :class:`LoadError` for bad input, and ``ValueError`` for ``loader == "rdf"``,
        which the store bulk-loads natively instead.
        """
        path = Path(self.location)
        if self.loader == "curated":
            from loaders import curated
            return curated.triples(path)
        if self.loader == "ontology":
            from loaders import ontology
            return ontology.triples(path=path)
        if self.loader == "csv":
            from loaders import tabular
            return tabular.triples(path, Path(self.mapping or DEFAULT_MAPPING))
        if self.loader == "text":
            from loaders import text
            if known is None:
                known = text.curated_labels(DATA_DIR)
            return text.triples(path, known=known)
        if self.loader == "rdf":
            raise ValueError(
                f"{self.location}: RDF files are bulk-loaded by the store, not turned into triples"
            )
        raise ValueError(f"{self.location}: unknown loader {self.loader!r}")


def resolve(
    location: str | Path, *, name: str | None = None, mapping: str | Path | None = None
) -> Source:
    """The :class:`Source` for a file or directory, chosen by its extension.

    ``.ttl .nt .nq .trig .jsonld/.json .rdf/.xml/.owl`` → ``rdf``; ``.csv`` → ``csv``
    (with ``mapping``, by default :data:`DEFAULT_MAPPING`); ``.txt .md`` → ``text``; a
    directory holding ``tracks.yaml`` → ``curated``; the bundled ontology → ``ontology``.
    The graph name defaults to ``file-<stem>`` (lower-cased, other characters turned
    into ``-``), ``curated`` for :data:`DATA_DIR`, ``ontology`` for the ontology.
    Guarantees: the location exists and is readable, the name is a valid graph name,
    and an RDF file has passed :func:`loaders.rdf.check` (not empty, UTF-8, no entity
    declarations or external DTD, no remote JSON-LD context); the store should check
    again just before it bulk-loads, as the file may change in between. Other files
    are checked when their triples are read.

    >>> resolve(REPO_ROOT / "README.md").name
    'file-readme'
    >>> resolve("no/such.ttl")
    Traceback (most recent call last):
    ...
    loaders.LoadError: no/such.ttl: no such file or directory
    >>> resolve(REPO_ROOT / "pyproject.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loaders.LoadError: ...pyproject.toml: unsupported file type '.toml' (expected one of .csv ...)
    """
    shown = str(location)
    path = Path(location)
    if not path.exists():
        raise LoadError("no such file or directory", path=shown)
    if path.is_dir():
        if not (path / "tracks.yaml").is_file():
            raise LoadError("directory has no tracks.yaml", path=shown,
                            expected="a curated data directory (data/*.yaml)")
        default = "curated" if _same(path, DATA_DIR) else _file_name(path)
        return Source(name=_check_name(name or default, shown), location=shown,
                      loader="curated", sha256=_sha256_dir(path))
    if _same(path, ONTOLOGY_TTL):
        return Source(name=_check_name(name or "ontology", shown), location=shown,
                      loader="ontology", sha256=_sha256_files([path]))
    suffix = path.suffix.lower()
    graph = _check_name(name or _file_name(path), shown)
    if suffix in RDF_EXTENSIONS:
        from loaders.rdf import check

        check(path, rdf_format=RDF_EXTENSIONS[suffix], shown=shown)
        return Source(name=graph, location=shown, loader="rdf",
                      sha256=_sha256_files([path]), rdf_format=RDF_EXTENSIONS[suffix])
    if suffix == ".csv":
        table = Path(mapping) if mapping is not None else DEFAULT_MAPPING
        if not table.is_file():
            raise LoadError("no such mapping file", path=str(table),
                            expected="a YAML mapping for the CSV (see data/mappings/)")
        return Source(name=graph, location=shown, loader="csv",
                      sha256=_sha256_files([path, table]), mapping=str(table))
    if suffix in _TEXT_EXTENSIONS:
        return Source(name=graph, location=shown, loader="text", sha256=_sha256_files([path]))
    known = sorted({*RDF_EXTENSIONS, ".csv", *_TEXT_EXTENSIONS})
    raise LoadError(f"unsupported file type {suffix or '(none)'!r}", path=shown,
                    expected="one of " + " ".join(known) + " or a curated data directory")


def bundled() -> list[Source]:
    """What ``peacegraph load`` loads by default: the ontology, then the curated ``data/``.

    Locations are absolute, so the sources load from any working directory. Raises
    :class:`LoadError` when the curated directory is missing its ``tracks.yaml``.
    """
    return [resolve(ONTOLOGY_TTL), resolve(DATA_DIR)]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _file_name(path: Path) -> str:
    """``file-<stem>``, sanitised to a graph name."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return f"file-{stem or 'unnamed'}"


def _check_name(name: str, shown: str) -> str:
    if not _NAME.match(name):
        raise LoadError(f"invalid graph name {name!r}", path=shown,
                        expected="letters, digits, '.', '_' or '-', starting with a letter or digit")
    if name.lower() in RESERVED_NAMES:
        raise LoadError(f"graph name {name!r} is reserved", path=shown)
    return name


_CHUNK = 1 << 20


def _sha256_files(paths: Sequence[Path]) -> str:
    """sha256 of the files' bytes, one after the other (a single file: its plain sha256)."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            with open(path, "rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
        except OSError as e:
            raise LoadError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    return digest.hexdigest()


def _sha256_dir(path: Path) -> str:
    """sha256 over the directory's ``*.yaml`` files, sorted by name: name, NUL, size, bytes."""
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.yaml")):
        try:
            data = file.read_bytes()
        except OSError as e:
            raise LoadError(f"cannot read: {e.strerror or e}", path=str(file)) from None
        digest.update(file.name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()
