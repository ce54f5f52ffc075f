"""Tests for loaders/__init__.py (Source, resolve, LoadError) and loaders/rdf.py."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loaders
from loaders import DATA_DIR, REPO_ROOT, LoadError, Source, bundled, resolve
from loaders import rdf
from loaders.rdf import check, check_text, validate_syntax
from ontology import ONTOLOGY_TTL

FILES = Path(__file__).parent / "fixtures" / "files"
FORMATS = ["ttl", "nt", "nq", "trig", "jsonld", "rdf"]
EXTENSION = {"ttl": "ttl", "nt": "nt", "nq": "nq", "trig": "trig", "jsonld": "jsonld", "rdf": "rdf"}


# ---------------------------------------------------------------- valid files

@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_a_small_file(fmt: str) -> None:
    path = FILES / f"small.{EXTENSION[fmt]}"
    source = resolve(path)
    assert (source.loader, source.rdf_format) == ("rdf", fmt)
    assert validate_syntax(path, rdf_format=fmt) == 3


# ---------------------------------------------------------------- bad files

@pytest.mark.parametrize(("fmt", "line", "column", "words"), [
    ("ttl", 5, 1, "dot is expected"),         # line 4 lacks its '.'; the parser notices on line 5
    ("nt", 3, 51, "object of a triple"),
    ("nq", 2, 81, "followed by a dot"),
    ("trig", 5, 17, "not a valid RDF object"),
    ("jsonld", 3, 42, "trailing commas"),
    ("rdf", 5, 16, "mismatched tag"),
])
def test_bad_input_names_file_line_and_column(fmt: str, line: int, column: int, words: str) -> None:
    path = FILES / f"bad.{EXTENSION[fmt]}"
    with pytest.raises(LoadError) as caught:
        validate_syntax(path, rdf_format=fmt, shown=path.name)
    error = caught.value
    assert (error.path, error.line, error.column) == (path.name, line, column)
    assert words in str(error)
    assert str(error).startswith(f"{path.name}:{line}:{column}: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file_is_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{EXTENSION[fmt]}"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="is empty"):
        check(path, rdf_format=fmt)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.ttl"
    path.write_bytes(b"\xef\xbb\xbf \n\t\n")
    with pytest.raises(LoadError, match=r"is empty \(only whitespace\)"):
        check(path, rdf_format="ttl")


def test_fixture_empty_file() -> None:
    with pytest.raises(LoadError) as caught:
        validate_syntax(FILES / "empty.ttl", rdf_format="ttl", shown="empty.ttl")
    assert str(caught.value) == "empty.ttl: is empty (expected Turtle)"


def test_latin1_bytes_are_located() -> None:
    with pytest.raises(LoadError) as caught:
        validate_syntax(FILES / "latin1.ttl", rdf_format="ttl", shown="latin1.ttl")
    error = caught.value
    assert (error.line, error.column) == (2, 19)  # the 'é' of "Café", in characters
    assert "invalid UTF-8 byte 0xE9" in str(error)


def test_utf8_error_after_multibyte_characters_counts_characters(tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    path.write_bytes("# Đổi Mới\n# 한국 ".encode() + b"\xff\n")
    with pytest.raises(LoadError) as caught:
        check(path, rdf_format="nt")
    assert (caught.value.line, caught.value.column) == (2, 6)


def test_utf8_error_across_a_chunk_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rdf, "_CHUNK", 4)
    path = tmp_path / "x.ttl"
    path.write_bytes("ab\nc한d".encode() + b"\xc3(")  # '한' straddles chunks; 0xC3 0x28 is invalid
    with pytest.raises(LoadError) as caught:
        check(path, rdf_format="ttl")
    assert (caught.value.line, caught.value.column) == (2, 4)


def test_truncated_character_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl"
    path.write_bytes(b"# x\n# \xe2\x82")
    with pytest.raises(LoadError, match="truncated") as caught:
        check(path, rdf_format="ttl")
    assert caught.value.line == 2


def test_binary_garbage_named_ttl() -> None:
    with pytest.raises(LoadError, match="is binary data") as caught:
        validate_syntax(FILES / "garbage.ttl", rdf_format="ttl")
    assert "\x00" not in str(caught.value) and "PNG" not in str(caught.value)


def test_nul_byte_late_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    path.write_bytes(b"# comment\n" * 1000 + b"# a\x00b\n")
    with pytest.raises(LoadError, match="NUL byte") as caught:
        check(path, rdf_format="nt")
    assert (caught.value.line, caught.value.column) == (1001, 4)


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl"
    path.write_bytes("<a> <b> <c> .".encode("utf-16"))
    with pytest.raises(LoadError, match="UTF-16"):
        check(path, rdf_format="ttl")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_check_text_only_ever_raises_load_error(tmp_path_factory: pytest.TempPathFactory,
                                                data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "x.ttl"
    path.write_bytes(data)
    try:
        check_text(path, kind="Turtle")
    except LoadError as e:
        assert "\n" not in str(e)
        if e.line is not None:
            assert 1 <= e.line <= data.count(b"\n") + 1 and e.column is not None and e.column >= 1
    else:
        text = data.decode("utf-8")  # accepted → it really is UTF-8 text
        assert "\x00" not in text and text.replace("\ufeff", "").strip()


# ---------------------------------------------------------------- JSON-LD contexts

def test_remote_jsonld_context_is_refused_with_its_line() -> None:
    with pytest.raises(LoadError) as caught:
        validate_syntax(FILES / "remote-context.jsonld", rdf_format="jsonld")
    assert "remote JSON-LD contexts are not fetched" in str(caught.value)
    assert caught.value.line == 3


@pytest.mark.parametrize("context", [
    '["https://schema.org/", {"ex": "https://example.org/"}]',
    '{"@import": "https://example.org/context.jsonld"}',
    '"context.jsonld"',
])
def test_other_context_references_are_refused(tmp_path: Path, context: str) -> None:
    path = tmp_path / "x.jsonld"
    path.write_text('{"@context": %s, "@id": "https://example.org/a"}' % context)
    with pytest.raises(LoadError, match="remote JSON-LD contexts are not fetched"):
        check(path, rdf_format="jsonld")


def test_nested_context_reference_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonld"
    path.write_text('{"@context": {"ex": "https://example.org/"},\n'
                    ' "@graph": [{"@context": "https://example.org/c", "@id": "ex:a"}]}')
    with pytest.raises(LoadError, match="remote JSON-LD") as caught:
        check(path, rdf_format="jsonld")
    assert caught.value.line == 2


def test_parser_remote_context_error_is_summarised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rdf, "_JSON_SCAN_LIMIT", -1)  # skip the pre-scan: pyoxigraph's own error
    with pytest.raises(LoadError, match="remote JSON-LD contexts are not fetched") as caught:
        validate_syntax(FILES / "remote-context.jsonld", rdf_format="jsonld")
    assert "LoadDocumentCallback" not in str(caught.value)


def test_inline_context_is_fine() -> None:
    check(FILES / "small.jsonld", rdf_format="jsonld")


# ---------------------------------------------------------------- messages

def test_messages_do_not_echo_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl"
    path.write_bytes(b'<https://example.org/a> <https://example.org/b> <https://example.org/\x1b[31m' +
                     b"x" * 5000 + b"> .\n")
    with pytest.raises(LoadError) as caught:
        validate_syntax(path, rdf_format="ttl")
    text = str(caught.value)
    assert "\x1b" not in text and "xxxxxxxxxxxxxxxxxxxxxxxx" not in text
    assert len(text) < 400 and caught.value.line == 1


def test_relative_iris_need_a_base(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl"
    path.write_text("<a> <b> <c> .\n")
    with pytest.raises(LoadError, match="line|IRI|scheme"):
        validate_syntax(path, rdf_format="ttl")
    assert validate_syntax(path, rdf_format="ttl", base_iri="https://example.org/") == 1


def test_unknown_format_name() -> None:
    with pytest.raises(ValueError, match="unknown RDF format"):
        check(FILES / "small.ttl", rdf_format="n3")


# ---------------------------------------------------------------- resolve and Source

@pytest.mark.parametrize(("name", "fmt"), [
    ("a.ttl", "ttl"), ("a.nt", "nt"), ("a.nq", "nq"), ("a.trig", "trig"), ("a.jsonld", "jsonld"),
    ("a.json", "jsonld"), ("a.rdf", "rdf"), ("a.xml", "rdf"), ("A.OWL", "rdf"),
])
def test_resolve_dispatches_rdf_by_extension(tmp_path: Path, name: str, fmt: str) -> None:
    path = tmp_path / name
    data = (FILES / f"small.{fmt}").read_bytes()
    path.write_bytes(data)
    source = resolve(path)
    assert (source.loader, source.rdf_format, source.name) == ("rdf", fmt, "file-a")
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.location == str(path)


@pytest.mark.parametrize(("name", "words"), [
    ("billion-laughs.rdf", "entity declarations are refused"),
    ("remote-context.jsonld", "remote JSON-LD contexts are not fetched"),
    ("garbage.ttl", "binary"),
    ("empty.ttl", "is empty"),
])
def test_resolve_vets_rdf_files(name: str, words: str) -> None:
    with pytest.raises(LoadError, match=words):
        resolve(FILES / name)


def test_resolve_names_and_sanitises(tmp_path: Path) -> None:
    path = tmp_path / "NPT Status (2024).md"
    path.write_text("# x\n")
    assert resolve(path).name == "file-npt-status-2024"
    assert resolve(path).loader == "text"
    assert resolve(path, name="npt.notes").name == "npt.notes"
    with pytest.raises(LoadError, match="reserved"):
        resolve(path, name="manifest")
    with pytest.raises(LoadError, match="invalid graph name"):
        resolve(path, name="bad name/x")


def test_resolve_csv_uses_the_default_mapping_and_hashes_it(tmp_path: Path) -> None:
    csv_path = FILES / "participation.csv"
    source = resolve(csv_path)
    assert (source.loader, Path(source.mapping or "")) == ("csv", loaders.DEFAULT_MAPPING)
    other = tmp_path / "m.yaml"
    other.write_bytes(loaders.DEFAULT_MAPPING.read_bytes() + b"\n# changed\n")
    assert resolve(csv_path, mapping=other).sha256 != source.sha256
    with pytest.raises(LoadError, match="no such mapping"):
        resolve(csv_path, mapping=tmp_path / "missing.yaml")


def test_resolve_refuses_unknown_and_missing(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"x")
    with pytest.raises(LoadError, match="unsupported file type '.docx'"):
        resolve(tmp_path / "x.docx")
    with pytest.raises(LoadError, match="no such file"):
        resolve(tmp_path / "nope.ttl")
    with pytest.raises(LoadError, match="no tracks.yaml"):
        resolve(tmp_path)


def test_resolve_curated_directory_hash_covers_yaml_only(tmp_path: Path) -> None:
    (tmp_path / "tracks.yaml").write_text("[]\n")
    (tmp_path / "sources.yaml").write_text("[]\n")
    first = resolve(tmp_path)
    assert (first.loader, first.name) == ("curated", f"file-{tmp_path.name.lower()}".replace("_", "-"))
    (tmp_path / "notes.txt").write_text("ignored")
    assert resolve(tmp_path).sha256 == first.sha256
    (tmp_path / "sources.yaml").write_text("[] \n")
    assert resolve(tmp_path).sha256 != first.sha256
    (tmp_path / "sources.yaml").rename(tmp_path / "other.yaml")
    (tmp_path / "other.yaml").write_text("[]\n")
    assert resolve(tmp_path).sha256 != first.sha256  # names count, not only bytes


def test_resolve_ontology_and_bundled_data() -> None:
    source = resolve(ONTOLOGY_TTL)
    assert (source.name, source.loader) == ("ontology", "ontology")
    if not (DATA_DIR / "tracks.yaml").is_file():
        pytest.skip("data/tracks.yaml not written yet")
    assert [(s.name, s.loader) for s in bundled()] == [("ontology", "ontology"), ("curated", "curated")]
    assert all(Path(s.location).is_absolute() for s in bundled())


def test_source_triples_dispatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="bulk-loaded"):
        resolve(FILES / "small.ttl").triples()
    assert len(list(resolve(FILES / "participation.csv").triples())) == 25
    assert len(list(resolve(ONTOLOGY_TTL).triples())) > 300

    from loaders import curated
    seen: list[Path] = []
    monkeypatch.setattr(curated, "triples", lambda path: seen.append(path) or iter([]))
    (tmp_path / "tracks.yaml").write_text("[]\n")
    assert list(resolve(tmp_path).triples()) == [] and seen == [tmp_path]


def test_source_is_frozen_and_matches_the_design() -> None:
    source = Source(name="x", location="x.ttl", loader="rdf", sha256="0" * 64, rdf_format="ttl")
    with pytest.raises(AttributeError):
        source.name = "y"  # type: ignore[misc]
    assert source.mapping is None


def test_no_heavy_imports_when_resolving() -> None:
    import subprocess
    import sys

    code = ("import sys, loaders; loaders.resolve(loaders.REPO_ROOT / 'ontology' / 'peacegraph.ttl');"
            "print(sorted(m for m in ('rdflib', 'yaml', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- LoadError

def test_load_error_is_one_line_and_pickles() -> None:
    error = LoadError("bad\nthing", path="data/x.yaml", line=4, record="npt", field="status",
                      expected="one of signed")
    assert str(error) == "data/x.yaml:4: record 'npt', field 'status': bad thing (expected one of signed)"
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.line, copy.field) == (str(error), 4, "status")
    assert str(LoadError(expected="'.' after triple", path="data/x.ttl", line=12, column=5)) \
        == "data/x.ttl:12:5: expected '.' after triple"


def test_ontology_loader_yields_the_ontology() -> None:
    from rdflib import OWL, RDF, URIRef

    from loaders import ontology

    statements = set(ontology.triples())
    assert (URIRef("https://w3id.org/peacegraph/ontology"), RDF.type, OWL.Ontology) in statements


def test_ontology_loader_reports_bad_turtle(tmp_path: Path) -> None:
    from loaders import ontology

    path = tmp_path / "o.ttl"
    path.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b \n")
    with pytest.raises(LoadError, match="invalid Turtle"):
        list(ontology.triples(path=path))
