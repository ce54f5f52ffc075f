"""The saved-query catalogue: front matter, the checks, typed binding, the README's catalogue.

No store is needed here; :mod:`tests.test_queries` runs every query against the data.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graph.queries import (
    QUERIES_DIR, CatalogueError, Param, ParameterError, SavedQuery, UnknownQuery, bind,
    catalogue, check, get, main, markdown, readme_section,
)
from graph.terms import XSD, Term
from ontology import ID_NS, PREFIXES

REPO = Path(__file__).resolve().parent.parent
NAMES = sorted(catalogue())

#: The catalogue the design asks for (names fixed) and the columns each must have at least.
REQUIRED = {
    "tracks": "track number label format participants",
    "precedents-for-track": "precedent label relation rationale issue quote source",
    "tracks-for-precedent": "track number label relation rationale quote",
    "party-status": "agreement agreementLabel party partyLabel status date source",
    "non-parties": "party partyLabel",
    "timeline": "date item label kind event",
    "institutions": "institution label agreement agreementLabel role",
    "verification": "agreement agreementLabel mechanism mechanismLabel",
    "shared-precedents": "precedent label tracks trackNumbers",
    "evidence": "statement quote source sourceLabel",
    "issues-by-track": "track number issue issueLabel",
    "search": "item label kind match",
    "entity": "direction predicate predicateLabel other otherLabel",
    "in-force-on": "agreement label",
    "precedents-without-verification": "precedent label",
    "shared-commitments": "stateA stateB agreements",
    "party-record": "party agreement status date source",
}

GOOD = """\
#+ title: A test query
#+ description: Labels of one thing.
#+ params:
#+   - {name: thing, type: iri}
#+ columns: thing, label
SELECT ?thing ?label WHERE { ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label }
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the bundled catalogue


def test_catalogue_has_the_required_queries_and_columns() -> None:
    queries = catalogue()
    for name, columns in REQUIRED.items():
        assert name in queries, name
        missing = set(columns.split()) - set(queries[name].columns)
        assert not missing, f"{name} lacks columns {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_every_query_parses_and_matches_its_front_matter(name: str) -> None:
    query = catalogue()[name]
    check(query)  # rdflib's parser: parses, form, projection == columns, params are variables
    assert query.path == QUERIES_DIR / f"{name}.rq"
    assert query.title and query.description and query.form == "SELECT"
    assert not query.sparql.startswith("#+")
    for p in query.params:
        assert p.name in query.columns  # pyoxigraph substitutes projected variables only
        if isinstance(p.choices, str):
            assert "label" in catalogue()[p.choices].columns


def test_front_matter_is_parsed() -> None:
    q = get("party-status")
    assert isinstance(q, SavedQuery)
    assert q.title == "Status of the six states in agreements"
    assert q.params == (
        Param("agreement", "iri", optional=True, choices="agreements"),
        Param("party", "iri", optional=True, choices="parties"),
    )
    assert q.columns[:4] == ("agreement", "agreementLabel", "party", "partyLabel")
    assert q.sparql.lstrip().startswith("PREFIX")
    timeline = get("timeline")
    assert [(p.name, p.type, p.optional) for p in timeline.params] == [
        ("from", "date", True), ("to", "date", True)]


def test_unknown_query_suggests_close_names() -> None:
    with pytest.raises(UnknownQuery, match="did you mean precedents-for-track"):
        get("precedents-for-trak")


def test_readme_catalogue_is_in_sync() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_section(text) == markdown(), "regenerate: python -m graph.queries --readme"
    for name in NAMES:
        assert f"### {name}\n" in text


def test_main_checks_and_prints_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert f"{len(NAMES)} saved queries OK" in capsys.readouterr().out
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown()


def test_main_reports_a_broken_directory(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "broken", "SELECT ?x WHERE { ?x ?p ?o }\n")
    assert main(["--check", "--directory", str(tmp_path)]) == 1
    assert "broken.rq: no front matter" in capsys.readouterr().err


def test_importing_and_cataloguing_stays_light() -> None:
    code = ("import sys, graph.queries as q; q.catalogue(); "
            "heavy = [m for m in ('rdflib', 'pyoxigraph') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ broken files


BROKEN = [
    ("SELECT ?x WHERE { ?x ?p ?o }\n", "no front matter"),
    ("#+ title: [unclosed\n#+ description: d\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "front matter is not valid YAML"),
    ("#+ title: t\n#+ description: one: two\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "front matter is not valid YAML (line 2)"),
    ("#+ description: d\n#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "'title' is missing"),
    ("#+ title: t\n#+ description: d\n#+ colums: x\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "unknown key 'colums'"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: uri}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "type must be one of"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: iri, optinal: true}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "unknown key 'optinal'"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: y, type: iri}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "parameter 'y' does not appear as ?y"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: y, type: string}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o FILTER(STR(?o) = ?y) }\n",
     "parameter 'y' must be projected"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: y, type: iri}\n"
     "#+ columns: x\n# ?y only in a comment\nSELECT ?x WHERE { ?x ?p \"?y\" }\n",
     "parameter 'y' does not appear"),
    ("#+ title: t\n#+ description: d\n#+ columns: x, y\nSELECT ?x WHERE { ?x ?p ?o }\n",
     "columns: declared x, y but the query projects x"),
    ("#+ title: t\n#+ description: d\n#+ columns: x, n\n"
     "SELECT ?x (COUNT(?o) AS ?count) WHERE { ?x ?p ?o } GROUP BY ?x\n",
     "declared x, n but the query projects x, count"),
    ("#+ title: t\n#+ description: d\n#+ columns: x\nSELECT * WHERE { ?x ?p ?o }\n",
     "SELECT * is not allowed"),
    ("#+ title: t\n#+ description: d\nDELETE WHERE { ?x ?p ?o }\n",
     "must be a SELECT, ASK or CONSTRUCT, not DELETE"),
    ("#+ title: t\n#+ description: d\n#+ columns: x\nASK { ?x ?p ?o }\n",
     "a ASK query has no columns"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: date, default: 1990-02-30}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "not valid YAML"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: date, default: '1990-2-3'}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "default '1990-2-3' is not a date"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: iri, choices: nowhere}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "no saved query named 'nowhere'"),
    ("#+ title: t\n#+ description: d\n#+ params:\n#+   - {name: x, type: iri}\n#+   - {name: x, type: iri}\n"
     "#+ columns: x\nSELECT ?x WHERE { ?x ?p ?o }\n", "'x' is declared twice"),
]


@pytest.mark.parametrize("text, problem", BROKEN, ids=[p for _, p in BROKEN])
def test_a_broken_file_is_reported_by_name(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "fine", GOOD)
    path = write(tmp_path, "broken-one", text)
    with pytest.raises(CatalogueError) as raised:
        catalogue(tmp_path)
    assert raised.value.path == path
    assert str(raised.value).startswith(f"{path}: ")
    assert problem in str(raised.value)


def test_a_bad_file_name_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "Bad_Name", GOOD)
    with pytest.raises(CatalogueError, match="Bad_Name.rq: file name must be lower-case"):
        catalogue(tmp_path)


def test_the_full_check_catches_what_light_scanning_cannot(tmp_path: Path) -> None:
    write(tmp_path, "typo", "#+ title: t\n#+ description: d\n#+ columns: x\n"
                            "SELECT ?x WHERE { ?x ?p }\n")
    query = catalogue(tmp_path)["typo"]  # the light checks pass
    with pytest.raises(CatalogueError, match="typo.rq: SPARQL does not parse"):
        check(query)


def test_the_catalogue_is_cached_and_sees_edits(tmp_path: Path) -> None:
    path = write(tmp_path, "one", GOOD)
    first = catalogue(tmp_path)
    assert catalogue(tmp_path) == first and catalogue(tmp_path) is not first
    path.write_text(GOOD.replace("A test query", "An edited query"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert catalogue(tmp_path)["one"].title == "An edited query"
    write(tmp_path, "two", GOOD)
    assert sorted(catalogue(tmp_path)) == ["one", "two"]


def test_comments_strings_and_iris_do_not_fool_the_scanner(tmp_path: Path) -> None:
    write(tmp_path, "tricky", """\
#+ title: t
#+ description: d
#+ params:
#+   - {name: text, type: string, default: "a # b"}
#+ columns: item, text
PREFIX pg: <https://w3id.org/peacegraph/ontology#>
# SELECT ?not ?this WHERE {
SELECT ?item ?text   # ?comment
WHERE { ?item <http://x.org/a#b> "SELECT ?nope { }" . FILTER(CONTAINS(STR(?item), ?text)) }
""")
    query = catalogue(tmp_path)["tricky"]
    assert query.columns == ("item", "text") and query.params[0].default == "a # b"
    check(query)


# ------------------------------------------------------------------ binding


def test_bind_accepts_the_three_ways_of_writing_an_iri() -> None:
    q = get("precedents-for-track")
    track = Term.iri(ID_NS + "track-4")
    assert bind(q, {"track": "track-4"}) == {"track": track}
    assert bind(q, {"track": "pgid:track-4"}) == {"track": track}
    assert bind(q, {"track": ID_NS + "track-4"}) == {"track": track}
    assert bind(q, {"track": f"<{ID_NS}track-4>"}) == {"track": track}
    assert bind(q, {"track": "  track-4 "}) == {"track": track}
    assert bind(get("entity"), {"iri": "pg:Treaty"}) == {"iri": Term.iri(PREFIXES["pg"] + "Treaty")}
    assert bind(get("entity"), {"iri": "urn:example:x"}) == {"iri": Term.iri("urn:example:x")}


@pytest.mark.parametrize("value, problem", [
    ("pgi:track-4", "unknown prefix 'pgi:'"),
    ("Track 4", "is not an IRI"),
    ("x> } UNION { ?s ?p ?o . BIND(<y", "is not an IRI"),
    ("<https://example.org/a b>", "is not an IRI"),
    ("https://example.org/a>b", "is not an IRI"),
    ('https://example.org/"x"', "is not an IRI"),
    ("relative/path", "is not an IRI"),
])
def test_a_malformed_iri_is_a_clear_parameter_error(value: str, problem: str) -> None:
    with pytest.raises(ParameterError) as raised:
        bind(get("precedents-for-track"), {"track": value})
    assert raised.value.query == "precedents-for-track" and raised.value.param == "track"
    assert problem in str(raised.value)
    assert str(raised.value).startswith("precedents-for-track: parameter 'track': ")


def test_typed_literals(tmp_path: Path) -> None:
    write(tmp_path, "typed", """\
#+ title: t
#+ description: d
#+ params:
#+   - {name: n, type: integer, default: 7}
#+   - {name: d, type: date, optional: true}
#+   - {name: b, type: boolean, optional: true}
#+   - {name: s, type: string, optional: true, choices: [alpha, beta]}
#+ columns: n, d, b, s
SELECT ?n ?d ?b ?s WHERE { VALUES (?n ?d ?b ?s) { (1 2 3 4) } }
""")
    q = catalogue(tmp_path)["typed"]
    assert bind(q, {}) == {"n": Term.literal("7", datatype=XSD + "integer")}
    terms = bind(q, {"n": "+042", "d": "1990-11-19", "b": "Yes", "s": "beta"})
    assert terms == {
        "n": Term.literal("42", datatype=XSD + "integer"),
        "d": Term.literal("1990-11-19", datatype=XSD + "date"),
        "b": Term.literal("true", datatype=XSD + "boolean"),
        "s": Term.literal("beta"),
    }
    assert bind(q, {"d": "", "b": "  "}) == {"n": Term.literal("7", datatype=XSD + "integer")}
    for raw, problem in [
        ({"n": "4.5"}, "'4.5' is not an integer"),
        ({"d": "19 Nov 1990"}, "is not a date (expected YYYY-MM-DD)"),
        ({"d": "1990-02-30"}, "'1990-02-30' is not a date"),
        ({"d": "1990"}, "'1990' is not a date"),
        ({"b": "maybe"}, "is not a boolean"),
        ({"s": "gamma"}, "'gamma' is not one of alpha, beta"),
        ({"x": "1"}, "parameter 'x': unknown parameter (expected: b, d, n, s)"),
    ]:
        with pytest.raises(ParameterError, match=re.escape(problem)):
            bind(q, raw)


def test_a_missing_required_parameter_is_an_error_and_optional_ones_stay_unbound() -> None:
    with pytest.raises(ParameterError, match="non-parties: parameter 'agreement': a value is required"):
        bind(get("non-parties"), {})
    assert bind(get("party-status"), {}) == {}
    assert bind(get("party-status"), {"party": "state-dprk"}) == {
        "party": Term.iri(ID_NS + "state-dprk")}


def test_string_values_are_kept_verbatim_as_literals() -> None:
    text = 'x" } UNION { ?s ?p ?o } #'
    assert bind(get("search"), {"text": text}) == {"text": Term.literal(text)}
