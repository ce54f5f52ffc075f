"""The ontology's competency questions, answered by plain SPARQL over the bundled data.

Each expected answer is written from the sources (``../shared/reference/facts.md`` and the
article), not copied from output. The queries here are deliberately written out in full,
apart from the saved-query catalogue, so that they test the data and the ontology rather
than the catalogue.
"""

from __future__ import annotations

from typing import Any

from ontology import ID_NS, PG_NS


def select(store: Any, sparql: str) -> list[dict[str, str]]:
    """Rows of plain strings (IRIs without the pgid: namespace, lexical forms)."""
    return [{k: t.value.removeprefix(ID_NS).removeprefix(PG_NS) for k, t in row.items()}
            for row in store.select(sparql).rows]


def test_which_precedents_inform_each_track_why_and_with_which_quote(bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT DISTINCT ?number ?precedent ?kind ?rationale ?quote WHERE {
          ?link a pg:PrecedentLink ; pg:track ?track ; pg:precedent ?precedent ;
                pg:relationKind ?kind ; pg:rationale ?rationale ; pg:evidence ?anno .
          ?track pg:trackNumber ?number .
          ?anno oa:hasTarget/oa:hasSelector/oa:exact ?quote .
        }""")
    by_track: dict[str, set[str]] = {}
    for row in rows:
        by_track.setdefault(row["number"], set()).add(row["precedent"])
        assert row["rationale"].strip() and row["quote"].strip()
    assert sorted(by_track) == ["1", "2", "3", "4", "5", "6"]  # every track has a precedent
    assert {"korean-armistice-1953", "helsinki-final-act"} <= by_track["1"]
    assert {"unscr-1718", "unscr-2397", "china-reform-opening", "doi-moi"} <= by_track["2"]
    assert {"agreed-framework-1994", "start-talks"} <= by_track["3"]
    assert {"cfe-treaty", "cwc", "bwc", "two-plus-four-treaty"} <= by_track["4"]
    assert "six-party-talks" in by_track["6"]
    cfe = [r for r in rows if r["precedent"] == "cfe-treaty"]
    assert {r["kind"] for r in cfe} == {"ModelToFollow"}
    assert any("Conventional Armed Forces in Europe treaty signed in 1990" in r["quote"]
               for r in cfe)
    # "Step-by-step denuclearization has been tried again and again. It has always failed."
    framework = [r for r in rows if r["precedent"] == "agreed-framework-1994"]
    assert {r["kind"] for r in framework} == {"CautionaryRecord"}


def test_which_named_precedents_north_korea_is_party_to_and_since_when(bundled_store: Any) -> None:
    # a joining step of the DPRK with no later withdrawal, among the treaties the article
    # names as precedents (and the NPT)
    rows = select(bundled_store, """
        SELECT DISTINCT ?agreement ?status ?date WHERE {
          VALUES ?agreement { pgid:cfe-treaty pgid:cwc pgid:bwc pgid:start-i pgid:two-plus-four-treaty
                              pgid:helsinki-final-act pgid:npt }
          ?p pg:agreement ?agreement ; pg:party pgid:state-dprk ; pg:status ?status .
          VALUES ?status { pg:Signed pg:Ratified pg:Acceded pg:StateParty }
          OPTIONAL { ?p pg:date ?date }
          FILTER NOT EXISTS {
            ?q pg:agreement ?agreement ; pg:party pgid:state-dprk ; pg:status pg:Withdrew .
          }
        }""")
    # the BWC only, by accession in 1987 (the day is unconfirmed, so only the year)
    assert rows == [{"agreement": "bwc", "status": "Acceded", "date": "1987"}]
    withdrew = select(bundled_store, """
        SELECT ?date WHERE { ?p pg:agreement pgid:npt ; pg:party pgid:state-dprk ;
                                pg:status pg:Withdrew ; pg:date ?date }""")
    assert withdrew == [{"date": "2003-04-10"}]


def test_which_of_the_six_states_are_not_party_to_the_cwc(bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT DISTINCT ?state ?status WHERE {
          VALUES ?state { pgid:state-us pgid:state-rok pgid:state-dprk pgid:state-prc
                          pgid:state-japan pgid:state-russia }
          ?p pg:agreement pgid:cwc ; pg:party ?state ; pg:status ?status .
        }""")
    status = {(r["state"], r["status"]) for r in rows}
    assert ("state-dprk", "NotParty") in status
    outside = {s for s, st in status if st in ("NotParty", "DidNotSign", "Withdrew")}
    assert outside == {"state-dprk"}
    joined = {s for s, st in status if st in ("Ratified", "Acceded", "StateParty")}
    assert joined == {"state-us", "state-rok", "state-prc", "state-japan", "state-russia"}


def test_who_signed_the_armistice_what_it_established_and_south_korea(bundled_store: Any) -> None:
    signers = select(bundled_store, """
        SELECT DISTINCT ?party ?date WHERE {
          ?p pg:agreement pgid:korean-armistice-1953 ; pg:party ?party ;
             pg:status pg:Signed ; pg:date ?date .
        }""")
    assert sorted(r["party"] for r in signers) == ["cmd-cpv", "cmd-kpa", "cmd-unc"]
    assert {r["date"] for r in signers} == {"1953-07-27"}
    people = select(bundled_store, """
        SELECT ?person WHERE { pgid:korean-armistice-1953 pg:signatory ?person }""")
    assert {"william-harrison", "nam-il", "peng-dehuai"} <= {r["person"] for r in people}
    rok = select(bundled_store, """
        SELECT ?status WHERE { ?p pg:agreement pgid:korean-armistice-1953 ;
                                  pg:party pgid:state-rok ; pg:status ?status }""")
    assert rok == [{"status": "DidNotSign"}]
    # inference gives the inverse of pg:establishedBy
    bodies = select(bundled_store, """
        SELECT ?body WHERE { pgid:korean-armistice-1953 pg:establishes ?body }""")
    assert {"military-armistice-commission", "nnsc"} <= {r["body"] for r in bodies}


def test_which_tracks_involve_china_and_in_what_format(bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT DISTINCT ?number ?format WHERE {
          ?track pg:trackNumber ?number ; pg:participant pgid:state-prc ; pg:format ?format .
        } ORDER BY ?number""")
    # track 1: "two plus two" (ratified by the US and China); track 6: the six-party process
    assert rows == [{"number": "1", "format": "format-two-plus-two"},
                    {"number": "6", "format": "format-six-party"}]


def test_who_verifies_the_track_4_precedents_and_which_has_no_verification(
        bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT DISTINCT ?agreement ?mechanism ?institution WHERE {
          ?link pg:track pgid:track-4 ; pg:precedent ?agreement .
          ?agreement a pg:Agreement .
          OPTIONAL { ?agreement pg:hasVerification ?mechanism .
                     OPTIONAL { ?mechanism pg:operatedBy ?institution } }
        }""")
    verified = {r["agreement"]: r.get("institution") for r in rows if "mechanism" in r}
    assert verified["cwc"] == "opcw"
    assert "cfe-treaty" in verified  # information exchange and inspections
    unverified = {r["agreement"] for r in rows if "mechanism" not in r}
    assert "bwc" in unverified  # only voluntary confidence-building measures


def test_the_order_of_the_end_of_cold_war_agreements(bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT ?agreement ?signed WHERE {
          VALUES ?agreement { pgid:two-plus-four-treaty pgid:cfe-treaty pgid:start-i
                              pgid:helsinki-final-act }
          ?agreement pg:dateSigned ?signed .
        } ORDER BY ?signed""")
    assert [(r["agreement"], r["signed"]) for r in rows] == [
        ("helsinki-final-act", "1975-08-01"),
        ("two-plus-four-treaty", "1990-09-12"),
        ("cfe-treaty", "1990-11-19"),
        ("start-i", "1991-07-31"),
    ]


def test_the_current_status_of_the_cfe_treaty(bundled_store: Any) -> None:
    rows = select(bundled_store, """
        SELECT ?party ?status ?date WHERE {
          ?p pg:agreement pgid:cfe-treaty ; pg:party ?party ; pg:status ?status ; pg:date ?date .
          FILTER (?date >= "2007-01-01"^^xsd:date)
        } ORDER BY ?date ?party""")
    assert ("state-russia", "Withdrew", "2023-11-07") in [
        (r["party"], r["status"], r["date"]) for r in rows]
    assert ("state-us", "Suspended", "2023-12-07") in [
        (r["party"], r["status"], r["date"]) for r in rows]
    summary = select(bundled_store, "SELECT ?s WHERE { pgid:cfe-treaty pg:statusSummary ?s }")
    assert "withdrew" in summary[0]["s"] and "7 November 2023" in summary[0]["s"]
