"""Every saved query against a store built from the bundled data.

The expected rows are written from the sources (shared/reference/facts.md and the
article), not copied from output: each case names what a reader of the sources would
expect to see. One test is parametrised over every ``queries/*.rq``; a query without
cases here fails it. The last tests check that a kept parse (``queries/__pycache__``)
gives the same saved query as parsing the file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.queries import ParameterError, catalogue, run
from graph.terms import SelectResult, Term
from ontology import GRAPH_NS, ID_NS, PREFIXES

PG = PREFIXES["pg"]
REPO = Path(__file__).resolve().parent.parent
ARTICLE = "How Diplomacy With North Korea Can Work"
SIX = ["state-us", "state-rok", "state-dprk", "state-prc", "state-japan", "state-russia"]
INJECTIONS = ["x> } UNION { ?s ?p ?o . BIND(<y", 'a\" } UNION { ?s ?p ?o } FILTER("{']


# ------------------------------------------------------------------ helpers


def pg_id(name: str) -> str:
    return ID_NS + name


def rows(result: SelectResult) -> list[dict[str, str]]:
    """Rows as plain strings (IRIs and lexical forms), for easy comparison."""
    return [{k: t.value for k, t in row.items()} for row in result.rows]


def column(result: SelectResult, name: str) -> list[str]:
    return [row[name] for row in rows(result) if name in row]


def where(result: SelectResult, **match: str) -> list[dict[str, str]]:
    return [row for row in rows(result) if all(row.get(k) == v for k, v in match.items())]


Check = Callable[[SelectResult], None]


def check_tracks(r: SelectResult) -> None:
    assert column(r, "number") == ["1", "2", "3", "4", "5", "6"]
    # the article's six tracks, in its order
    for label, words in zip(column(r, "label"), ["inter-korean", "economic", "nuclear",
                                                  "general security", "humanitarian",
                                                  "regional security"]):
        assert words in label.lower()
    first, second = rows(r)[:2]
    assert "two plus two" in first["formatLabel"].lower()    # “two plus two”
    assert "two plus unsc" in second["formatLabel"].lower()  # “two plus UNSC”
    # the six-party process: China, Japan, Russia, the United States and the two Koreas
    sixth = rows(r)[5]["participants"]
    for name in ["China", "Japan", "Russia", "United States", "North Korea", "South Korea"]:
        assert name in sixth


def check_track_4(r: SelectResult) -> None:
    assert all(t == pg_id("track-4") for t in column(r, "track"))
    quotes = {p: [row["quote"] for row in where(r, precedent=pg_id(p))]
              for p in ["cfe-treaty", "cwc", "bwc"]}
    assert any("Conventional Armed Forces in Europe treaty signed in 1990" in q
               for q in quotes["cfe-treaty"])
    assert any("Chemical Weapons Convention" in q for q in quotes["cwc"])
    assert any("Biological Weapons Convention" in q for q in quotes["bwc"])
    assert set(column(r, "sourceLabel")) == {ARTICLE}
    assert all(row["rationale"] and row["relationLabel"] for row in rows(r))


def check_track_1(r: SelectResult) -> None:
    # “ratified by both the United States and China, who were signatories to the 1953 armistice”
    assert pg_id("korean-armistice-1953") in column(r, "precedent")
    assert pg_id("cfe-treaty") not in column(r, "precedent")


def check_two_plus_four(r: SelectResult) -> None:
    # “when the issue was raised about foreign forces in Germany” — track 4
    fourth = where(r, track=pg_id("track-4"))
    assert fourth and any("foreign forces in Germany" in row["quote"] for row in fourth)
    assert set(column(r, "precedent")) == {pg_id("two-plus-four-treaty")}


def check_cfe_tracks(r: SelectResult) -> None:
    assert set(column(r, "number")) == {"4"}


def check_bwc_dprk(r: SelectResult) -> None:
    # “North Korea acceded to the Biological and Toxin Weapons Convention in 1987”
    (row,) = rows(r)
    assert row["status"] == PG + "Acceded" and row["date"] == "1987"
    assert row["party"] == pg_id("state-dprk") and row["viaPredecessor"] == "false"
    assert row["source"].startswith(ID_NS) and int(row["sources"]) >= 1


def check_cfe_status(r: SelectResult) -> None:
    soviet = where(r, party=pg_id("state-ussr"))
    # the USSR signed in Paris on 19 November 1990; shown under Russia only explicitly
    assert any(row["status"] == PG + "Signed" and row["date"] == "1990-11-19" for row in soviet)
    assert all(row["articleState"] == pg_id("state-russia") and row["viaPredecessor"] == "true"
               for row in soviet)
    russia = where(r, party=pg_id("state-russia"))
    assert any(row["status"] == PG + "Withdrew" and row["date"] == "2023-11-07" for row in russia)
    assert all(row["viaPredecessor"] == "false" for row in russia)
    assert where(r, party=pg_id("state-us"), status=PG + "Signed", date="1990-11-19")


def check_start_russia(r: SelectResult) -> None:
    # START I: the USSR signed; Russia's own status is not in the sources — no merging
    assert rows(r) == []


def check_six_party_status(r: SelectResult) -> None:
    # the 2005 joint statement: all six took part
    assert {row["party"] for row in where(r, status=PG + "Participant")} >= set(map(pg_id, SIX))


def check_all_status(r: SelectResult) -> None:
    assert where(r, agreement=pg_id("bwc"), party=pg_id("state-dprk"), status=PG + "Acceded")
    assert {row["party"] for row in rows(r)} <= set(map(pg_id, SIX + ["state-ussr"]))


def non_parties(expected: list[str]) -> Check:
    def check(r: SelectResult) -> None:
        assert column(r, "party") == [pg_id(p) for p in expected]
    return check


def check_cfe_non_parties(r: SelectResult) -> None:
    non_parties(["state-rok", "state-dprk", "state-prc", "state-japan", "state-russia"])(r)
    (russia,) = where(r, party=pg_id("state-russia"))
    assert russia["status"] == PG + "Withdrew" and russia["date"] == "2023-11-07"
    assert russia["predecessorParticipated"] == "true"
    assert russia["basis"] == "latest recorded step"


def check_npt_non_parties(r: SelectResult) -> None:
    # the DPRK's withdrawal took effect on 10 April 2003; the US, PRC and Russia are parties
    (dprk,) = where(r, party=pg_id("state-dprk"))
    assert dprk["status"] == PG + "Withdrew" and dprk["date"] == "2003-04-10"
    assert not {pg_id(p) for p in ["state-us", "state-prc", "state-russia"]} & set(
        column(r, "party"))


def check_timeline_1990_1991(r: SelectResult) -> None:
    signed = [(row["item"], row["date"]) for row in rows(r) if row["event"] == "signed"]
    assert [s for s in signed if s[0] in map(pg_id, ["two-plus-four-treaty", "cfe-treaty",
                                                       "start-i"])] == [
        (pg_id("two-plus-four-treaty"), "1990-09-12"),
        (pg_id("cfe-treaty"), "1990-11-19"),
        (pg_id("start-i"), "1991-07-31"),
    ]
    assert all("1990" <= d[:4] <= "1991" for d in column(r, "date"))
    assert set(column(r, "from")) == {"1990-01-01"} and set(column(r, "to")) == {"1991-12-31"}


def check_timeline_all(r: SelectResult) -> None:
    first = rows(r)[0]
    assert (first["item"], first["date"], first["event"]) == (
        pg_id("korean-armistice-1953"), "1953-07-27", "signed")
    # a year-only date: the BWC accession of 1987 is a participation, not listed here;
    # the NPT entered into force in 1970 (year only) and sorts as 1970-01-01
    assert where(r, item=pg_id("npt"), date="1970", event="entered into force")
    assert "from" not in rows(r)[0]


def check_timeline_from_2018(r: SelectResult) -> None:
    assert all(d >= "2018" for d in column(r, "date"))
    assert where(r, item=pg_id("panmunjom-declaration-2018"), date="2018-04-27")
    assert where(r, item=pg_id("singapore-joint-statement-2018"), date="2018-06-12")
    dates = [row["date"] for row in rows(r)]
    assert dates == sorted(dates)


def check_institutions(r: SelectResult) -> None:
    (opcw,) = where(r, institution=pg_id("opcw"))
    assert opcw["agreement"] == pg_id("cwc") and "The Hague" in opcw["seat"]
    (jcg,) = where(r, institution=pg_id("cfe-jcg"))   # “A special body in Vienna”
    assert jcg["agreement"] == pg_id("cfe-treaty") and "Vienna" in jcg["seat"]
    (isu,) = where(r, institution=pg_id("bwc-isu"))   # inaugurated 20 August 2007
    assert isu["start"] == "2007-08-20" and isu["agreement"] == pg_id("bwc")
    assert where(r, institution=pg_id("military-armistice-commission"),
                 agreement=pg_id("korean-armistice-1953"))


def check_verification(r: SelectResult) -> None:
    # the BWC “lacks a formal verification regime”
    (bwc,) = where(r, agreement=pg_id("bwc"))
    assert "mechanism" not in bwc and "mechanismLabel" not in bwc
    # “All destruction activities must take place under OPCW verification”
    assert any(row.get("institution") == pg_id("opcw") for row in where(r, agreement=pg_id("cwc")))
    assert where(r, agreement=pg_id("start-i"))[0].get("mechanism")  # on-site inspections
    assert all(row["agreementLabel"] and row["kind"] for row in rows(r))


def check_without_verification(r: SelectResult) -> None:
    precedents = set(column(r, "precedent"))
    assert pg_id("bwc") in precedents
    assert not {pg_id("cwc"), pg_id("cfe-treaty")} & precedents
    assert all(row["trackNumbers"] for row in rows(r))


def check_shared_precedents(r: SelectResult) -> None:
    assert rows(r), "some precedent is shared by two tracks"
    for row in rows(r):
        assert int(row["tracks"]) >= 2
        assert len(row["trackNumbers"].split(", ")) == int(row["tracks"])


def check_precedents(r: SelectResult) -> None:
    (cfe,) = where(r, precedent=pg_id("cfe-treaty"))
    assert (cfe["kind"], cfe["tracks"], cfe["trackNumbers"]) == ("treaty", "1", "4")
    assert where(r, precedent=pg_id("doi-moi"), kind="policy reform")


def check_evidence_cwc(r: SelectResult) -> None:
    assert any("Chemical Weapons Convention" in q for q in column(r, "quote"))
    assert set(column(r, "sourceLabel")) == {ARTICLE}
    assert set(column(r, "subject")) == {pg_id("cwc")}


def check_evidence_track_4(r: SelectResult) -> None:
    direct = [row["quote"] for row in rows(r) if "via" not in row]
    # “the size and deployment of conventional armed forces on the peninsula”
    assert any("conventional armed forces" in q.lower() for q in direct)
    assert any(row.get("via") == PG + "track" for row in rows(r))


def check_issues_track_4(r: SelectResult) -> None:
    assert set(column(r, "track")) == {pg_id("track-4")}
    labels = " ".join(column(r, "issueLabel")).lower()
    for words in ["chemical", "biological", "conventional"]:
        assert words in labels


def check_issues_all(r: SelectResult) -> None:
    assert set(column(r, "number")) == {"1", "2", "3", "4", "5", "6"}
    assert "track" in r.variables


def found(item: str, **match: str) -> Check:
    def check(r: SelectResult) -> None:
        assert where(r, item=pg_id(item), **match), rows(r)
    return check


def check_doi_moi_folded(r: SelectResult) -> None:
    # the search text has diacritics; an ASCII-only label still matches
    assert any("Đ" not in m and "doi moi" in m.lower() for m in column(r, "match"))
    assert pg_id("doi-moi") in column(r, "item")


def nothing(r: SelectResult) -> None:
    assert rows(r) == []


def check_entity_bwc(r: SelectResult) -> None:
    # opened for signature on 10 April 1972
    (opened,) = where(r, direction="out", predicate=PG + "dateOpened")
    assert opened["other"] == "1972-04-10" and opened["graph"] == GRAPH_NS + "curated"
    assert where(r, direction="in", predicate=PG + "establishedBy", other=pg_id("bwc-isu"))
    assert set(column(r, "iri")) == {pg_id("bwc")}


def in_force(present: list[str], absent: list[str]) -> Check:
    def check(r: SelectResult) -> None:
        listed = set(column(r, "agreement"))
        assert set(map(pg_id, present)) <= listed
        assert not set(map(pg_id, absent)) & listed
    return check


def check_shared_commitments(r: SelectResult) -> None:
    assert len(rows(r)) == 15

    def pair(a: str, b: str) -> dict[str, str]:
        (row,) = where(r, stateA=pg_id(a), stateB=pg_id(b))
        return row

    us_dprk = pair("state-us", "state-dprk")["agreementLabels"]
    assert "Agreed Framework" in us_dprk and "Singapore" in us_dprk
    assert "Chemical Weapons" not in us_dprk       # the DPRK is outside the CWC
    assert "Non-Proliferation" not in us_dprk      # the DPRK withdrew in 2003
    assert "New START" in pair("state-us", "state-russia")["agreementLabels"]
    assert "Pyongyang Declaration" in pair("state-dprk", "state-japan")["agreementLabels"]
    assert "Panmunjom" in pair("state-rok", "state-dprk")["agreementLabels"]
    for row in rows(r):
        labels = row["agreementLabels"]
        assert int(row["agreements"]) == (len(labels.split("; ")) if labels else 0)


def check_dprk_record(r: SelectResult) -> None:
    assert set(column(r, "party")) == {pg_id("state-dprk")}
    assert where(r, agreement=pg_id("bwc"), status=PG + "Acceded", date="1987")
    assert where(r, agreement=pg_id("npt"), status=PG + "StateParty", date="1985-12-12")
    assert where(r, agreement=pg_id("npt"), status=PG + "Withdrew", date="2003-04-10")
    dates = [row.get("date") for row in rows(r)]
    dated = [d for d in dates if d is not None]
    assert dates[:len(dated)] == dated and dated == sorted(dated)  # undated steps last


def check_agreements(r: SelectResult) -> None:
    (cwc,) = where(r, agreement=pg_id("cwc"))
    assert (cwc["opened"], cwc["inForce"]) == ("1993-01-13", "1997-04-29")
    (bwc,) = where(r, agreement=pg_id("bwc"))
    assert (bwc["opened"], bwc["inForce"]) == ("1972-04-10", "1975-03-26")
    assert where(r, agreement=pg_id("start-i"), signed="1991-07-31", kind="treaty")
    assert where(r, agreement=pg_id("helsinki-final-act"), legallyBinding="false")


def check_parties(r: SelectResult) -> None:
    assert column(r, "party")[:6] == [pg_id(p) for p in SIX]
    assert where(r, party=pg_id("state-dprk"), wikidata="Q423")


def check_edges_precedents(r: SelectResult) -> None:
    # “the Chemical Weapons Convention and its Organization for the Prohibition of Chemical
    # Weapons, as well as the Biological Weapons Convention”: track 4's models
    (cwc,) = where(r, source=pg_id("track-4"), target=pg_id("cwc"))
    assert (cwc["predicate"], cwc["predicateLabel"]) == (PG + "precedent",
                                                         "precedent (model to follow)")
    assert "Chemical Weapons Convention" in cwc["quote"] and cwc["trackNumber"] == "4"
    assert (cwc["sourceType"], cwc["targetType"]) == (PG + "Track", PG + "Treaty")
    assert where(r, source=pg_id("track-4"), target=pg_id("bwc"), predicate=PG + "precedent")
    assert where(r, source=pg_id("cwc"), target=pg_id("issue-chemical-weapons"),
                 predicate=PG + "informsIssue", trackNumber="4")
    # step-by-step denuclearization “has always failed”: a cautionary record
    assert where(r, source=pg_id("track-3"), target=pg_id("agreed-framework-1994"),
                 predicateLabel="precedent (cautionary record)")
    # track 5: its two issues, and one (uncertain) precedent, the 2002 Koizumi-Kim summit
    track_5 = where(r, source=pg_id("track-5"))
    assert {row["target"] for row in track_5} == {pg_id("issue-human-rights"),
                                                  pg_id("issue-japanese-abductions"),
                                                  pg_id("koizumi-kim-summit-2002")}
    assert {row["predicate"] for row in track_5} == {PG + "hasIssue", PG + "precedent"}
    # edges between curated items only: no classes, no literals
    assert all(row["source"].startswith(ID_NS) and row["target"].startswith(ID_NS)
               for row in rows(r))


def check_edges_participation(r: SelectResult) -> None:
    # “North Korea acceded to the Biological and Toxin Weapons Convention in 1987”
    assert where(r, source=pg_id("state-dprk"), target=pg_id("bwc"), predicate=PG + "Acceded",
                 predicateLabel="acceded", date="1987")
    # every status is listed: the NPT withdrawal, the ROK not signing the armistice
    assert where(r, source=pg_id("state-dprk"), target=pg_id("npt"), predicate=PG + "Withdrew",
                 date="2003-04-10")
    assert where(r, source=pg_id("state-rok"), target=pg_id("korean-armistice-1953"),
                 predicate=PG + "DidNotSign")
    # Soviet steps stay the Soviet Union's: START I was signed by the USSR on 31 July 1991
    assert where(r, source=pg_id("state-ussr"), target=pg_id("start-i"), predicate=PG + "Signed",
                 date="1991-07-31")
    assert not where(r, source=pg_id("state-russia"), target=pg_id("start-i"))
    assert where(r, source=pg_id("cmd-kpa"), sourceType=PG + "MilitaryCommand",
                 target=pg_id("korean-armistice-1953"), targetType=PG + "Armistice")


def check_edges_institutions(r: SelectResult) -> None:
    (opcw,) = where(r, source=pg_id("opcw"), predicate=PG + "establishedBy")
    assert opcw["target"] == pg_id("cwc") and opcw["predicateLabel"] == "established by"
    assert where(r, source=pg_id("cwc"), target=pg_id("cwc-verification"),
                 predicate=PG + "hasVerification")
    assert where(r, source=pg_id("cwc-verification"), target=pg_id("opcw"),
                 predicate=PG + "operatedBy", targetType=PG + "Institution")
    # the BWC “lacks a formal verification regime”; its ISU was set up in 2007
    assert not where(r, source=pg_id("bwc"), predicate=PG + "hasVerification")
    assert where(r, source=pg_id("bwc-isu"), target=pg_id("bwc"), predicate=PG + "establishedBy")
    assert where(r, source=pg_id("unsc-1718-committee"), target=pg_id("unsc"),
                 predicate=PG + "parentInstitution")


def check_edges_tracks(r: SelectResult) -> None:
    def table(number: str) -> set[str]:
        return {row["target"] for row in where(r, trackNumber=number)}

    assert table("6") == set(map(pg_id, SIX))   # the six-party venue
    assert table("5") == {pg_id("state-rok"), pg_id("state-dprk")}
    assert table("3") == {pg_id("state-us"), pg_id("state-dprk"), pg_id("state-rok")}
    assert {row["predicate"] for row in rows(r)} == {PG + "participant"}


CASES: dict[str, list[tuple[dict[str, str], Check]]] = {
    "tracks": [({}, check_tracks)],
    "agreements": [({}, check_agreements)],
    "parties": [({}, check_parties)],
    "precedents": [({}, check_precedents)],
    "precedents-for-track": [
        ({"track": "track-4"}, check_track_4),
        ({"track": "pgid:track-1"}, check_track_1),
        ({"track": "track-99"}, nothing),
    ],
    "tracks-for-precedent": [
        ({"precedent": "two-plus-four-treaty"}, check_two_plus_four),
        ({"precedent": ID_NS + "cfe-treaty"}, check_cfe_tracks),
    ],
    "party-status": [
        ({"agreement": "bwc", "party": "state-dprk"}, check_bwc_dprk),
        ({"agreement": "cfe-treaty"}, check_cfe_status),
        ({"agreement": "start-i", "party": "state-russia"}, check_start_russia),
        ({"agreement": "six-party-joint-statement-2005"}, check_six_party_status),
        ({}, check_all_status),
    ],
    "non-parties": [
        ({"agreement": "cwc"}, non_parties(["state-dprk"])),
        ({"agreement": "cfe-treaty"}, check_cfe_non_parties),
        ({"agreement": "npt"}, check_npt_non_parties),
        ({"agreement": "six-party-joint-statement-2005"}, nothing),
        ({"agreement": "singapore-joint-statement-2018"},
         non_parties(["state-rok", "state-prc", "state-japan", "state-russia"])),
        ({"agreement": "no-such-agreement"}, nothing),
    ],
    "party-record": [({"party": "state-dprk"}, check_dprk_record)],
    "timeline": [
        ({"from": "1990-01-01", "to": "1991-12-31"}, check_timeline_1990_1991),
        ({}, check_timeline_all),
        ({"from": "2018-01-01"}, check_timeline_from_2018),
    ],
    "in-force-on": [
        ({"date": "2000-01-01"},
         in_force(["start-i", "cfe-treaty", "cwc", "bwc", "npt", "two-plus-four-treaty"],
                  ["new-start"])),
        ({"date": "2015-01-01"}, in_force(["new-start", "cwc"], ["start-i"])),
        ({"date": "1970-06-01"}, in_force([], ["npt"])),   # “entered into force in 1970”
        ({"date": "1971-01-01"}, in_force(["npt"], ["bwc"])),
    ],
    "institutions": [({}, check_institutions)],
    "verification": [({}, check_verification)],
    "precedents-without-verification": [({}, check_without_verification)],
    "shared-precedents": [({}, check_shared_precedents)],
    "shared-commitments": [({}, check_shared_commitments)],
    "evidence": [
        ({"subject": "cwc"}, check_evidence_cwc),
        ({"subject": "track-4"}, check_evidence_track_4),
    ],
    "issues-by-track": [
        ({"track": "track-4"}, check_issues_track_4),
        ({}, check_issues_all),
    ],
    "search": [
        ({"text": "doi moi"}, found("doi-moi")),
        ({"text": "DOI MOI (doi"}, found("doi-moi", field="label")),   # folds “Đổi Mới (Doi Moi)”
        ({"text": "Đổi Mới"}, check_doi_moi_folded),
        ({"text": "panmunjom"}, found("panmunjom-declaration-2018")),
        ({"text": "Republic of Korea"}, found("state-rok", field="alternative label")),
        ({"text": "null and void"}, found("q-armistice-null-and-void", field="quote")),
        *[({"text": text}, nothing) for text in INJECTIONS],
    ],
    "entity": [({"iri": "pgid:bwc"}, check_entity_bwc)],
    "edges-precedents": [({}, check_edges_precedents)],
    "edges-participation": [({}, check_edges_participation)],
    "edges-institutions": [({}, check_edges_institutions)],
    "edges-tracks": [({}, check_edges_tracks)],
}


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_saved_query(bundled_store: Any, name: str) -> None:
    """Each saved query parses, binds, and returns the rows the sources lead one to expect."""
    query = catalogue()[name]
    assert name in CASES, f"write expected rows for queries/{name}.rq"
    for params, check in CASES[name]:
        result = run(bundled_store, name, **params)
        assert isinstance(result, SelectResult)
        assert result.variables == query.columns
        try:
            check(result)
        except AssertionError as exc:
            raise AssertionError(f"{name} {params}: {exc}") from exc


def test_optional_parameters_narrow_and_never_widen(bundled_store: Any) -> None:
    everything = rows(run(bundled_store, "party-status"))
    bound = rows(run(bundled_store, "party-status", agreement="cwc"))
    assert bound and all(row in everything for row in bound)
    assert all(row["agreement"] == pg_id("cwc") for row in bound)
    both = rows(run(bundled_store, "party-status", agreement="cwc", party="state-us"))
    assert both and all(row in bound and row["party"] == pg_id("state-us") for row in both)
    unbounded = rows(run(bundled_store, "timeline"))
    assert len(rows(run(bundled_store, "timeline", to="1991-12-31"))) < len(unbounded)


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_are_refused_or_inert(bundled_store: Any, value: str) -> None:
    for name, param in [("non-parties", "agreement"), ("precedents-for-track", "track"),
                        ("entity", "iri")]:
        with pytest.raises(ParameterError):
            run(bundled_store, name, **{param: value})
        with pytest.raises(ParameterError):  # a Term is re-checked, not trusted
            run(bundled_store, name, **{param: Term.iri(value)})
    assert run(bundled_store, "search", text=value).rows == []


def test_python_values_are_accepted(bundled_store: Any) -> None:
    import datetime

    by_text = run(bundled_store, "in-force-on", date="2000-01-01")
    by_date = run(bundled_store, "in-force-on", date=datetime.date(2000, 1, 1))
    assert by_text == by_date and by_text.rows
    assert run(bundled_store, "timeline", **{"from": None, "to": "1953-12-31"}).rows


def test_the_fixture_is_the_bundled_data(bundled_store: Any) -> None:
    assert {entry.name for entry in bundled_store.manifest()} >= {"ontology", "curated"}
    assert Path(bundled_store.path).exists()


def test_engine_semantics_the_queries_rely_on(bundled_store: Any) -> None:
    """pyoxigraph substitutions: BOUND() does not see them, COALESCE() and patterns do.

    This is why optional parameters in FILTERs are written with COALESCE (see the module
    docstring of graph.queries); if this starts failing, revisit that advice.
    """
    x = Term.literal("x")
    (row,) = bundled_store.select(
        'SELECT ?t ?bound ?value WHERE { BIND(BOUND(?t) AS ?bound) '
        'BIND(COALESCE(?t, "none") AS ?value) }', params={"t": x}).rows
    assert (row["bound"].value, row["value"]) == ("false", x)
    (row,) = bundled_store.select(
        'SELECT ?track ?n WHERE { ?track <%strackNumber> ?n }' % PG,
        params={"track": Term.iri(pg_id("track-4"))}).rows
    assert row["n"].to_python() == 4


#: Saved queries that sort on a value an OPTIONAL may leave unbound, and the parameters
#: to run them with: each such sort key is written ``COALESCE(…, "")``.
UNBOUND_SORT_KEYS = {"verification": {}, "edges-participation": {}, "edges-precedents": {},
                     "party-record": {"party": "state-ussr"}, "party-status": {}}


@pytest.fixture(scope="module")
def rdflib_dataset(bundled_store: Any) -> Any:
    """The bundled store's statements in an rdflib ``Dataset`` (union default graph)."""
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(data=bundled_store.dump("nq"), format="nquads")
    return dataset


@pytest.mark.parametrize("name", sorted(UNBOUND_SORT_KEYS))
def test_sort_keys_that_may_be_unbound_are_portable(bundled_store: Any, rdflib_dataset: Any,
                                                     name: str) -> None:
    """``LCASE(?x)`` or ``STR(?x)`` of an unbound ``?x`` is an error, and engines order an
    error differently: Oxigraph first, rdflib not at all (it raised on all five of these).
    Each such key is written ``COALESCE(…, "")``, which sorts first everywhere, so rdflib
    (standing for any other SPARQL 1.1 engine, here over the same dataset) returns the
    same rows in the same order — but for ``party-status``, where rdflib orders the
    states within an agreement differently (its ``?rank``, grouped, from a VALUES block)."""
    from rdflib import URIRef

    params = UNBOUND_SORT_KEYS[name]
    ours = run(bundled_store, name, **params)
    query = catalogue()[name]
    theirs = rdflib_dataset.query(query.sparql, initBindings={
        k: URIRef(pg_id(v)) for k, v in params.items()})
    assert any(len(row) < len(ours.variables) for row in rows(ours)), "no unbound value here"
    found = [{k: str(v) for k, v in row.asdict().items()} for row in theirs]
    if name == "party-status":
        assert [row["agreementLabel"] for row in found] == [
            row["agreementLabel"] for row in rows(ours)]
        found.sort(key=lambda row: row["participation"])
        assert found == sorted(rows(ours), key=lambda row: row["participation"])
    else:
        assert found == rows(ours)


# ------------------------------------------------------------------ kept parses


def get_in_a_new_process(folder: Path, name: str, pycache: Path, *,
                         write: bool = True) -> tuple[int, str, bool]:
    """(exit status, repr of ``get(name, folder)`` or the error, whether PyYAML was
    imported) in a fresh interpreter that keeps bytecode (and parses) under ``pycache``."""
    code = ("import sys, graph.queries as q\n"
            "try:\n    print(repr(q.get(sys.argv[1], sys.argv[2])))\n"
            "except q.CatalogueError as exc:\n    print(exc)\n    sys.exit(3)\n"
            "finally:\n    print('yaml' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(pycache), PYTHONPATH=str(REPO))
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run([sys.executable, "-c", code, name, str(folder)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    shown, yaml = done.stdout.splitlines()
    return done.returncode, shown, yaml == "True"


QUERY = """#+ title: Tracks by number
#+ description: The tracks,
#+   numbered.
#+ params:
#+   - {name: n, type: integer, optional: true, default: 4}
#+ columns: track, n
SELECT ?track ?n WHERE { ?track <https://w3id.org/peacegraph/ontology#trackNumber> ?n }
"""


def test_a_kept_parse_is_the_parse_of_the_same_text(tmp_path: Path) -> None:
    folder, pycache = tmp_path / "queries", tmp_path / "pycache"
    folder.mkdir()
    (folder / "numbered.rq").write_text(QUERY, encoding="utf-8")
    status, parsed, yaml = get_in_a_new_process(folder, "numbered", pycache)
    assert status == 0 and yaml, parsed
    assert "title='Tracks by number'" in parsed and "default='4'" in parsed
    (kept,) = pycache.rglob("numbered.rq.*.marshal")
    assert get_in_a_new_process(folder, "numbered", pycache) == (0, parsed, False)
    # another text: parsed again, and that parse is kept in turn
    (folder / "numbered.rq").write_text(QUERY.replace("by number", "in order"), encoding="utf-8")
    status, changed, yaml = get_in_a_new_process(folder, "numbered", pycache)
    assert status == 0 and yaml and changed == parsed.replace("by number", "in order")
    assert get_in_a_new_process(folder, "numbered", pycache) == (0, changed, False)
    # a damaged kept parse is ignored (and replaced)
    kept.write_bytes(b"\x00not marshal data")
    assert get_in_a_new_process(folder, "numbered", pycache) == (0, changed, True)
    assert get_in_a_new_process(folder, "numbered", pycache) == (0, changed, False)


def test_no_parse_is_kept_without_bytecode_or_for_a_broken_file(tmp_path: Path) -> None:
    folder, pycache = tmp_path / "queries", tmp_path / "pycache"
    folder.mkdir()
    (folder / "numbered.rq").write_text(QUERY, encoding="utf-8")
    assert get_in_a_new_process(folder, "numbered", pycache, write=False)[0] == 0
    (folder / "broken.rq").write_text(QUERY.replace("columns: track, n", "columns: track"),
                                      encoding="utf-8")
    status, shown, _ = get_in_a_new_process(folder, "broken", pycache)
    assert status == 3 and "columns: declared track but the query projects track, n" in shown
    assert list(pycache.rglob("*.marshal")) == []
