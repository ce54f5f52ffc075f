"""Tests for loaders/xmlguard.py: entity bombs, external entities and DTDs are refused."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from loaders import REPO_ROOT, LoadError
from loaders.rdf import validate_syntax
from loaders.xmlguard import MAX_DOCTYPE_BYTES, check_xml

FILES = Path(__file__).parent / "fixtures" / "files"
RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="https://example.org/">')
SANITY_SECONDS = 2.0  # a sanity bound, not a benchmark: the refusal takes microseconds


def quadratic_blowup(size: int = 100_000, refs: int = 20_000) -> bytes:
    """One big entity referenced many times: no nesting, quadratic expansion."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n  <!ENTITY a "{"a" * size}">\n]>\n'
            f'{RDF_OPEN}<rdf:Description rdf:about="https://example.org/x"><ex:p>'
            + "&a;" * refs + "</ex:p></rdf:Description></rdf:RDF>\n").encode()


def refused(data: bytes | Path, match: str) -> LoadError:
    with pytest.raises(LoadError, match=match) as caught:
        check_xml(data, name="x.rdf")
    return caught.value


# ---------------------------------------------------------------- allowed

@pytest.mark.parametrize("doc", [
    b'<?xml version="1.0"?><r/>',
    b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n<rdf:RDF/>',
    b'<!DOCTYPE r [\n<!ELEMENT r ANY>\n<!ATTLIST r a CDATA #IMPLIED>\n]><r a="1"/>',
    b'<r><!-- <!ENTITY x SYSTEM "file:///etc/passwd"> --><![CDATA[<!ENTITY y "z">]]>&amp;&#233;</r>',
])
def test_plain_documents_pass(doc: bytes) -> None:
    check_xml(doc, name="ok.rdf")


def test_small_rdf_fixture_passes() -> None:
    check_xml(FILES / "small.rdf", name="small.rdf")


# ---------------------------------------------------------------- entity bombs

def test_billion_laughs_is_refused_fast() -> None:
    started = time.perf_counter()
    error = refused(FILES / "billion-laughs.rdf", "internal entity 'lol'")
    assert time.perf_counter() - started < SANITY_SECONDS
    assert (error.line, error.column) == (3, 16)  # the first declaration


def test_quadratic_blowup_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "quadratic.rdf"
    path.write_bytes(quadratic_blowup())
    started = time.perf_counter()
    error = refused(path, "internal entity 'a'")
    assert time.perf_counter() - started < SANITY_SECONDS
    assert error.line == 3


def test_parameter_entities_are_refused() -> None:
    doc = b'<!DOCTYPE r [\n<!ENTITY % p "<!ENTITY x \'y\'>">\n%p;\n]><r>&x;</r>'
    error = refused(doc, "internal parameter entity 'p'")
    assert error.line == 2


def test_bomb_never_reaches_the_rdf_parser() -> None:
    # In a child process, so that a regression (pyoxigraph expanding the bomb and aborting)
    # fails this test instead of killing the test run.
    code = ("from pathlib import Path\nfrom loaders import LoadError\n"
            "from loaders.rdf import validate_syntax\n"
            "try:\n    validate_syntax(Path(%r), rdf_format='rdf')\n"
            "except LoadError as e:\n    print(e)\n") % str(FILES / "billion-laughs.rdf")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
    assert "entity declarations are refused" in result.stdout
    assert time.perf_counter() - started < 30  # process start-up included


# ---------------------------------------------------------------- external entities and DTDs

def test_external_entity_is_refused_and_never_resolved() -> None:
    error = refused(FILES / "xxe.rdf", "external entity 'x'")
    assert error.line == 3
    assert "passwd" not in str(error) and "root:" not in str(error)
    with pytest.raises(LoadError, match="external entity"):
        validate_syntax(FILES / "xxe.rdf", rdf_format="rdf")


def test_external_entity_pointing_at_a_fifo_is_never_opened(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: if anything tried to resolve
    # the entity, check_xml would hang (and the timeout below would fail the test).
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    doc = tmp_path / "x.rdf"
    doc.write_text(f'<!DOCTYPE r [<!ENTITY x SYSTEM "{fifo.as_uri()}">]><r>&x;</r>')
    code = ("from pathlib import Path\nfrom loaders import LoadError\n"
            "from loaders.xmlguard import check_xml\n"
            "try:\n    check_xml(Path(%r), name='x')\nexcept LoadError as e:\n    print(e)\n") % str(doc)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=30)
    assert "external entity" in result.stdout


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE r SYSTEM "file:///etc/passwd">',
    b'<!DOCTYPE r PUBLIC "-//W3C//DTD X//EN" "http://example.org/x.dtd">',
    b'<!DOCTYPE r SYSTEM "r.dtd" [<!ELEMENT r ANY>]>',
])
def test_external_dtd_is_refused(doctype: bytes) -> None:
    refused(doctype + b"<r/>", "external DTD")


def test_public_external_entity_and_unparsed_entity_are_refused() -> None:
    refused(b'<!DOCTYPE r [<!ENTITY x PUBLIC "-//X//EN" "http://example.org/x">]><r/>',
            "external entity 'x'")
    refused(b'<!DOCTYPE r [<!NOTATION n SYSTEM "n"><!ENTITY u SYSTEM "u.bin" NDATA n>]><r/>',
            "entity 'u'")


def test_undeclared_entity_reference_is_an_error() -> None:
    error = refused(b"<r>\n  &nope;</r>", "undefined entity")
    assert (error.line, error.column) == (2, 3)


# ---------------------------------------------------------------- size bounds

def test_oversized_internal_subset_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    # An entity value that never ends: expat would buffer it all; the guard stops early.
    path = tmp_path / "huge.rdf"
    with open(path, "wb") as f:
        f.write(b'<!DOCTYPE r [\n<!ENTITY a "')
        for _ in range(8):
            f.write(b"a" * (1 << 20))
    started = time.perf_counter()
    refused(path, f"larger than {MAX_DOCTYPE_BYTES} bytes")
    assert time.perf_counter() - started < SANITY_SECONDS


def test_oversized_prolog_is_refused() -> None:
    doc = b"<!-- " + b"x" * 200_000 + b" --><r/>"
    check_xml(doc, name="x.rdf")  # within the default bound
    with pytest.raises(LoadError, match="no root element"):
        check_xml(doc, name="x.rdf", max_prolog_bytes=100_000)


def test_bytes_and_path_agree(tmp_path: Path) -> None:
    data = (FILES / "billion-laughs.rdf").read_bytes()
    a = refused(data, "entity")
    b = refused(FILES / "billion-laughs.rdf", "entity")
    assert (a.line, a.column, a.message) == (b.line, b.column, b.message)


def test_malformed_xml_is_located() -> None:
    error = refused(FILES / "bad.rdf", "not well-formed XML: mismatched tag")
    assert (error.line, error.column) == (5, 16)
