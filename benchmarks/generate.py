"""Synthetic graphs shaped like the curated data, at any size, deterministically.

:func:`generate` writes, for a target number of statements, the same records the curated
loader emits for ``data/*.yaml`` (see docs/design.md, "RDF shape of the curated data"):
agreements of every kind with their dates, parties (the six states of the article and
many more), participations with statuses and dates, the six tracks with their issues,
precedent links with verbatim evidence quotes (``oa:Annotation`` + selectors, as IRIs),
institutions, verification mechanisms, processes, events, persons and sources. The mix
follows the curated data (participations and quotes dominate); entity counts scale with
the size, the six tracks do not.

Files (under ``outdir``)::

    synthetic.nt            every statement, N-Triples (what the load benchmark loads)
    synthetic.ttl           the same statements, Turtle with the project prefixes
    parts/<name>.nt         the same statements split by kind, one file per named graph:
                            core, participations, sources, precedents
    info.json               statements, per-part counts, seed, and query parameters
                            chosen from the generated ids

The same ``(statements, seed)`` always gives the same bytes.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     info = generate(3000, tmp)
...     again = generate(3000, tmp + "/again")
...     same = Path(tmp, "synthetic.nt").read_bytes() == Path(tmp, "again", "synthetic.nt").read_bytes()
>>> same, abs(info.statements - 3000) < 300, sorted(info.parts)
(True, True, ['core', 'participations', 'precedents', 'sources'])
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["Dataset", "generate", "load_info", "PARTS", "SEED"]

#: The default seed.
SEED = 20180709
#: The named graphs the statements are split into (``parts/<name>.nt``).
PARTS = ("core", "participations", "sources", "precedents")

PG = "https://w3id.org/peacegraph/ontology#"
ID = "https://w3id.org/peacegraph/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
_PREFIXES = {"pg": PG, "pgid": ID, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS,
             "dcterms": DCT, "prov": PROV, "oa": OA}
_TYPE = RDF + "type"
_LABEL = RDFS + "label"
_DERIVED = PROV + "wasDerivedFrom"
_ARTICLE = "zelikow-2018"

_SIX = [("state-us", "United States"), ("state-rok", "Republic of Korea"),
        ("state-dprk", "Democratic People's Republic of Korea"), ("state-prc", "China"),
        ("state-japan", "Japan"), ("state-russia", "Russia")]
_OTHER = [("state-ussr", "Soviet Union", "State"), ("cmd-unc", "United Nations Command",
                                                     "MilitaryCommand"),
          ("org-un", "United Nations", "InternationalOrganization")]
_TRACKS = ["Inter-Korean relations", "Economic measures and sanctions", "Nuclear security",
           "General security", "Humanitarian and cultural issues", "Regional security"]
_KINDS = [("Treaty", 35), ("SecurityCouncilResolution", 20), ("JointStatement", 15),
          ("Declaration", 15), ("FrameworkAgreement", 10), ("Armistice", 5)]
_JOIN = ["Signed", "Ratified", "Acceded", "StateParty", "Participant", "VotedFor"]
_EXIT = ["Withdrew", "AnnouncedWithdrawal", "Suspended", "DidNotSign", "NotParty"]
_RELATIONS = ["ModelToFollow", "CautionaryRecord", "ParallelTrack", "LegalBasis"]
_WORDS = (
    "armistice border verification inspection sanctions relief denuclearization reactor "
    "enrichment missile conventional forces ceilings confidence security building measures "
    "humanitarian family reunions abductions cultural exchange regional cooperation "
    "commission monitoring compliance withdrawal suspension accession ratification "
    "signature protocol annex declaration summit talks framework agreement treaty "
    "resolution council assembly zone demarcation line peninsula peace regime "
    "normalization liaison office trade investment energy assistance fuel oil light water "
    "chemical biological weapons stockpile destruction dismantlement freeze export control "
    "dialogue negotiation guarantee assurance alliance exercise deployment reduction "
    "limitation notification observation overflight data exchange tribunal reparations "
    "Panmunjŏm Kaesŏng Sŏul Pyŏngyang Genève Helsinki Münster Kraków Vladivostok Dàlián"
).split()
_PLACES = ["Panmunjom", "Geneva", "Helsinki", "Paris", "New York", "Beijing", "Moscow",
           "Vienna", "Pyongyang", "Seoul", "Tokyo", "Washington", "Singapore", "Hanoi",
           "Kaesŏng", "Genève", "Münster", "The Hague", "Stockholm", "Ulaanbaatar"]


@dataclass
class Dataset:
    """What :func:`generate` wrote: counts, files and query parameters."""

    directory: str
    target: int
    seed: int
    statements: int
    parts: dict[str, int] = field(default_factory=dict)
    #: raw values (as ``peacegraph query -p`` takes them) keyed by parameter name
    params: dict[str, str] = field(default_factory=dict)
    #: saved-query parameter values per query and parameter name (overrides ``params``)
    query_params: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def nt(self) -> Path:
        return Path(self.directory) / "synthetic.nt"

    @property
    def ttl(self) -> Path:
        return Path(self.directory) / "synthetic.ttl"

    def part(self, name: str) -> Path:
        return Path(self.directory) / "parts" / f"{name}.nt"


def load_info(directory: str | Path) -> Dataset:
    """The :class:`Dataset` recorded in ``directory/info.json``."""
    data = json.loads((Path(directory) / "info.json").read_text(encoding="utf-8"))
    return Dataset(**data)


def generate(statements: int, outdir: str | Path, *, seed: int = SEED) -> Dataset:
    """Write a synthetic graph of about ``statements`` statements into ``outdir``.

    The actual count (within a few per cent of the target; exact in ``info.json``) is
    that of distinct triples: no statement is written twice. Reuses the files when
    ``info.json`` already records the same target and seed.
    """
    out = Path(outdir)
    info_path = out / "info.json"
    if info_path.is_file():
        try:
            existing = load_info(out)
        except (ValueError, TypeError):
            existing = None
        if (existing is not None and existing.target == statements and existing.seed == seed
                and existing.nt.is_file() and existing.ttl.is_file()
                and all(existing.part(p).is_file() for p in PARTS)):
            return existing
    per_unit = _Generator(20, seed).count() / 20
    units = max(1.0, statements / per_unit)
    (out / "parts").mkdir(parents=True, exist_ok=True)
    generator = _Generator(units, seed)
    counts = dict.fromkeys(PARTS, 0)
    with open(out / "synthetic.nt.partial", "w", encoding="utf-8", newline="\n") as nt, \
            open(out / "synthetic.ttl.partial", "w", encoding="utf-8", newline="\n") as ttl:
        part_files = {p: open(out / "parts" / f"{p}.nt", "w", encoding="utf-8", newline="\n")
                      for p in PARTS}
        try:
            for prefix, namespace in _PREFIXES.items():
                ttl.write(f"@prefix {prefix}: <{namespace}> .\n")
            for part, subject, pairs in generator.records():
                if not pairs:
                    continue
                lines = [_nt_line(subject, p, o) for p, o in pairs]
                text = "".join(lines)
                nt.write(text)
                part_files[part].write(text)
                counts[part] += len(lines)
                _write_turtle(ttl, subject, pairs)
        finally:
            for handle in part_files.values():
                handle.close()
    (out / "synthetic.nt.partial").replace(out / "synthetic.nt")
    (out / "synthetic.ttl.partial").replace(out / "synthetic.ttl")
    dataset = Dataset(directory=str(out), target=statements, seed=seed,
                      statements=sum(counts.values()), parts=counts,
                      params=generator.params(), query_params=generator.query_params())
    info_path.write_text(json.dumps(asdict(dataset), indent=2) + "\n", encoding="utf-8")
    return dataset


# ------------------------------------------------------------------ serialisation

# an object: ("iri", value) or ("lit", lexical, datatype or None, language or None)
Obj = tuple


def _iri(local: str) -> Obj:
    return ("iri", ID + local)


def _lit(text: str, datatype: str | None = None, lang: str | None = None) -> Obj:
    return ("lit", text, datatype, lang)


def _en(text: str) -> Obj:
    return ("lit", text, None, "en")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r"))


def _nt_object(obj: Obj) -> str:
    if obj[0] == "iri":
        return f"<{obj[1]}>"
    _, text, datatype, lang = obj
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^<{datatype}>'
    return f'"{_escape(text)}"'


def _nt_line(subject: str, predicate: str, obj: Obj) -> str:
    return f"<{subject}> <{predicate}> {_nt_object(obj)} .\n"


def _short(iri: str) -> str:
    """A prefixed name when the local part is a plain name, else ``<iri>``."""
    if iri == _TYPE:
        return "a"
    for prefix, namespace in _PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and all(c.isalnum() or c in "-_" for c in local) and local[0].isalnum():
                return f"{prefix}:{local}"
    return f"<{iri}>"


def _ttl_object(obj: Obj) -> str:
    if obj[0] == "iri":
        return _short(obj[1]) if obj[1] != _TYPE else f"<{obj[1]}>"
    _, text, datatype, lang = obj
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^{_short(datatype)}'
    return f'"{_escape(text)}"'


def _write_turtle(handle: IO[str], subject: str, pairs: list[tuple[str, Obj]]) -> None:
    subject_text = _short(subject)
    if subject_text == "a":
        subject_text = f"<{subject}>"
    body = " ;\n    ".join(f"{_short(p)} {_ttl_object(o)}" for p, o in pairs)
    handle.write(f"\n{subject_text} {body} .\n")


# ------------------------------------------------------------------ the records


class _Generator:
    """The records for ``units`` units of about a thousand statements each."""

    def __init__(self, units: float, seed: int) -> None:
        self.units = units
        self.seed = seed
        u = units
        self.n_parties = max(10, int(2 * u))
        self.n_persons = max(5, int(2 * u))
        self.n_sources = max(10, int(10 * u))
        self.n_quotes = max(12, int(12 * u))
        self.n_issues = max(15, int(1.2 * u))
        self.n_processes = max(3, int(0.6 * u))
        self.n_events = max(5, int(2 * u))
        self.n_agreements = max(8, int(4 * u))
        self.n_institutions = max(4, int(1 * u))
        self.n_links = max(14, int(14 * u))
        rng = random.Random(seed * 7919 + 1)
        self._party_ids = [pid for pid, _ in _SIX] + [pid for pid, _, _ in _OTHER]
        self._party_labels = dict(_SIX) | {pid: label for pid, label, _ in _OTHER}
        for i in range(1, self.n_parties + 1):
            kind = ("state", "org", "cmd")[0 if i % 10 < 7 else (1 if i % 10 < 9 else 2)]
            pid = f"{kind}-g{i:05d}"
            self._party_ids.append(pid)
            self._party_labels[pid] = f"{_word(rng).capitalize()} {_word(rng)} {i}"
        self._agreement_kind = [rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
                                for _ in range(self.n_agreements)]
        self._agreement_label = [
            f"{kind_label(kind)} on {_word(rng)} {_word(rng)} ({1950 + i % 70})"
            for i, kind in enumerate(self._agreement_kind)]
        # issue i belongs to track (i % 6) + 1, and 30 % also to another track
        self._track_issues: dict[int, list[str]] = {n: [] for n in range(1, 7)}
        for i in range(1, self.n_issues + 1):
            first = (i - 1) % 6 + 1
            self._track_issues[first].append(f"issue-g{i:05d}")
            if rng.random() < 0.3:
                second = rng.randrange(1, 7)
                if second != first:
                    self._track_issues[second].append(f"issue-g{i:05d}")
        # quotes of the article (used as evidence); the rest quote other sources
        self._article_quotes = [f"q-g{i:06d}" for i in range(1, self.n_quotes + 1) if i % 5]

    def count(self) -> int:
        return sum(len(pairs) for _, _, pairs in self.records())

    def params(self) -> dict[str, str]:
        """Raw parameter values for the saved queries, by parameter name."""
        return {
            "track": "track-1", "agreement": "agreement-g000001", "party": "state-dprk",
            "precedent": "agreement-g000002", "iri": "agreement-g000001",
            "subject": "agreement-g000002", "date": "2001-06-30", "from": "1990-01-01",
            "to": "1999-12-31", "text": "armistice",
        }

    def query_params(self) -> dict[str, dict[str, str]]:
        """Per-query overrides: a query with several optional parameters gets one."""
        return {"party-status": {"agreement": "agreement-g000001"}}

    # ---------------------------------------------------------------- records
    def records(self) -> Iterator[tuple[str, str, list[tuple[str, Obj]]]]:
        rng = random.Random(self.seed)
        yield from self._sources(rng)
        yield from self._quotes(rng)
        yield from self._parties(rng)
        yield from self._persons(rng)
        yield from self._issues(rng)
        yield from self._formats_and_tracks(rng)
        yield from self._processes(rng)
        yield from self._events(rng)
        yield from self._agreements(rng)
        yield from self._institutions(rng)
        yield from self._links(rng)

    def _src(self, rng: random.Random, k: int) -> list[tuple[str, Obj]]:
        picks = rng.sample(range(1, self.n_sources + 1), k)
        return [(_DERIVED, _iri(f"src-g{i:06d}")) for i in sorted(picks)]

    def _sources(self, rng: random.Random) -> Iterator:
        yield "sources", ID + _ARTICLE, [
            (_TYPE, ("iri", PG + "Article")), (_TYPE, ("iri", PG + "Source")),
            (_LABEL, _en("Zelikow, How Diplomacy With North Korea Can Work")),
            (DCT + "title", _en("How Diplomacy With North Korea Can Work")),
            (DCT + "creator", _lit("Philip Zelikow")),
            (DCT + "publisher", _lit("Foreign Affairs")),
            (DCT + "issued", _lit("2018-07-09", XSD + "date")),
            (PG + "url", _lit("https://www.foreignaffairs.com/articles/north-korea/2018-07-09/"
                              "how-diplomacy-north-korea-can-work", XSD + "anyURI")),
            (PG + "sourceKind", _lit("article")),
        ]
        kinds = ["treaty-text", "official", "reference", "news", "scholarly", "mirror"]
        for i in range(1, self.n_sources + 1):
            title = _sentence(rng, 4, 9).capitalize()
            pairs = [(_TYPE, ("iri", PG + "Source")), (_LABEL, _en(title)),
                     (DCT + "title", _en(title)),
                     (PG + "url", _lit(f"https://example.org/{rng.choice(kinds)}/{i}",
                                       XSD + "anyURI")),
                     (PG + "sourceKind", _lit(rng.choice(kinds)))]
            if rng.random() < 0.5:
                pairs.append((DCT + "publisher", _lit(f"{_word(rng).capitalize()} Press")))
            if rng.random() < 0.3:
                pairs.append((DCT + "issued", _date(rng)))
            if rng.random() < 0.3:
                pairs.append((PG + "note", _lit(_sentence(rng, 6, 16))))
            yield "sources", ID + f"src-g{i:06d}", pairs

    def _quotes(self, rng: random.Random) -> Iterator:
        for i in range(1, self.n_quotes + 1):
            qid = f"q-g{i:06d}"
            source = _ARTICLE if i % 5 else f"src-g{rng.randrange(1, self.n_sources + 1):06d}"
            exact = _sentence(rng, 5, 14)
            start = rng.randrange(0, 40000)
            base = ID + qid
            yield "sources", base, [
                (_TYPE, ("iri", OA + "Annotation")), (_LABEL, _en(f"“{exact}”")),
                (_DERIVED, _iri(source)), (OA + "motivatedBy", ("iri", OA + "describing")),
                (OA + "hasTarget", ("iri", base + "/target"))]
            yield "sources", base + "/target", [
                (_TYPE, ("iri", OA + "SpecificResource")), (OA + "hasSource", _iri(source)),
                (OA + "hasSelector", ("iri", base + "/quote")),
                (OA + "hasSelector", ("iri", base + "/position"))]
            yield "sources", base + "/quote", [
                (_TYPE, ("iri", OA + "TextQuoteSelector")), (OA + "exact", _lit(exact)),
                (OA + "prefix", _lit(_sentence(rng, 2, 4) + " ")),
                (OA + "suffix", _lit(" " + _sentence(rng, 2, 4)))]
            yield "sources", base + "/position", [
                (_TYPE, ("iri", OA + "TextPositionSelector")),
                (OA + "start", _lit(str(start), XSD + "nonNegativeInteger")),
                (OA + "end", _lit(str(start + len(exact)), XSD + "nonNegativeInteger"))]

    def _parties(self, rng: random.Random) -> Iterator:
        classes = {"state": "State", "org": "InternationalOrganization", "cmd": "MilitaryCommand"}
        for pid in self._party_ids:
            kind = classes.get(pid.split("-")[0], "State")
            pairs = [(_TYPE, ("iri", PG + kind)), (_LABEL, _en(self._party_labels[pid]))]
            for _ in range(rng.randrange(0, 3)):
                pairs.append((SKOS + "altLabel", _en(f"{_word(rng).upper()} {rng.randrange(1000)}")))
            if rng.random() < 0.5:
                pairs.append((PG + "wikidata", _lit(f"Q{rng.randrange(10, 10**7)}")))
            pairs += self._src(rng, 1)
            yield "core", ID + pid, _distinct(pairs)

    def _persons(self, rng: random.Random) -> Iterator:
        for i in range(1, self.n_persons + 1):
            yield "core", ID + f"person-g{i:05d}", [
                (_TYPE, ("iri", PG + "Person")),
                (_LABEL, _en(f"{_word(rng).capitalize()} {_word(rng).capitalize()}")),
                (RDFS + "comment", _en(_sentence(rng, 6, 14))),
                (PG + "represents", _iri(rng.choice(self._party_ids))),
                *self._src(rng, 1)]

    def _issues(self, rng: random.Random) -> Iterator:
        yield "core", ID + "issue-scheme", [
            (_TYPE, ("iri", SKOS + "ConceptScheme")), (_LABEL, _en("Issues of the peace process"))]
        top = []
        for i in range(1, self.n_issues + 1):
            iid = f"issue-g{i:05d}"
            label = f"{_word(rng).capitalize()} {_word(rng)} {i}"
            pairs = [(_TYPE, ("iri", PG + "Issue")), (_TYPE, ("iri", SKOS + "Concept")),
                     (_LABEL, _en(label)), (SKOS + "prefLabel", _en(label))]
            for _ in range(rng.randrange(0, 4)):
                pairs.append((SKOS + "altLabel", _en(_sentence(rng, 2, 4))))
            pairs.append((SKOS + "definition", _en(_sentence(rng, 10, 25))))
            if i > 6 and rng.random() < 0.3:
                pairs.append((SKOS + "broader", _iri(f"issue-g{rng.randrange(1, i):05d}")))
            else:
                top.append(iid)
            pairs += [(_DERIVED, _iri(_ARTICLE)), (SKOS + "inScheme", _iri("issue-scheme"))]
            yield "core", ID + iid, _distinct(pairs)
        yield "core", ID + "issue-scheme", [(SKOS + "hasTopConcept", _iri(t)) for t in top]

    def _formats_and_tracks(self, rng: random.Random) -> Iterator:
        six = [pid for pid, _ in _SIX]
        for n in range(1, 7):
            members = rng.sample(six, rng.randrange(2, 7))
            yield "core", ID + f"format-g{n}", [
                (_TYPE, ("iri", PG + "NegotiationFormat")),
                (_LABEL, _en(f"Format {n}: {_word(rng)} {_word(rng)}")),
                (RDFS + "comment", _en(_sentence(rng, 8, 20))),
                *[(PG + "participant", _iri(p)) for p in members],
                (PG + "evidence", _iri(rng.choice(self._article_quotes))),
                (_DERIVED, _iri(_ARTICLE))]
            pairs = [(_TYPE, ("iri", PG + "Track")),
                     (PG + "trackNumber", _lit(str(n), XSD + "integer")),
                     (_LABEL, _en(_TRACKS[n - 1])), (PG + "scope", _en(_sentence(rng, 15, 30))),
                     (PG + "format", _iri(f"format-g{n}")),
                     *[(PG + "participant", _iri(p)) for p in members],
                     *[(PG + "hasIssue", _iri(i)) for i in self._track_issues[n]],
                     *[(PG + "evidence", _iri(q))
                       for q in rng.sample(self._article_quotes, min(4, len(self._article_quotes)))],
                     (_DERIVED, _iri(_ARTICLE))]
            yield "core", ID + f"track-{n}", _distinct(pairs)

    def _processes(self, rng: random.Random) -> Iterator:
        kinds = ["NegotiationProcess"] * 6 + ["PolicyReform"] * 2 + ["Study"]
        for i in range(1, self.n_processes + 1):
            kind = rng.choice(kinds)
            pairs = [(_TYPE, ("iri", PG + kind)),
                     (_LABEL, _en(f"{_word(rng).capitalize()} talks {i}")),
                     (PG + "startDate", _date(rng))]
            if rng.random() < 0.7:
                pairs.append((PG + "endDate", _date(rng, 1990)))
            pairs += [(PG + "participant", _iri(p)) for p in rng.sample(self._party_ids, 4)]
            pairs += [(RDFS + "comment", _en(_sentence(rng, 10, 20))), *self._src(rng, 2)]
            participations = []
            for k, party in enumerate(rng.sample(self._party_ids[:6], 2)):
                pid = f"p-proc-g{i:05d}-{k}"
                participations.append(pid)
                yield "participations", ID + pid, self._participation(
                    rng, party, f"process-g{i:05d}", pairs[1][1][1],
                    rng.choice(["Participant", "Withdrew"]))
            pairs += [(PG + "hasParticipation", _iri(p)) for p in participations]
            yield "core", ID + f"process-g{i:05d}", _distinct(pairs)

    def _events(self, rng: random.Random) -> Iterator:
        for i in range(1, self.n_events + 1):
            pairs = [(_TYPE, ("iri", PG + "Event")),
                     (_LABEL, _en(f"{_word(rng).capitalize()} summit ({1953 + i % 70})")),
                     (PG + "date", _date(rng)), (PG + "placeName", _lit(rng.choice(_PLACES)))]
            pairs += [(PG + "participant", _iri(p)) for p in rng.sample(self._party_ids, 3)]
            if rng.random() < 0.5:
                pairs.append((PG + "participant", _iri(f"person-g{rng.randrange(1, self.n_persons + 1):05d}")))
            if rng.random() < 0.3:
                pairs.append((PG + "partOfProcess", _iri(f"process-g{rng.randrange(1, self.n_processes + 1):05d}")))
            pairs += [(RDFS + "comment", _en(_sentence(rng, 10, 20))), *self._src(rng, 2)]
            yield "core", ID + f"event-g{i:05d}", _distinct(pairs)

    def _participation(self, rng: random.Random, party: str, agreement: str,
                       agreement_label: str, status: str) -> list[tuple[str, Obj]]:
        date = _date(rng) if rng.random() < 0.75 else None
        label = f"{self._party_labels[party]}: {status} – {agreement_label}"
        pairs = [(_TYPE, ("iri", PG + "Participation")),
                 (_LABEL, _en(label + (f" ({date[1]})" if date else ""))),
                 (PG + "party", _iri(party)), (PG + "agreement", _iri(agreement)),
                 (PG + "status", ("iri", PG + status))]
        if date:
            pairs.append((PG + "date", date))
        if rng.random() < 0.25:
            pairs.append((PG + "note", _lit(_sentence(rng, 8, 20))))
        if rng.random() < 0.08:
            pairs.append((PG + "uncertain", _lit("true", XSD + "boolean")))
        pairs += self._src(rng, rng.randrange(1, 3))
        return pairs

    def _agreements(self, rng: random.Random) -> Iterator:
        six = [pid for pid, _ in _SIX]
        for i in range(1, self.n_agreements + 1):
            aid = f"agreement-g{i:06d}"
            kind = self._agreement_kind[i - 1]
            label = self._agreement_label[i - 1]
            pairs = [(_TYPE, ("iri", PG + kind)), (_LABEL, _en(label)),
                     (DCT + "title", _en(f"{label}: {_sentence(rng, 4, 10)}"))]
            for _ in range(rng.randrange(0, 3)):
                pairs.append((SKOS + "altLabel", _en(f"{_word(rng).upper()}-{rng.randrange(100)}")))
            if kind == "SecurityCouncilResolution":
                pairs.append((PG + "resolutionNumber", _lit(str(80 + i), XSD + "integer")))
                pairs.append((PG + "dateAdopted", _date(rng)))
            else:
                if rng.random() < 0.2:
                    pairs.append((PG + "dateOpened", _date(rng)))
                if rng.random() < 0.8:
                    pairs.append((PG + "dateSigned", _date(rng)))
                if kind in ("Treaty", "Armistice", "FrameworkAgreement") and rng.random() < 0.7:
                    pairs.append((PG + "dateEnteredIntoForce", _date(rng)))
                    if rng.random() < 0.12:
                        pairs.append((PG + "dateExpired", _date(rng, 1995)))
                    elif rng.random() < 0.06:
                        pairs.append((PG + "dateEnded", _date(rng, 1995)))
                pairs.append((PG + "placeName", _lit(rng.choice(_PLACES))))
            if rng.random() < 0.5:
                pairs.append((PG + "legallyBinding", _lit(
                    "true" if kind in ("Treaty", "Armistice") else "false", XSD + "boolean")))
            if rng.random() < 0.3:
                pairs.append((PG + "statusSummary", _lit(_sentence(rng, 8, 18))))
            pairs.append((RDFS + "comment", _en(_sentence(rng, 12, 30))))
            if rng.random() < 0.2:
                pairs += [(PG + "signatory", _iri(f"person-g{p:05d}"))
                          for p in rng.sample(range(1, self.n_persons + 1), 2)]
            if rng.random() < 0.1:
                pairs.append((PG + "partOfProcess", _iri(f"process-g{rng.randrange(1, self.n_processes + 1):05d}")))
            if i > 1 and rng.random() < 0.1:
                pairs.append((PG + "reaffirms", _iri(f"agreement-g{rng.randrange(1, i):06d}")))
            if i % 4 == 1:
                pairs.append((PG + "hasVerification", _iri(f"verification-g{i:06d}")))
            pairs += self._src(rng, rng.randrange(1, 5))
            # participations: most of the six states, a few others; some with two steps
            parties = [p for p in six if rng.random() < 0.7]
            if rng.random() < 0.2:
                parties.append("state-ussr")
            parties += rng.sample(self._party_ids[9:], min(3, len(self._party_ids) - 9))
            links = []
            for party in parties:
                steps = ([rng.choice(_JOIN)] if rng.random() < 0.75 else [rng.choice(_EXIT)])
                if steps[0] in _JOIN and rng.random() < 0.25:
                    steps.append(rng.choice(_EXIT[:3] + ["Ratified"]))
                for step, status in enumerate(dict.fromkeys(steps)):
                    pid = f"p-g{i:06d}-{party}-{step}"
                    links.append(pid)
                    yield "participations", ID + pid, self._participation(
                        rng, party, aid, label, status)
            pairs += [(PG + "hasParticipation", _iri(p)) for p in links]
            yield "core", ID + aid, _distinct(pairs)

    def _institutions(self, rng: random.Random) -> Iterator:
        for i in range(1, self.n_institutions + 1):
            agreement = 4 * (i - 1) + 1  # the agreements with a verification mechanism
            iid = f"institution-g{i:05d}"
            pairs = [(_TYPE, ("iri", PG + "Institution")),
                     (_LABEL, _en(f"{_word(rng).capitalize()} Commission {i}")),
                     (PG + "role", _lit(_sentence(rng, 8, 20)))]
            if rng.random() < 0.4:
                pairs.append((SKOS + "altLabel", _en(_word(rng).upper())))
            if agreement <= self.n_agreements:
                pairs.append((PG + "establishedBy", _iri(f"agreement-g{agreement:06d}")))
            if rng.random() < 0.6:
                pairs.append((PG + "seat", _lit(rng.choice(_PLACES))))
            if rng.random() < 0.5:
                pairs.append((PG + "startDate", _date(rng)))
            if rng.random() < 0.1:
                pairs.append((PG + "endDate", _date(rng, 1995)))
            if i > 1 and rng.random() < 0.2:
                pairs.append((PG + "parentInstitution", _iri(f"institution-g{rng.randrange(1, i):05d}")))
            pairs += self._src(rng, 2)
            yield "core", ID + iid, _distinct(pairs)
        for i in range(1, self.n_agreements + 1, 4):
            pairs = [(_TYPE, ("iri", PG + "VerificationMechanism")),
                     (_LABEL, _en(f"Verification of {self._agreement_label[i - 1]}")),
                     (RDFS + "comment", _en(_sentence(rng, 10, 20)))]
            institution = (i - 1) // 4 + 1
            if institution <= self.n_institutions and rng.random() < 0.7:
                pairs.append((PG + "operatedBy", _iri(f"institution-g{institution:05d}")))
            pairs += self._src(rng, 1)
            yield "core", ID + f"verification-g{i:06d}", pairs

    def _links(self, rng: random.Random) -> Iterator:
        # precedents: mostly agreements, skewed so that a few are shared by many tracks
        for i in range(1, self.n_links + 1):
            track = rng.randrange(1, 7)
            roll = rng.random()
            if roll < 0.8:
                precedent = f"agreement-g{min(self.n_agreements, int(rng.paretovariate(1.2))):06d}" \
                    if rng.random() < 0.3 else f"agreement-g{rng.randrange(1, self.n_agreements + 1):06d}"
            elif roll < 0.88:
                precedent = f"process-g{rng.randrange(1, self.n_processes + 1):05d}"
            elif roll < 0.94:
                precedent = f"institution-g{rng.randrange(1, self.n_institutions + 1):05d}"
            else:
                precedent = f"event-g{rng.randrange(1, self.n_events + 1):05d}"
            issue = rng.choice(self._track_issues[track] or [f"issue-g{1:05d}"])
            relation = rng.choice(_RELATIONS)
            pairs = [(_TYPE, ("iri", PG + "PrecedentLink")),
                     (_LABEL, _en(f"{precedent} as {relation} for track {track} ({i})")),
                     (PG + "track", _iri(f"track-{track}")), (PG + "precedent", _iri(precedent)),
                     (PG + "informsIssue", _iri(issue)), (PG + "relationKind", ("iri", PG + relation)),
                     (PG + "rationale", _lit(_sentence(rng, 12, 30)))]
            pairs += [(PG + "evidence", _iri(q))
                      for q in rng.sample(self._article_quotes, rng.randrange(1, 4))]
            if rng.random() < 0.08:
                pairs.append((PG + "uncertain", _lit("true", XSD + "boolean")))
            pairs.append((_DERIVED, _iri(_ARTICLE)))
            yield "precedents", ID + f"pl-g{i:06d}", _distinct(pairs)


def kind_label(kind: str) -> str:
    return {"SecurityCouncilResolution": "Resolution", "JointStatement": "Joint statement",
            "FrameworkAgreement": "Agreed framework"}.get(kind, kind)


def _distinct(pairs: list[tuple[str, Obj]]) -> list[tuple[str, Obj]]:
    return list(dict.fromkeys(pairs))


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(low, high + 1)))


def _date(rng: random.Random, start: int = 1950) -> Obj:
    year = rng.randrange(start, 2024)
    roll = rng.random()
    if roll < 0.1:
        return _lit(str(year), XSD + "gYear")
    if roll < 0.2:
        return _lit(f"{year}-{rng.randrange(1, 13):02d}", XSD + "gYearMonth")
    return _lit(f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}", XSD + "date")
