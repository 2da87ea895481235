"""Find the sections that answer a question: the database's full-text engine, then one scorer for both.

1. The question is folded and split into *concepts*: a synonym group it mentions ("boss" -> line manager,
   "appraisal" -> IPDR ...) or a single content word; misspelt words are corrected against the words the
   documents actually use ("apraisal" -> "appraisal").
2. The back end (SQLite FTS5 with bm25, or PostgreSQL tsvector/GIN with ts_rank) returns the best
   candidate sections for any of those words. Both sit behind `FullTextBackend`.
3. Candidates are re-scored in Python with BM25F-style weights (heading counts most) plus *coverage*: the
   share of the question's concepts, weighted by rarity, that a section contains. Coverage is what makes
   the bot abstain: "where do I park?" shares no rare word with any section, so nothing covers it.
4. The best candidates are re-ranked by their best passage (two sentences, or a list item with its
   lead-in, with the heading and title): a section where one passage holds the question, and states the
   kind of fact asked for ("how often" -> a frequency), beats one that mentions the words here and there.

Word statistics (document frequencies, the vocabulary for spelling correction, synonym groups) are cached
per database and rebuilt when a document or synonym is added or removed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.policy.models import PolicyDocument, PolicySection, PolicySynonym
from storage.policy.passages import SYNONYM_FACTOR, answer_cue, same_word, scored_units, units_of
from storage.policy.synonyms import Phrase, build_groups
from storage.policy.text import GENERAL_WORDS, STOPWORDS, WEAK_WORDS, fold, stem, words

CANDIDATES = 40
HEADING_WEIGHT = 3.0
CONTEXT_WEIGHT = 0.7
K1 = 1.2
B = 0.5
WEAK_FACTOR = 0.35
HEADING_BONUS = 0.5
PAIR_FACTOR = 0.5
UNKNOWN_FACTOR = 1.0
GENERAL_FACTOR = 0.25
GENERAL_UNKNOWN_WEIGHT = 0.3
RERANK = 10
UNIT_FACTOR = 1.0
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)
# "must", "have to", "need to": how a question is put, seldom what it is about.
# Words of headings that say where a section sits, not what the documents are about.
_STRUCTURE_STEMS = frozenset(stem(w) for w in (
    "introduction purpose scope overview background summary general other key links appendix annex part section "
    "guide guidance page document procedure notes definitions contents"
).split())
_WEAK_KEYS = frozenset({stem(w) for w in WEAK_WORDS} | {"g:mandatori"})
_GENERAL_STEMS = frozenset(stem(w) for w in GENERAL_WORDS)


def is_stopword(word: str) -> bool:
    return word in STOPWORDS or stem(word) in _STOP_STEMS


# --- statistics ---------------------------------------------------------------------------------------------
@dataclass
class Lexicon:
    """What the search knows about the current documents' words."""

    sections: int = 0
    avg_length: float = 1.0
    df: dict[str, int] = field(default_factory=dict)
    surface: dict[str, str] = field(default_factory=dict)  # folded word -> stem, for spelling correction
    groups: list[list[Phrase]] = field(default_factory=list)
    phrase_words: dict[Phrase, list[str]] = field(default_factory=dict)
    by_prefix: dict[str, list[str]] = field(default_factory=dict)  # first 6 letters of a stem -> stems
    word_for: dict[str, str] = field(default_factory=dict)  # stem -> a document word with that stem
    group_stems: set[str] = field(default_factory=set)  # every stem used in a synonym phrase
    group_of: dict[Phrase, int] = field(default_factory=dict)
    max_phrase: int = 1
    domain: set[str] = field(default_factory=set)  # stems of titles and headings: what the documents are about
    _choices: list[str] | None = None

    def idf(self, df: int) -> float:
        n = max(self.sections, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def phrase_df(self, phrase: Phrase) -> int:
        return min((self.df.get(s, 0) for s in phrase), default=0)

    def known(self, word: str) -> bool:
        own = stem(word)
        return is_stopword(word) or own in self.df or own in self.group_stems

    def correct(self, word: str) -> str | None:
        """The document word a misspelling most likely meant, or None (same first letter, close spelling)."""
        if len(word) < 5 or word.isdigit():
            return None
        related = self.related_form(word)
        if related:
            return related
        if self._choices is None:
            extra = {w for g in self.groups for p in g for w in p}
            self._choices = sorted({w for w in self.surface if len(w) >= 4} | {w for w in extra if len(w) >= 4})
        pool = [w for w in self._choices if w[0] == word[0] and abs(len(w) - len(word)) <= 2]
        if not pool:
            return None
        # One slip (a letter missed, doubled, swapped or wrong) up to 7 letters, two in longer words.
        found = process.extractOne(
            word, pool, scorer=DamerauLevenshtein.distance, score_cutoff=1 if len(word) <= 7 else 2
        )
        return found[0] if found else None


    def family(self, own: str) -> list[str]:
        """Other stems of the same word in the documents: "recognit" (recognition) for "recognis"."""
        if len(own) < 6:
            return []
        prefix = own[: max(6, len(own) - 1)]
        return [s for s in self.by_prefix.get(own[:6], ()) if s != own and s.startswith(prefix)][:5]

    def related_form(self, word: str) -> str | None:
        """A document word of the same family, for a question word the documents never use."""
        family = set(self.family(stem(word)))
        forms = [(self.df.get(s, 0), w) for w, s in self.surface.items() if s in family]
        return max(forms)[1] if forms else None


_LEXICONS: dict[str, tuple[tuple, Lexicon]] = {}


async def lexicon_for(db: AsyncSession) -> Lexicon:
    """The cached statistics for this database, rebuilt only when sections or synonyms changed."""
    key = str(db.bind.url) if db.bind is not None else "default"
    generation = tuple(
        (
            await db.execute(
                select(
                    select(func.count(PolicySection.id)).scalar_subquery(),
                    select(func.max(PolicySection.id)).scalar_subquery(),
                    select(func.count(PolicySynonym.id)).scalar_subquery(),
                    select(func.max(PolicySynonym.id)).scalar_subquery(),
                )
            )
        ).one()
    )
    cached = _LEXICONS.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    lexicon = await build_lexicon(db)
    _LEXICONS[key] = (generation, lexicon)
    return lexicon


async def build_lexicon(db: AsyncSession) -> Lexicon:
    lexicon = Lexicon()
    df: Counter[str] = Counter()
    total_length = 0
    rows = await db.execute(
        select(PolicySection.stems, PolicySection.search_heading, PolicySection.search_body, PolicySection.search_context)
    )
    for stems_text, heading, body, context in rows:
        fields = SectionFields.parse(stems_text)
        df.update(set(fields.heading) | set(fields.body))
        total_length += len(fields.body)
        lexicon.sections += 1
        lexicon.domain.update(fields.heading)
        lexicon.domain.update(fields.context)
        for w in words(f"{heading} {body} {context}"):
            if w not in lexicon.surface and not w.isdigit():
                lexicon.surface[w] = stem(w)
                lexicon.word_for.setdefault(lexicon.surface[w], w)
    lexicon.df = dict(df)
    lexicon.domain -= _STOP_STEMS | _GENERAL_STEMS | _WEAK_KEYS | _STRUCTURE_STEMS
    lexicon.domain = {s for s in lexicon.domain if not s.isdigit() and len(s) > 1}
    lexicon.avg_length = total_length / lexicon.sections if lexicon.sections else 1.0
    pairs = (await db.execute(select(PolicySynonym.term, PolicySynonym.means))).all()
    lexicon.groups, lexicon.phrase_words = build_groups([(t, m) for t, m in pairs])
    for s in lexicon.df:
        if len(s) >= 6:
            lexicon.by_prefix.setdefault(s[:6], []).append(s)
    for index, group in enumerate(lexicon.groups):
        for phrase in group:
            lexicon.group_of[phrase] = index
            lexicon.group_stems.update(phrase)
            lexicon.max_phrase = max(lexicon.max_phrase, len(phrase))
    return lexicon


def forget_lexicons() -> None:
    """Drop cached statistics (tests that swap databases under one URL)."""
    _LEXICONS.clear()


# --- questions -> concepts ------------------------------------------------------------------------------------
@dataclass
class Concept:
    """One idea in the question, matched if a section contains any of its alternative phrases."""

    key: str
    alternatives: list[Phrase]
    words: list[list[str]]  # folded surface words of each alternative, for the full-text query
    weight: float = 1.0
    corrected: bool = False
    known: bool = True
    literal: Phrase | None = None  # the alternative the question itself used; synonyms count a little less


def analyse(question: str, lexicon: Lexicon) -> list[Concept]:
    return analyse_query(question, lexicon)[0]


def analyse_query(question: str, lexicon: Lexicon) -> tuple[list[Concept], list[Phrase]]:
    """The question's concepts, and the pairs of content words it uses side by side ("crew manager")."""
    tokens = []
    for word in words(fold(question)):
        if word in ("u", "ur", "r", "pls", "plz", "thx", "ta"):
            continue
        corrected = False
        if not lexicon.known(word):
            fixed = lexicon.correct(word)
            if fixed:
                word, corrected = fixed, True
        tokens.append((word, stem(word), corrected))
    concepts: dict[str, Concept] = {}
    singles: list[tuple[int, str]] = []
    i = 0
    while i < len(tokens):
        matched = False
        for size in range(min(lexicon.max_phrase, len(tokens) - i), 0, -1):
            phrase = tuple(t[1] for t in tokens[i : i + size])
            group_index = lexicon.group_of.get(phrase)
            if group_index is None:
                continue
            if size == 1 and is_stopword(tokens[i][0]):
                break
            group = lexicon.groups[group_index]
            key = "g:" + " ".join(group[0])
            concepts.setdefault(
                key,
                Concept(key, list(group), [lexicon.phrase_words.get(p, list(p)) for p in group],
                        corrected=any(t[2] for t in tokens[i : i + size]), literal=phrase),
            )
            i += size
            matched = True
            break
        if matched:
            continue
        word, word_stem, corrected = tokens[i]
        i += 1
        if is_stopword(word) or len(word) < 2:
            continue
        if word_stem not in concepts:
            family = lexicon.family(word_stem)
            concepts[word_stem] = Concept(
                word_stem, [(word_stem,), *((f,) for f in family)],
                [[word], *([lexicon.word_for[f]] for f in family if f in lexicon.word_for)], corrected=corrected,
                literal=(word_stem,),
            )
        singles.append((i - 1, word_stem))
    result = list(concepts.values())
    for concept in result:
        df = max(lexicon.phrase_df(p) for p in concept.alternatives)
        concept.known = df > 0
        concept.weight = lexicon.idf(df)
        if concept.key in _WEAK_KEYS:
            concept.weight *= WEAK_FACTOR
        if concept.key in _GENERAL_STEMS:
            # An everyday word ("give", "become"): little weight, and next to none if no document uses it.
            concept.weight = concept.weight * GENERAL_FACTOR if concept.known else GENERAL_UNKNOWN_WEIGHT
        elif not concept.known:
            concept.weight *= UNKNOWN_FACTOR
    pairs = [(a[1], b[1]) for a, b in zip(singles, singles[1:], strict=False) if b[0] == a[0] + 1 and a[1] != b[1]]
    return result, pairs


def concept_signature(concepts: list[Concept]) -> str:
    """A stable text for "the same question": its concept keys, sorted."""
    return " ".join(sorted(c.key.replace(" ", "_") for c in concepts))


# --- back ends ---------------------------------------------------------------------------------------------------
COMMON_SHARE = 0.2
FALLBACK_TERMS = 3


def selective_terms(concepts: list[Concept], lexicon: Lexicon) -> list[list[str]]:
    """The words worth sending to the engine: in a large collection, those in at most a fifth of sections.

    A word such as "must" matches most sections, so asking the engine for it only makes it rank the whole
    table; the Python scorer still counts it for every candidate. A phrase is judged by its content words:
    PostgreSQL drops stop words from a query, so "at work" would fetch every section with "work" in it and
    "have to" nothing at all. When every word is common, the rarest few are sent. Small collections send
    every word.
    """
    limit = COMMON_SHARE * lexicon.sections if lexicon.sections > 4 * CANDIDATES else lexicon.sections
    terms: list[list[str]] = []
    rated: list[tuple[int, list[str]]] = []
    for concept in concepts:
        for ws in concept.words:
            content = tuple(stem(w) for w in ws if not is_stopword(w))
            if not content:
                continue
            df = lexicon.phrase_df(content)
            rated.append((df, ws))
            if df <= limit:
                terms.append(ws)
    return terms or [ws for _, ws in sorted(rated, key=lambda r: r[0])[:FALLBACK_TERMS]]


class FullTextBackend(Protocol):
    async def candidates(self, db: AsyncSession, terms: list[list[str]], limit: int) -> list[int]:
        """Section ids containing any of the terms (each a list of words: a phrase), best first."""


class SqliteFts5:
    """FTS5 external-content table over folded text, Porter-stemmed, ranked by bm25 (heading weighted)."""

    async def candidates(self, db: AsyncSession, terms: list[list[str]], limit: int) -> list[int]:
        terms = {'"' + " ".join(ws) + '"' for ws in terms if ws}
        if not terms:
            return []
        query = " OR ".join(sorted(terms))
        rows = await db.execute(
            text(
                "SELECT rowid FROM policy_sections_fts WHERE policy_sections_fts MATCH :q "
                "ORDER BY bm25(policy_sections_fts, 3.0, 0.7, 1.0) LIMIT :n"
            ),
            {"q": query, "n": limit},
        )
        return [r[0] for r in rows]


class PostgresFullText:
    """A generated tsvector (english configuration, weights A/C/B) with a GIN index, ranked by ts_rank."""

    async def candidates(self, db: AsyncSession, terms: list[list[str]], limit: int) -> list[int]:
        terms = {"(" + " <-> ".join(ws) + ")" for ws in terms if ws}
        if not terms:
            return []
        query = " | ".join(sorted(terms))
        rows = await db.execute(
            text(
                "SELECT s.id FROM policy_sections s, to_tsquery('english', :q) q "
                "WHERE s.search_tsv @@ q ORDER BY ts_rank(s.search_tsv, q) DESC, s.id LIMIT :n"
            ),
            {"q": query, "n": limit},
        )
        return [r[0] for r in rows]


def backend_for(db: AsyncSession) -> FullTextBackend:
    name = db.bind.dialect.name if db.bind is not None else "sqlite"
    if name == "postgresql":
        return PostgresFullText()
    if name == "sqlite":
        return SqliteFts5()
    raise NotImplementedError(f"no full-text search for {name}")


# --- scoring --------------------------------------------------------------------------------------------------------
@dataclass
class SectionFields:
    """A section's stems by field, as stored in `PolicySection.stems` ("heading\\tcontext\\tbody")."""

    heading: list[str]
    context: list[str]
    body: list[str]

    @staticmethod
    def parse(value: str) -> SectionFields:
        parts = (value or "").split("\t")
        parts += [""] * (3 - len(parts))
        return SectionFields(parts[0].split(), parts[1].split(), parts[2].split())

    @staticmethod
    def store(heading: list[str], context: list[str], body: list[str]) -> str:
        return "\t".join(" ".join(x) for x in (heading, context, body))


def count_phrase(tokens: list[str], joined: str, counts: Counter[str], phrase: Phrase) -> int:
    if len(phrase) == 1:
        return counts.get(phrase[0], 0)
    if phrase[0] not in counts:
        return 0
    return joined.count(" " + " ".join(phrase) + " ")


@dataclass
class Hit:
    section: PolicySection
    document: PolicyDocument
    score: float  # the ranking score (BM25F x coverage)
    coverage: float  # 0..1: share of the question's weighted concepts the section contains
    matched: list[str]  # keys of matched concepts
    # Every concept is in the document title or parent headings, none in this heading: the question is
    # about the document (or chapter) as a whole.
    about_whole: bool = False
    best_passage: float = 0.0  # the best unit's share of the question (see passages.scored_units)


def score_section(
    fields: SectionFields, concepts: list[Concept], lexicon: Lexicon, pairs: list[Phrase] = ()
) -> tuple[float, float, list[str], bool]:
    prepared = []
    for tokens in (fields.heading, fields.context, fields.body):
        prepared.append((tokens, " " + " ".join(tokens) + " ", Counter(tokens)))
    norm = K1 * (1 - B + B * len(fields.body) / max(lexicon.avg_length, 1.0))
    total_weight = sum(c.weight for c in concepts) or 1.0
    bm25 = covered = ranked_cover = 0.0
    matched: list[str] = []
    heading_words = {t for t in fields.heading if t not in _STOP_STEMS and not t.isdigit()}
    heading_hit: set[str] = set()
    all_in_context = True
    for concept in concepts:
        tf_h = tf_c = tf_b = 0
        literal = concept.literal is None
        for p in concept.alternatives:
            h, c, b = (count_phrase(*prepared[f], p) for f in range(3))
            if h:
                heading_hit.update(p)
            literal = literal or (same_word(p, concept.literal) and bool(h or c or b))
            tf_h, tf_c, tf_b = max(tf_h, h), max(tf_c, c), max(tf_b, b)
        all_in_context = all_in_context and tf_c > 0
        tf = HEADING_WEIGHT * tf_h + CONTEXT_WEIGHT * tf_c + tf_b
        if tf <= 0:
            continue
        weight = concept.weight * (1.0 if literal else SYNONYM_FACTOR)  # the question's own word counts most
        bm25 += weight * tf * (K1 + 1) / (tf + norm)
        covered += concept.weight  # for confidence a synonym is a match; for ranking it counts a little less
        ranked_cover += weight
        matched.append(concept.key)
    weights = {c.key: c.weight for c in concepts}
    for pair in pairs:  # words the question puts side by side, side by side in the section too
        tf = sum(w * count_phrase(*prepared[f], pair) for f, w in ((0, HEADING_WEIGHT), (1, CONTEXT_WEIGHT), (2, 1.0)))
        if tf > 0:
            weight = min(weights.get(pair[0], 0.0), weights.get(pair[1], 0.0)) * PAIR_FACTOR
            bm25 += weight * tf * (K1 + 1) / (tf + norm)
    coverage = covered / total_weight
    precision = len(heading_words & heading_hit) / len(heading_words) if heading_words else 0.0
    score = bm25 * (ranked_cover / total_weight) ** 2 * (1 + HEADING_BONUS * precision)
    return score, coverage, matched, all_in_context and not heading_hit


@dataclass
class SearchResult:
    concepts: list[Concept]
    hits: list[Hit]
    lexicon: Lexicon | None = None  # the word statistics the search used (so the caller need not fetch them)


async def search(db: AsyncSession, question: str, *, limit: int = 5, backend: FullTextBackend | None = None) -> SearchResult:
    lexicon = await lexicon_for(db)
    concepts, pairs = analyse_query(question, lexicon)
    if not concepts or lexicon.sections == 0:
        return SearchResult(concepts, [], lexicon)
    backend = backend or backend_for(db)
    ids = await backend.candidates(db, selective_terms(concepts, lexicon), CANDIDATES)
    if not ids:
        return SearchResult(concepts, [], lexicon)
    rows = (
        await db.execute(
            select(PolicySection, PolicyDocument)
            .join(PolicyDocument, PolicyDocument.id == PolicySection.document_id)
            .where(PolicySection.id.in_(ids))
        )
    ).all()
    hits = []
    for section, document in rows:
        score, coverage, matched, about_whole = score_section(SectionFields.parse(section.stems), concepts, lexicon, pairs)
        if matched:
            hits.append(Hit(section, document, score, coverage, matched, about_whole))
    hits.sort(key=lambda h: (-h.score, h.section.document_id, h.section.position))
    rerank_by_best_passage(hits[:RERANK], concepts, answer_cue(question))
    hits.sort(key=lambda h: (-h.score, h.section.document_id, h.section.position))
    if hits and hits[0].about_whole:
        # "what does a firefighter do?": the opening section of that document (or chapter) answers it.
        best = hits[0]
        same = [h for h in hits if h.about_whole and h.section.document_id == best.section.document_id
                and h.section.path == best.section.path]
        first = min(same, key=lambda h: h.section.position)
        if first is not best:
            first.score = max(first.score, best.score)
            hits.remove(first)
            hits.insert(0, first)
    return SearchResult(concepts, hits[:limit], lexicon)


def rerank_by_best_passage(hits: list[Hit], concepts: list[Concept], cue: re.Pattern[str] | None) -> None:
    """Favour the section with one sentence or list item (with its lead-in) that holds most of the question,
    and that states the kind of fact asked for, over one that mentions the words here and there."""
    for hit in hits:
        units = units_of(hit.section.body, hit.section.heading)
        context = " ".join([hit.document.title, hit.section.path, hit.section.heading])
        scores = scored_units(units, concepts, cue, context, window=True)
        hit.best_passage = max(scores, default=0.0)
        hit.score *= 1 + UNIT_FACTOR * hit.best_passage


def section_stems(heading: str, context: str, body: str) -> str:
    """What `PolicySection.stems` holds for a section's text."""
    return SectionFields.store(
        [stem(w) for w in words(fold(heading))],
        [stem(w) for w in words(fold(context))],
        [stem(w) for w in words(fold(body))],
    )


_SPACES = re.compile(r"\s+")


def folded(text_: str) -> str:
    """Folded text for the full-text columns (one spelling, "L&D" as "landd")."""
    return _SPACES.sub(" ", fold(text_)).strip()
