"""Property-based hardening tests (hypothesis).

- Any string (control characters, quotes, newlines, any non-surrogate code point) written
  as a literal with rdflib's own serialisers survives ``load`` → saved query, ad hoc query
  (result rows, and as a bound parameter) and the JSON/XML result formats → snapshot
  (``dataset.nq`` and ``dataset.trig`` read back), exactly.
- A randomly damaged copy of the curated fixture either loads or is refused with
  :class:`loaders.LoadError`: never another exception, never a partial write.

Examples are few (each one starts processes); ``deadline=None`` because process start-up
time varies on a shared machine; no example database is written.
"""

from __future__ import annotations

import copy
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef

import loaders
from graph import queries, sandbox
from graph.results import serialize
from graph.store import Store
from graph.terms import SelectResult, Term
from loaders import LoadError, curated

REPO = Path(__file__).resolve().parent.parent
CURATED = REPO / "tests" / "fixtures" / "curated"
EX = "https://example.org/property/"
VALUE = EX + "value"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_SETTINGS = settings(deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])

#: Any text without surrogates; control characters (NUL included), quotes, backslashes
#: and line breaks are drawn often, as they are what breaks serialisers.
TEXT = st.text(alphabet=st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from('\x00\x01\x08\t\n\x0b\x0c\r\x1b\x7f\x85\u2028\u2029\ufeff\ufffe\uffff'
                    '"\'\\<>{}&;#@^ \u00a0\U0010ffff'),
), max_size=30)


def _write(values: list[str], folder: Path, syntax: str) -> Path:
    """The values as literals of ``ex:s<i> ex:value``, serialised by rdflib.

    rdflib writes a NUL character as a raw byte, which peacegraph refuses as binary data
    (a documented choice: no text file holds NUL); the escaped spelling ``\\u0000``, which
    is the same literal, must load.
    """
    graph = Graph()
    for i, value in enumerate(values):
        graph.add((URIRef(f"{EX}s{i}"), URIRef(VALUE), Literal(value)))
    data = graph.serialize(format=syntax, encoding="utf-8")
    path = folder / ("values.nt" if syntax == "nt" else "values.ttl")
    if b"\0" in data:
        path.write_bytes(data)
        with pytest.raises(LoadError, match="NUL byte"):
            loaders.resolve(path)
        data = data.replace(b"\0", b"\\u0000")
    path.write_bytes(data)
    return path


def _loaded(values: list[str], folder: Path, syntax: str) -> Path:
    path = _write(values, folder, syntax)
    store_path = folder / "store"
    with Store.open(store_path, read_only=False) as store:
        report = store.load(loaders.resolve(path))
    assert report.statements == len(values)
    return store_path


def _literal(value: str) -> Term:
    return Term("literal", value, XSD_STRING, None)


@settings(_SETTINGS, max_examples=20)
@given(values=st.lists(TEXT, min_size=1, max_size=4),
       syntax=st.sampled_from(["nt", "turtle"]))
def test_any_string_survives_load_and_queries(values: list[str], syntax: str,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    store_path = _loaded(values, tmp_path_factory.mktemp("literal"), syntax)
    sparql = f"SELECT ?s ?v WHERE {{ ?s <{VALUE}> ?v }} ORDER BY ?s"
    # a saved query, in process (the command line's and the app's path), and the value
    # itself bound as a parameter
    with Store.open(store_path) as store:
        for i, value in enumerate(values):
            saved = queries.run(store, "entity", iri=f"{EX}s{i}")
            assert isinstance(saved, SelectResult)
            found = [row["other"] for row in saved.rows if row["predicate"].value == VALUE]
            assert found == [_literal(value)], (value, found)
        bound = store.select(sparql, params={"v": _literal(values[-1])})
        assert {row["s"].value for row in bound.rows} == {
            f"{EX}s{i}" for i, v in enumerate(values) if v == values[-1]}
    # an ad hoc query in the sandbox worker, the value bound as a parameter (as JSON there
    # and back)
    ad_hoc = sandbox.run_query(store_path, sparql, params={"v": _literal(values[0])}, timeout=30)
    assert isinstance(ad_hoc, SelectResult)
    assert [(row["s"].value, row["v"]) for row in ad_hoc.rows] == [
        (f"{EX}s{i}", _literal(v)) for i, v in enumerate(values) if v == values[0]]
    # the result formats: JSON exactly; XML exactly, or refused for what XML 1.0 cannot hold
    with Store.open(store_path) as store:
        result = store.select(sparql)
    bindings = json.loads(serialize(result, "json"))["results"]["bindings"]
    assert sorted(b["v"]["value"] for b in bindings) == sorted(values)
    try:
        xml = serialize(result, "xml")
    except ValueError as error:
        assert "cannot be written in XML 1.0" in str(error)
    else:
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        literals = ET.fromstring(xml).findall(".//r:binding[@name='v']/r:literal", ns)
        assert sorted(e.text or "" for e in literals) == sorted(values)


@settings(_SETTINGS, max_examples=8)
@given(values=st.lists(TEXT, min_size=1, max_size=6))
def test_any_string_survives_a_snapshot(values: list[str],
                                        tmp_path_factory: pytest.TempPathFactory,
                                        require: Any) -> None:
    try:
        from graph import snapshot
    except ImportError:
        snapshot = None  # type: ignore[assignment]
    require(snapshot is not None and hasattr(snapshot, "take"), "graph/snapshot.py is not there yet")
    folder = tmp_path_factory.mktemp("snapshot")
    store_path = _loaded(values, folder, "nt")
    with Store.open(store_path) as store:
        snapshot.take(store, folder / "snap")
    expected = sorted((f"{EX}s{i}", v) for i, v in enumerate(values))
    for name, fmt in (("dataset.nq", ox.RdfFormat.N_QUADS), ("dataset.trig", ox.RdfFormat.TRIG)):
        found = sorted((q.subject.value, q.object.value)
                       for q in ox.parse(path=folder / "snap" / name, format=fmt)
                       if q.predicate.value == VALUE)
        assert found == expected, name


# --------------------------------------------------------------------------- curated records

_FIXTURE = {path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted(CURATED.glob("*.yaml"))}
_IDS = sorted(record["id"] for records in _FIXTURE.values() for record in records)

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), TEXT,
    st.dates(), st.lists(st.one_of(TEXT, st.integers(), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(TEXT, st.integers()), max_size=2),
)
_IDENTIFIERS = st.one_of(st.sampled_from(_IDS), st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True),
                         TEXT)
_DATES = st.one_of(st.dates(), st.dates().map(str),
                   st.from_regex(r"-?[0-9]{1,5}(-[0-9]{1,2}(-[0-9]{1,2})?)?", fullmatch=True),
                   TEXT, st.integers(-3000, 30000))


def _value_for(file: str, field: str) -> st.SearchStrategy[Any]:
    """Plausible-but-maybe-wrong values for the field's kind, mixed with junk."""
    spec = curated.FILES.get(file, {}).get(field)
    kind = spec.kind if spec is not None else None
    if field == "id" or kind == "ref":
        return st.one_of(_IDENTIFIERS, _JUNK)
    if kind == "refs":
        return st.one_of(st.lists(_IDENTIFIERS, max_size=3), _IDENTIFIERS, _JUNK)
    if kind == "date":
        return st.one_of(_DATES, _JUNK)
    if kind == "dates":
        return st.one_of(st.dictionaries(st.sampled_from(["signed", "opened", "in_force", "x"]),
                                         _DATES, max_size=3), _JUNK)
    if kind == "enum":
        return st.one_of(st.sampled_from(spec.choices), _JUNK)  # type: ignore[union-attr]
    return _JUNK


@st.composite
def damaged_dataset(draw: st.DrawFn) -> dict[str, str]:
    """The fixture's files as YAML text, with one to three records damaged."""
    documents = copy.deepcopy(_FIXTURE)
    for _ in range(draw(st.integers(1, 3))):
        file = draw(st.sampled_from(sorted(documents)))
        records = documents[file]
        if not isinstance(records, list) or not records:
            continue
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        operation = draw(st.sampled_from(["drop field", "set field", "new field", "copy record",
                                          "drop record", "replace record", "replace file"]))
        if operation == "drop field" and isinstance(record, dict) and record:
            del record[draw(st.sampled_from(sorted(record)))]
        elif operation == "set field" and isinstance(record, dict) and record:
            field = draw(st.sampled_from(sorted(record)))
            record[field] = draw(_value_for(file, field))
        elif operation == "new field" and isinstance(record, dict):
            field = draw(st.one_of(st.sampled_from(sorted(curated.FILES[file])), st.text(max_size=8)))
            record[field] = draw(_value_for(file, field))
        elif operation == "copy record":
            records.append(copy.deepcopy(record))
        elif operation == "drop record":
            del records[index]
        elif operation == "replace record":
            records[index] = draw(_JUNK)
        elif operation == "replace file":
            documents[file] = draw(_JUNK)
    texts = {file: yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
             for file, document in documents.items()}
    if draw(st.booleans()):  # and sometimes raw damage to the text itself
        file = draw(st.sampled_from(sorted(texts)))
        text = texts[file]
        at = draw(st.integers(0, len(text)))
        texts[file] = text[:at] + draw(TEXT) + text[at + draw(st.integers(0, 5)):]
    return texts


@pytest.fixture(scope="module")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A writer on a store holding the curated fixture as ``curated``."""
    path = tmp_path_factory.mktemp("curated-store") / "store"
    with Store.open(path, read_only=False) as store:
        store.load(loaders.resolve(CURATED, name="curated"))
        yield store


def _fingerprint(store: Store) -> tuple[str, str, str]:
    data = store.dump("nq")
    assert isinstance(data, bytes)
    generations = sorted(p.name for p in store.path.glob("gen-*"))
    return store.version, hashlib.sha256(data).hexdigest(), ",".join(generations)


@settings(_SETTINGS, max_examples=40)
@given(texts=damaged_dataset())
def test_damaged_curated_data_loads_or_is_refused_cleanly(
        texts: dict[str, str], curated_store: Store,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("damaged")
    for file, text in texts.items():
        (folder / file).write_text(text, encoding="utf-8")
    # the loader alone: triples, or LoadError (never any other exception)
    try:
        count = sum(1 for _ in curated.triples(folder))
    except LoadError as error:
        refused: LoadError | None = error
        message = str(error)
        assert message and "\n" not in message and "Traceback" not in message
        assert error.path is not None
    else:
        refused = None
    event("refused by the loader" if refused is not None else "accepted")
    # through the store: a refusal leaves every byte as it was
    before = _fingerprint(curated_store)
    try:
        report = curated_store.load(loaders.resolve(folder, name="curated"), force=True)
    except LoadError as error:
        assert refused is not None, f"the store refused what the loader accepted: {error}"
        assert type(error) is type(refused) and str(error) == str(refused)
        assert _fingerprint(curated_store) == before
    else:
        assert refused is None, f"the store accepted what the loader refused: {refused}"
        assert report.statements <= count  # repeated statements fold into one
