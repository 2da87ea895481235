"""Whether a question is about learning and development at all.

"Who won the football" and "order a pizza" are not gaps in the L&D team's documents: the chat says "I
can't help with that here" and the question is counted apart from the unanswered list. A question is off
topic when it names nothing in learning and development (the topic words below, or the words of the
documents' titles and headings) and nothing answered it; or when it is about an everyday subject outside
work learning (weather, sport, food ...), names no L&D topic, and no heading or title matched it, even if a
document's text happens to use the word ("firefighters work in all weathers").
"""

from __future__ import annotations

from storage.policy.text import stem

# Subjects of learning and development in UK fire and police services (as stems of their words).
LD_TOPICS = frozenset(
    stem(w)
    for w in """
    training train trained trainer trainee course courses class learning learn development develop cpd
    competence competent competency competences skill skills assessment assess assessor verifier exam
    examination test qualification qualified certificate degree diploma apprenticeship apprentice induction
    mentor mentoring coach coaching reflection reflective revalidation revalidate drill exercise module
    elearning e-learning workshop seminar conference study studying role profile promotion promoted
    accountabilities responsibilities framework standard standards nos nog cvf ipds ipdr pdr appraisal
    behaviours values evidence portfolio instructor tutor student probation funding fund landd
    development plan pathway secondment licence driving knowledge check record records
    """.split()
)
# Everyday subjects no L&D document is about.
OFF_TOPIC = frozenset(
    stem(w)
    for w in """
    weather forecast rain raining snow sunny football soccer cricket rugby tennis golf match fixture
    league pizza takeaway lunch dinner breakfast restaurant pub menu canteen recipe food cook cooking
    joke jokes funny music song songs film films movie movies tv television netflix telly game games
    lottery horoscope capital country population celebrity news gossip holiday holidays weekend
    shopping shop buy order parking park car wifi password email laptop printer gym
    """.split()
)


def is_off_topic(question_stems: set[str], domain: frozenset[str] | set[str], *, answered: bool, anchored: bool) -> bool:
    """Whether a question is outside learning and development.

    `question_stems`: every stem of the question's concepts and their synonyms; `domain`: the stems of the
    documents' titles and headings; `answered`: a document answered it confidently; `anchored`: that
    answer's heading or title holds one of the question's words (not just a passing mention in the text).
    """
    if question_stems & LD_TOPICS:
        return False
    everyday = bool(question_stems & OFF_TOPIC)
    if answered:
        return everyday and not anchored
    return everyday or not (question_stems & domain)
