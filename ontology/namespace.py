"""The closed rdflib namespaces of the peacegraph ontology.

The Turtle files in this package are the source of truth. :class:`PG` is a closed
namespace: a misspelt term raises at once, and ``tests/test_ontology.py`` checks that
every term here is declared in ``peacegraph.ttl`` and vice versa.

>>> from ontology.namespace import PG
>>> str(PG.Track)
'https://w3id.org/peacegraph/ontology#Track'
>>> PG.Treaty in PG
True
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from ontology import GRAPH_NS, ID_NS, ONTOLOGY_IRI

__all__ = ["PG", "OA", "PGID", "PGG", "id_iri", "graph_iri"]

#: Curated resources: ``pgid:<id>``.
PGID = Namespace(ID_NS)
#: Named graphs: ``pgg:<source-name>``, ``pgg:manifest``, ``pgg:ontology``, ``pgg:inferred``.
PGG = Namespace(GRAPH_NS)


class PG(DefinedNamespace):
    """The peacegraph ontology terms (closed: unknown names raise ``AttributeError``)."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes and individuals
    Acceded: URIRef
    Agreement: URIRef
    AnnouncedWithdrawal: URIRef
    Armistice: URIRef
    Article: URIRef
    CautionaryRecord: URIRef
    Declaration: URIRef
    DidNotSign: URIRef
    Event: URIRef
    FrameworkAgreement: URIRef
    Institution: URIRef
    InternationalOrganization: URIRef
    Issue: URIRef
    JointStatement: URIRef
    LegalBasis: URIRef
    MilitaryCommand: URIRef
    ModelToFollow: URIRef
    NegotiationFormat: URIRef
    NegotiationProcess: URIRef
    NotParty: URIRef
    ParallelTrack: URIRef
    Participant: URIRef
    Participation: URIRef
    ParticipationStatus: URIRef
    Party: URIRef
    Person: URIRef
    PolicyReform: URIRef
    PrecedentLink: URIRef
    Ratified: URIRef
    RelationKind: URIRef
    SecurityCouncilResolution: URIRef
    Signed: URIRef
    Source: URIRef
    State: URIRef
    StateParty: URIRef
    Study: URIRef
    Suspended: URIRef
    Track: URIRef
    Treaty: URIRef
    VerificationMechanism: URIRef
    VotedFor: URIRef
    Withdrew: URIRef
    # properties
    agreement: URIRef
    creator: URIRef
    date: URIRef
    dateAdopted: URIRef
    dateEnded: URIRef
    dateEnteredIntoForce: URIRef
    dateExpired: URIRef
    dateOpened: URIRef
    dateSigned: URIRef
    endDate: URIRef
    establishedBy: URIRef
    establishes: URIRef
    evidence: URIRef
    format: URIRef
    hasIssue: URIRef
    hasParticipation: URIRef
    hasVerification: URIRef
    informsIssue: URIRef
    issueOf: URIRef
    legallyBinding: URIRef
    lifecycleDate: URIRef
    note: URIRef
    operatedBy: URIRef
    parentInstitution: URIRef
    partOfProcess: URIRef
    participant: URIRef
    party: URIRef
    placeName: URIRef
    precedent: URIRef
    rationale: URIRef
    reaffirms: URIRef
    relationKind: URIRef
    represents: URIRef
    resolutionNumber: URIRef
    role: URIRef
    scope: URIRef
    seat: URIRef
    signatory: URIRef
    sourceKind: URIRef
    startDate: URIRef
    status: URIRef
    statusSummary: URIRef
    track: URIRef
    trackNumber: URIRef
    uncertain: URIRef
    url: URIRef
    verifies: URIRef
    wikidata: URIRef


class OA(DefinedNamespace):
    """The W3C Web Annotation terms peacegraph uses (closed)."""

    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True
    Annotation: URIRef
    SpecificResource: URIRef
    Selector: URIRef
    TextQuoteSelector: URIRef
    TextPositionSelector: URIRef
    Motivation: URIRef
    describing: URIRef
    identifying: URIRef
    hasBody: URIRef
    hasTarget: URIRef
    hasSource: URIRef
    hasSelector: URIRef
    motivatedBy: URIRef
    exact: URIRef
    prefix: URIRef
    suffix: URIRef
    start: URIRef
    end: URIRef


def id_iri(record_id: str) -> URIRef:
    """The IRI of a curated record.

    >>> id_iri("cfe-treaty")
    rdflib.term.URIRef('https://w3id.org/peacegraph/id/cfe-treaty')
    """
    return PGID[record_id]


def graph_iri(name: str) -> URIRef:
    """The IRI of a named graph.

    >>> graph_iri("curated")
    rdflib.term.URIRef('https://w3id.org/peacegraph/graph/curated')
    """
    return PGG[name]
