"""Words as the search sees them: folded, British-spelt, tokenised and stemmed the same way everywhere.

Documents and questions go through the same `fold()`, so spelling variants ("organization"/"organisation",
"practise"/"practice", "L&D"/"L and D") meet in the middle whichever side used which. Stemming is Snowball
English (Porter2), the algorithm PostgreSQL's `english` configuration uses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")

# US spellings (and British verb/noun pairs) mapped to one British form. Over-folding is harmless because
# both documents and questions are folded the same way.
_SPELLING = {
    "behavior": "behaviour",
    "behaviors": "behaviours",
    "behavioral": "behavioural",
    "center": "centre",
    "centers": "centres",
    "color": "colour",
    "defense": "defence",
    "enroll": "enrol",
    "enrollment": "enrolment",
    "enrolled": "enrolled",
    "favor": "favour",
    "fulfill": "fulfil",
    "fulfillment": "fulfilment",
    "honor": "honour",
    "judgment": "judgement",
    "labor": "labour",
    "license": "licence",
    "licenses": "licences",
    "offense": "offence",
    "practise": "practice",
    "practised": "practiced",
    "practising": "practicing",
    "program": "programme",
    "programs": "programmes",
    "counseling": "counselling",
    "counselor": "counsellor",
    "traveling": "travelling",
    "modeling": "modelling",
    "canceled": "cancelled",
    "catalog": "catalogue",
    "dialog": "dialogue",
    "gray": "grey",
    "mentorship": "mentoring",
}
_IZE = re.compile(r"\b([a-z]{3,})iz(e|es|ed|ing|ation|ations|er|ers)\b")
_YZE = re.compile(r"\b([a-z]{2,})yz(e|es|ed|ing)\b")
_LAND_D = re.compile(r"\bl\s*(?:&|and|n)\s*d\b")
_POSSESSIVE = re.compile(r"(\w)['’]s\b")

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before being below
    between both but by can cannot could did didn do does doesn doing don down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is isn it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves
    im ive id ill youre whats wheres hows theres dont cant wont isnt arent
    also anyone anybody someone somebody something anything thing things get gets got getting go going know
    tell told say said please thanks thank cheers ok okay hello hi hey yes yeah mate guys bye
    need needs needed want wants like would could might may shall
    us use used using via per etc eg ie onto upon
    policy policies rule rules guidance procedure say says mean means meaning
    often frequently long much many stand main happen happens happened involve involves exactly really
    actually allowed able still ever soon usually normally typically generally kind type sort way ways best
    take takes took basically supposed let lets find out
    """.split()
)

# Words that carry a question's intent but are too common in any policy to decide between sections.
WEAK_WORDS = frozenset({"staff", "member", "members", "service", "work", "time", "year", "new"})

# Everyday verbs, adjectives and adverbs that turn up in questions. When the documents do not use one, it
# counts for little: "does my manager see my reflections" is still a question about reflections. Nouns
# are deliberately absent, so "canteen" or "password" still weigh heavily against a confident answer.
GENERAL_WORDS = frozenset(
    """
    see seen saw look looking put give given gave make made makes making find finding found keep kept
    show shows explain explained help helps ask asking asked call called start started starting stop stopped
    change changed changing check checked checking happen done doing go goes went gone come comes came
    think feel felt sure right wrong fine good bad better worse easy hard difficult quick quickly slow early
    late soon again back already yet whole first last next fail failed failing pass passed passing run
    running ran expire expired expiring notice sorted sort fix fixed try tried trying write wrote send sent
    bring brought tell stay okay possible possibly definitely properly correct correctly enough
    long longer short shorter big small different same true false anyone everyone whoever somewhere
    become becomes becoming count counts counted
    """.split()
)


def fold(text: str) -> str:
    """Lower-case, plain ASCII-ish text with one spelling for each word; punctuation kept for display."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _LAND_D.sub("landd", text)
    text = _POSSESSIVE.sub(r"\1", text)
    text = _IZE.sub(lambda m: f"{m.group(1)}is{m.group(2)}", text)
    text = _YZE.sub(lambda m: f"{m.group(1)}ys{m.group(2)}", text)
    return _WORD.sub(lambda m: _SPELLING.get(m.group(0), m.group(0)), text)


def words(folded: str) -> list[str]:
    """Tokens of already-folded text."""
    return _WORD.findall(folded)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def stems(text: str) -> list[str]:
    """Every word's stem, stopwords included (so phrases such as "learning and development" still match)."""
    return [stem(w) for w in words(fold(text))]
