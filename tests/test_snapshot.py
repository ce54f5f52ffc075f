"""Snapshots (graph.snapshot and the snapshot commands) on a store of the bundled data.

One store is built once per session from ``loaders.bundled()``; the fixtures above the
tests copy it (a closed store is a plain directory) when a test needs to change it. The
expected counts are computed with SPARQL, not read back from the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("graph.store") is None or not (REPO / "data" / "tracks.yaml").exists():
    pytest.skip("waiting for graph.store / data", allow_module_level=True)

import loaders  # noqa: E402
from graph import queries, snapshot  # noqa: E402
from graph.snapshot import Manifest, SnapshotError, Statement  # noqa: E402
from graph.store import MANIFEST_GRAPH, Store  # noqa: E402
from graph.terms import SelectResult  # noqa: E402
from ontology import GRAPH_NS, ID_NS, PREFIXES  # noqa: E402

PG = PREFIXES["pg"]
_SCRIPT = Path(sys.executable).parent / "peacegraph"
ENTRY = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "peacegraph"]

#: A small extra source: one new participation (with a formula-like note and awkward
#: characters), and a date added to an existing one.
EXTRA_TTL = r"""
@prefix pg: <https://w3id.org/peacegraph/ontology#> .
@prefix pgid: <https://w3id.org/peacegraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

pgid:p-test-cfe-japan-signed a pg:Participation ;
    rdfs:label "Japan: signed – CFE Treaty (test)"@en ;
    pg:party pgid:state-japan ;
    pg:agreement pgid:cfe-treaty ;
    pg:status pg:Signed ;
    pg:date "2030-01-01"^^xsd:date ;
    prov:wasDerivedFrom pgid:src-tass-cfe-2023 ;
    pg:note "=HYPERLINK(\"http://example.invalid\") \\ tab\there\nnew line é 😀 \u0001" .
pgid:cfe-treaty pg:hasParticipation pgid:p-test-cfe-japan-signed .
pgid:p-cfe-treaty-russia-party pg:date "1992-07-17"^^xsd:date .
"""


def peacegraph(*args: str) -> subprocess.CompletedProcess[str]:
    """``peacegraph ARGS`` through the real entry point, in a subprocess."""
    done = subprocess.run([*ENTRY, *args], capture_output=True, timeout=120, cwd=REPO)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


def copy_store(source: Path, target: Path) -> Path:
    """A copy of a closed store directory."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("lock"))
    return target


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def store_path(bundled_store_path: Path) -> Path:
    """The bundled store (built once per session; tests that write copy it first)."""
    return bundled_store_path


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as handle:
        yield handle


@pytest.fixture(scope="module")
def taken(store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest, list[str]]:
    """A snapshot of the bundled store, with the files ``progress`` reported."""
    folder = tmp_path_factory.mktemp("snapshots") / "one"
    reported: list[str] = []
    manifest = snapshot.take(store, folder, progress=reported.append)
    return folder, manifest, reported


@pytest.fixture(scope="module")
def changed(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(store, snapshot) of the bundled store plus :data:`EXTRA_TTL` as the source ``extra``."""
    base = tmp_path_factory.mktemp("changed")
    path = copy_store(store_path, base / "store")
    extra = base / "extra.ttl"
    extra.write_text(EXTRA_TTL, encoding="utf-8")
    with Store.open(path, read_only=False) as writer:
        writer.load(loaders.resolve(extra, name="extra"))
    with Store.open(path) as reader:
        snapshot.take(reader, base / "snap")
    return path, base / "snap"


# --------------------------------------------------------------------------- taking


def test_snapshot_holds_every_file_and_a_manifest(store: Store, taken: tuple[Path, Manifest, list[str]]) -> None:
    folder, manifest, reported = taken
    expected = {"dataset.nq", "dataset.trig", "union.ttl", "dataset.jsonld", "network.graphml",
                "network.gexf", "graphs/ontology.nq", "graphs/curated.nq", "graphs/inferred.nq",
                *snapshot.CSV_FILES}
    assert set(manifest.files) == expected
    assert set(reported) == expected | {"manifest.json"} and reported[-1] == "manifest.json"
    assert snapshot.read_manifest(folder) == manifest
    # versions, sources and counts
    assert manifest.peacegraph_version == __import__("peacegraph").__version__
    assert manifest.ontology_version == __import__("ontology").ONTOLOGY_VERSION
    assert [(s.name, s.loader) for s in manifest.sources] == [("curated", "curated"),
                                                              ("ontology", "ontology")]
    assert [s.sha256 for s in manifest.sources] == [e.sha256 for e in store.manifest()]
    stats = store.stats()
    assert manifest.graphs == stats.graphs and manifest.classes == stats.classes
    # the content: every graph but the manifest's, counted independently
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                         f"FILTER(?g != <{MANIFEST_GRAPH}>) }}").rows[0]["n"].to_python()
    assert manifest.statements == count
    data = (folder / "dataset.nq").read_bytes()
    assert manifest.content_hash == hashlib.sha256(data).hexdigest()
    assert MANIFEST_GRAPH.encode() not in data
    lines = data.splitlines(keepends=True)
    assert lines == sorted(lines) and len(lines) == count
    per_graph = b"".join(sorted(b"".join((folder / f).read_bytes() for f in manifest.graph_files.values())
                                .splitlines(keepends=True)))
    assert per_graph == data


def test_manifest_hashes_match_the_files(taken: tuple[Path, Manifest, list[str]], tmp_path: Path) -> None:
    folder, manifest, _ = taken
    for relative, digest in manifest.files.items():
        assert hashlib.sha256((folder / relative).read_bytes()).hexdigest() == digest, relative
    assert snapshot.verify(folder) == []
    # a changed, a missing and an extra file are each reported
    broken = Path(shutil.copytree(folder, tmp_path / "broken"))
    with open(broken / "csv" / "tracks.csv", "ab") as handle:
        handle.write(b"x")
    (broken / "union.ttl").unlink()
    (broken / "notes.txt").write_text("mine")
    problems = snapshot.verify(broken)
    assert len(problems) == 3
    assert any(p.startswith("csv/tracks.csv: sha256 is") for p in problems)
    assert "union.ttl: missing" in problems
    assert "notes.txt: not listed in manifest.json" in problems


def test_two_snapshots_of_one_store_are_identical(store_path: Path, taken: tuple[Path, Manifest, list[str]],
                                                  tmp_path: Path) -> None:
    """Through the real entry point: the second snapshot prints the same content hash."""
    folder, manifest, _ = taken
    done = peacegraph("--store", str(store_path), "snapshot", str(tmp_path / "two"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == manifest.content_hash
    second = snapshot.read_manifest(tmp_path / "two")
    deterministic = [f for f in manifest.files if f.endswith((".nq", ".csv", ".trig", ".ttl",
                                                              ".jsonld", ".graphml"))]
    for relative in deterministic:  # all but GEXF, whose header carries the date
        assert second.files[relative] == manifest.files[relative], relative
    # a snapshot never overwrites a folder
    again = peacegraph("--store", str(store_path), "snapshot", str(tmp_path / "two"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_snapshot_is_written_completely_or_not_at_all(store: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshot, "_jsonld", broken)  # after dataset.nq, TriG and Turtle
    with pytest.raises(RuntimeError, match="disk full"):
        snapshot.take(store, tmp_path / "half")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- formats


def test_graphml_has_the_projection_with_centrality_and_community(
        store: Store, taken: tuple[Path, Manifest, list[str]]) -> None:
    import networkx as nx

    folder, manifest, _ = taken
    graph = nx.read_graphml(folder / "network.graphml", force_multigraph=True)
    # expected edges: the distinct rows of the edges-* saved queries, "not a party" and
    # "did not sign" steps left out; nodes: every end of every row
    nodes, edges = set(), set()
    for name in ("edges-precedents", "edges-participation", "edges-institutions", "edges-tracks"):
        result = queries.run(store, name)
        assert isinstance(result, SelectResult)
        for row in result.rows:
            value = {k: t.value for k, t in row.items()}
            nodes |= {value["source"], value["target"]}
            if value["predicate"] in (PG + "NotParty", PG + "DidNotSign"):
                continue
            edges.add(tuple(value.get(k) for k in ("source", "target", "predicate", "predicateLabel",
                                                   "quote", "trackNumber", "date")))
    assert graph.number_of_nodes() == len(nodes) == manifest.network["nodes"]
    assert graph.number_of_edges() == len(edges) == manifest.network["edges"]
    tracks = store.select("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a pg:Track }").rows[0]["n"]
    assert sum(1 for _, role in graph.nodes(data="role") if role == "track") == tracks.to_python() == 6
    for node, attributes in graph.nodes(data=True):
        assert node.startswith(ID_NS) or node.startswith(PG), node
        assert {"label", "type", "role", "centrality", "community"} <= set(attributes), node
    assert graph.nodes[ID_NS + "track-1"]["track_number"] == 1
    assert graph.nodes[ID_NS + "korean-armistice-1953"]["date_signed"] == "1953-07-27"
    assert len({key for *_, key in graph.edges(keys=True)}) == graph.number_of_edges()  # ids unique
    gexf = nx.read_gexf(folder / "network.gexf")
    assert (gexf.number_of_nodes(), gexf.number_of_edges()) == (len(nodes), len(edges))
    # no date stamp: the same store gives the same GEXF bytes on any day
    assert b"lastmodifieddate" not in (folder / "network.gexf").read_bytes()


def test_every_rdf_file_parses_back(store: Store, taken: tuple[Path, Manifest, list[str]]) -> None:
    import rdflib

    folder, manifest, _ = taken
    content = manifest.statements
    everything = sum(manifest.graphs.values())  # with pgg:manifest
    union = store.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                         "WHERE { ?s ?p ?o } }").rows[0]["n"].to_python()
    for name, form, expected in (("dataset.nq", "nquads", content), ("dataset.trig", "trig", everything),
                                 ("dataset.jsonld", "json-ld", everything), ("union.ttl", "turtle", union)):
        dataset = rdflib.Dataset()
        dataset.parse(folder / name, format=form)
        assert len(dataset) == expected, name
    jsonld = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    assert jsonld["@context"]["pg"] == PG
    assert '"pg:' in (folder / "dataset.jsonld").read_text(encoding="utf-8")
    assert (folder / "dataset.trig").read_text(encoding="utf-8").count("@prefix pg:") == 1


def test_canonical_nquads_streams_sorted_runs(store: Store, taken: tuple[Path, Manifest, list[str]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted in runs of 4 KB spilled to disk and merged: the same bytes as in one piece."""
    from graph import linesort

    folder, _, _ = taken
    expected = (folder / "dataset.nq").read_bytes()
    assert b"_:c14n0 " in expected  # the ontology's OWL lists: RDFC-1.0 labels
    monkeypatch.setattr(linesort, "RUN_BYTES", 1 << 12)
    stream = io.BytesIO()
    assert store.canonical_nquads(output=stream) is None
    assert stream.getvalue() == store.canonical_nquads() == expected
    with_manifest = store.canonical_nquads(manifest=True)
    lines = with_manifest.splitlines(keepends=True)
    assert lines == sorted(lines) and MANIFEST_GRAPH.encode() in with_manifest
    assert set(lines) > set(expected.splitlines(keepends=True))


def test_jsonld_writes_iris_as_curies_and_leaves_literals_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IRIs of a known namespace become CURIEs as the JSON-LD streams (cut every 64 bytes
    here), but not text that looks like them inside a literal, nor an IRI whose local
    part would read as an absolute IRI (``pgid://evil``)."""
    import rdflib

    looks_like_json = ('{"@id":"https://w3id.org/peacegraph/ontology#x"},'
                       '"https://w3id.org/peacegraph/ontology#y":[{"@id":"' + ID_NS + 'z"}]')
    source = tmp_path / "tricky.ttl"
    source.write_text(
        "@prefix pg: <https://w3id.org/peacegraph/ontology#> .\n"
        "@prefix pgid: <https://w3id.org/peacegraph/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"pgid:a rdfs:label {json.dumps(looks_like_json)} ;\n"
        '    pg:note "7"^^pg:customType , "é \\u0001 \\" \\\\ {\\"" ;\n'
        f"    rdfs:seeAlso <{ID_NS}//evil> , <{PG}> , [ rdfs:label \"blank\" ] .\n",
        encoding="utf-8")
    with Store.open(tmp_path / "store", read_only=False) as writer:
        writer.load(loaders.resolve(source, name="tricky"))
    monkeypatch.setattr(snapshot, "_JSONLD_CHUNK", 64)
    with Store.open(tmp_path / "store") as reader:
        snapshot.export(reader, "jsonld", tmp_path / "out.jsonld")
        snapshot.export(reader, "trig", tmp_path / "out.trig")
    text = (tmp_path / "out.jsonld").read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["@context"]["pgid"] == ID_NS
    assert '"@id":"pgid:a"' in text and '"rdfs:label"' in text and '"@type":"pg:customType"' in text
    assert f'"@id":"{ID_NS}//evil"' in text and f'"@id":"{PG}"' in text
    assert json.dumps(looks_like_json, ensure_ascii=False) in text
    shapes = []
    for path, form in ((tmp_path / "out.jsonld", "json-ld"), (tmp_path / "out.trig", "trig")):
        dataset = rdflib.Dataset().parse(path, format=form)
        shapes.append(sorted(tuple("_:" if isinstance(t, rdflib.BNode) else str(t) for t in quad)
                             for quad in dataset))
    assert shapes[0] == shapes[1]
    assert any(quad[2] == looks_like_json for quad in shapes[0])


@pytest.mark.parametrize("form", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_export_writes_each_rdf_format(store: Store, taken: tuple[Path, Manifest, list[str]],
                                       tmp_path: Path, form: str) -> None:
    """Read like a snapshot reads (an in-memory copy), an export is the snapshot's file;
    streamed from disk (the default), the same statements, and canonical N-Quads the
    same bytes either way."""
    import rdflib

    folder, manifest, _ = taken
    same = {"nq": "dataset.nq", "trig": "dataset.trig", "ttl": "union.ttl", "jsonld": "dataset.jsonld"}
    parser = {"nq": "nquads", "nt": "nt", "trig": "trig", "ttl": "turtle", "jsonld": "json-ld"}[form]
    copied, streamed = tmp_path / f"copied.{form}", tmp_path / f"streamed.{form}"
    snapshot.export(store, form, copied, in_memory=True)
    snapshot.export(store, form, streamed)
    if form in same:
        assert copied.read_bytes() == (folder / same[form]).read_bytes()
    if form == "nq":
        assert streamed.read_bytes() == copied.read_bytes()
    parsed = [rdflib.Dataset().parse(path, format=parser) for path in (copied, streamed)]
    if form in ("ttl", "nt"):  # the union: every distinct triple once
        assert len(parsed[0]) == len(rdflib.Graph().parse(folder / "union.ttl", format="turtle"))
    # the same statements, blank nodes aside (rdflib labels them afresh on each parse)
    shapes = [sorted(tuple("_:" if isinstance(t, rdflib.BNode) else str(t) for t in quad)
                     for quad in dataset) for dataset in parsed]
    assert shapes[0] == shapes[1] and len(shapes[0]) > 0
    stream = io.BytesIO()
    snapshot.export(store, form, stream)
    assert stream.getvalue() == streamed.read_bytes()


def test_export_command(store_path: Path, taken: tuple[Path, Manifest, list[str]], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from peacegraph.cli import cli

    folder, _, _ = taken
    runner = CliRunner()
    done = runner.invoke(cli, ["--store", str(store_path), "export", "--format", "nq"])
    assert done.exit_code == 0 and done.stdout_bytes == (folder / "dataset.nq").read_bytes()
    done = runner.invoke(cli, ["--store", str(store_path), "export", "-o", str(tmp_path / "net.graphml")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "net.graphml").read_bytes() == (folder / "network.graphml").read_bytes()
    done = runner.invoke(cli, ["--store", str(store_path), "export"])
    assert done.exit_code == 2 and "--format" in done.output


# --------------------------------------------------------------------------- CSV


def test_csv_cells_are_neutralised() -> None:
    assert [snapshot.neutralise(c) for c in ("=1+1", "+1", "-1", "@A1", "\tx", "1953", "", "a=b")] \
        == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "1953", "", "a=b"]


def test_csv_files_of_the_main_queries(store: Store, taken: tuple[Path, Manifest, list[str]],
                                       changed: tuple[Path, Path]) -> None:
    folder, _, _ = taken
    with open(folder / "csv" / "tracks.csv", encoding="utf-8", newline="") as handle:
        tracks = list(csv.DictReader(handle))
    assert [row["number"] for row in tracks] == ["1", "2", "3", "4", "5", "6"]
    with open(folder / "csv" / "precedents-by-track.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    linked = store.select("SELECT DISTINCT ?t WHERE { ?l a pg:PrecedentLink ; pg:track ?t }")
    assert {row["track"] for row in rows} == {row["t"].value for row in linked.rows}
    assert len(rows) >= len(linked.rows) >= 5
    assert (folder / "csv" / "party-status.csv").read_bytes().count(b"\r\n") > 50
    # the formula-like note of the changed store's new participation is neutralised
    _, snap = changed
    with open(snap / "csv" / "party-status.csv", encoding="utf-8", newline="") as handle:
        notes = [row["note"] for row in csv.DictReader(handle)
                 if row["participation"] == ID_NS + "p-test-cfe-japan-signed"]
    assert notes == ["'=HYPERLINK(\"http://example.invalid\") \\ tab\there\nnew line é 😀 \x01"]


# --------------------------------------------------------------------------- restore


def test_snapshot_restore_snapshot_is_identical(taken: tuple[Path, Manifest, list[str]],
                                                tmp_path: Path) -> None:
    folder, manifest, _ = taken
    report = snapshot.restore(tmp_path / "restored", folder)
    assert report.matches and report.sources == ("curated", "ontology")
    with Store.open(tmp_path / "restored") as restored:
        again = snapshot.take(restored, tmp_path / "again")
        entries = restored.manifest()
    assert again.content_hash == manifest.content_hash
    assert (tmp_path / "again" / "dataset.nq").read_bytes() == (folder / "dataset.nq").read_bytes()
    for relative in manifest.graph_files.values():
        assert (tmp_path / "again" / relative).read_bytes() == (folder / relative).read_bytes()
    # the manifest entries come back as they were, but for the load times
    assert [(e.name, e.location, e.sha256, e.loader, e.statements) for e in entries] == [
        (s.name, s.location, s.sha256, s.loader, s.statements) for s in manifest.sources]
    # ... so loading the same sources again skips them
    with Store.open(tmp_path / "restored", read_only=False) as writer:
        assert all(writer.load(source).skipped for source in loaders.bundled())


def test_restore_refuses_a_store_that_is_not_empty_unless_forced(
        store_path: Path, taken: tuple[Path, Manifest, list[str]], changed: tuple[Path, Path],
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from peacegraph.cli import cli

    folder, manifest, _ = taken
    with pytest.raises(SnapshotError, match="not empty.*--force"):
        snapshot.restore(store_path, folder)
    done = CliRunner().invoke(cli, ["--store", str(store_path), "restore", str(folder)])
    assert done.exit_code == 1 and "--force" in done.output
    # --force, to the changed snapshot: its "extra" source (loaded with the "rdf" loader)
    # comes from graphs/extra.nq; curated and ontology are kept (same name and sha256)
    target = copy_store(store_path, tmp_path / "store")
    changed_manifest = snapshot.read_manifest(changed[1])
    report = snapshot.restore(target, changed[1], force=True)
    assert report.matches and report.content_hash == changed_manifest.content_hash
    with Store.open(target) as restored:
        extra = next(e for e in restored.manifest() if e.name == "extra")
    original = next(s for s in changed_manifest.sources if s.name == "extra")
    assert (extra.loader, extra.sha256, extra.statements) == ("rdf", original.sha256, original.statements)
    assert extra.location == str((changed[1] / "graphs" / "extra.nq").absolute())
    # --force, back to the bundled snapshot: the extra source goes
    report = snapshot.restore(target, folder, force=True)
    assert report.removed == ("extra",) and report.matches
    with Store.open(target) as restored:
        assert hashlib.sha256(restored.canonical_nquads()).hexdigest() == manifest.content_hash


def test_restore_refuses_a_damaged_snapshot(taken: tuple[Path, Manifest, list[str]], tmp_path: Path) -> None:
    folder, _, _ = taken
    broken = Path(shutil.copytree(folder, tmp_path / "broken"))
    with open(broken / "graphs" / "curated.nq", "ab") as handle:
        handle.write(b'<http://x/a> <http://x/b> "c" <https://w3id.org/peacegraph/graph/curated> .\n')
    with pytest.raises(SnapshotError, match="damaged.*graphs/curated.nq"):
        snapshot.restore(tmp_path / "store", broken)
    assert not (tmp_path / "store").exists()


def test_nquads_lines_parse_like_rdflib(changed: tuple[Path, Path]) -> None:
    import rdflib

    _, snap = changed
    data = (snap / "graphs" / "extra.nq").read_text(encoding="utf-8")
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format="nquads")
    expected = {tuple(str(t) for t in quad[:3]) for quad in dataset.quads()}
    ours = set()
    for line in data.splitlines():
        statement = Statement.parse(line)
        ours.add((statement.subject.value, statement.predicate.value, statement.object.value))
        assert statement.graph is not None and statement.graph.value == GRAPH_NS + "extra"
    assert ours == expected
    assert any("😀" in o and "\n" in o and "\x01" in o for _, _, o in ours)
    # canonical escaping (RDFC-1.0): ECHAR for \t \n \" \\, \u0001 in upper-case hex, é and 😀 as they are
    note = '"=HYPERLINK(\\"http://example.invalid\\") \\\\ tab\\there\\nnew line é 😀 \\u0001"'
    assert note in EXTRA_TTL and f"<{PG}note> {note} <{GRAPH_NS}extra> .\n" in data


# --------------------------------------------------------------------------- diff


def test_diff_of_a_known_change(taken: tuple[Path, Manifest, list[str]], changed: tuple[Path, Path]) -> None:
    folder, _, _ = taken
    store, snap = changed
    forward = snapshot.diff(folder, snap)
    assert not forward.equal and not forward.removed
    text = forward.text()
    assert "\n+ Japan — signed — CFE Treaty, 2030-01-01\n" in text
    assert '+ Japan — signed — CFE Treaty, 2030-01-01 — note — "=HYPERLINK(' in text
    assert "\x01" not in text and "😀 \\x01" in text  # control characters are shown escaped
    assert "+ CFE Treaty — has participation — Japan — signed — CFE Treaty, 2030-01-01" in text
    # the date added to an existing participation is one statement, named by the participation
    assert "+ Russia — party — CFE Treaty, 1992-07-17 — date — 1992-07-17" in text
    assert "\nParticipation (+" in text and "\nTreaty (+1 −0)" in text
    backward = snapshot.diff(snap, folder)
    assert "\n- Japan — signed — CFE Treaty, 2030-01-01\n" in backward.text()
    assert [s.nquad for s in backward.removed] == [s.nquad for s in forward.added]
    # against the store itself, by path or by handle: the same change
    assert snapshot.diff(folder, store).added == forward.added
    with Store.open(store) as reader:
        assert snapshot.diff(folder, reader).added == forward.added
    # machines: JSON and patch
    data = json.loads(forward.json())
    assert data["counts"]["added"] == len(forward.added) and data["counts"]["removed"] == 0
    added = {(i["subject"]["value"], i["predicate"]["value"]): i for i in data["added"]}
    date = added[(ID_NS + "p-test-cfe-japan-signed", PG + "date")]
    assert date["object"] == {"type": "literal", "value": "2030-01-01",
                              "datatype": PREFIXES["xsd"] + "date"}
    assert date["class"] == PG + "Participation"
    assert date["labels"]["subject"] == "Japan — signed — CFE Treaty, 2030-01-01"
    patch = forward.patch().splitlines()
    assert patch and all(line.startswith("+ <") for line in patch)
    assert sorted(line[2:] for line in patch) == [s.nquad for s in forward.added]


def test_diff_exit_status(taken: tuple[Path, Manifest, list[str]], changed: tuple[Path, Path],
                          store_path: Path, tmp_path: Path) -> None:
    folder, manifest, _ = taken
    _, snap = changed
    same = peacegraph("diff", str(folder), str(folder))
    assert same.returncode == 0 and same.stdout.startswith("no differences")
    different = peacegraph("diff", str(folder), str(snap), "--format", "patch")
    assert different.returncode == 1, different.stderr
    assert different.stdout.startswith("+ ")
    trouble = peacegraph("diff", str(folder), str(tmp_path))
    assert trouble.returncode == 2 and "neither a snapshot" in trouble.stderr
    # without NEW: the store (--store), in-process
    from click.testing import CliRunner

    from peacegraph.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["--store", str(store_path), "diff", str(folder)]).exit_code == 0
    assert runner.invoke(cli, ["--store", str(changed[0]), "diff", str(folder)]).exit_code == 1
    assert runner.invoke(cli, ["verify", str(folder)]).exit_code == 0


# --------------------------------------------------------------------------- consistency


def test_a_snapshot_during_a_load_sees_one_generation(store_path: Path, taken: tuple[Path, Manifest, list[str]],
                                                       tmp_path: Path) -> None:
    _, before, _ = taken
    path = copy_store(store_path, tmp_path / "store")
    big = tmp_path / "big.ttl"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write("@prefix pgid: <https://w3id.org/peacegraph/id/> .\n"
                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
        for i in range(10_000):
            handle.write(f'pgid:bulk-{i} rdfs:label "bulk {i}"@en ; rdfs:seeAlso pgid:bulk-{i + 1} .\n')
    early = Store.open(path)  # opened before the load: must keep seeing the old content
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, loaders; from graph.store import Store\n"
         "with Store.open(sys.argv[1], read_only=False) as s: s.load(loaders.resolve(sys.argv[2]))",
         str(path), str(big)], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while not list(path.glob("gen-000003")) and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        with Store.open(path) as during:
            middle = snapshot.take(during, tmp_path / "during")
    finally:
        assert writer.wait(timeout=120) == 0
    with early:
        old_hash = hashlib.sha256(early.canonical_nquads()).hexdigest()
    with Store.open(path) as after:
        new_hash = hashlib.sha256(after.canonical_nquads()).hexdigest()
    assert old_hash == before.content_hash != new_hash
    assert middle.content_hash in (before.content_hash, new_hash)
    # within the snapshot, every file was read from the same generation
    lines = (tmp_path / "during" / "dataset.nq").read_bytes().count(b"\n")
    assert lines == sum(n for g, n in middle.graphs.items() if g != MANIFEST_GRAPH)
    assert {s.name for s in middle.sources} == ({"curated", "ontology"} if middle.content_hash ==
                                                before.content_hash else {"curated", "ontology", "file-big"})
    assert snapshot.verify(tmp_path / "during") == []
