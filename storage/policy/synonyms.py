"""Words that mean the same in an L&D question: sector acronyms, everyday words, British/US variants.

The built-in groups below cover the acronyms and terms common across UK fire and police services; the L&D
team adds their own pairs to the `policy_synonyms` table (`ldbot policy synonym add TERM MEANING`), and the
two are merged into groups each time the search reloads its word statistics.
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.policy.text import fold, stems, words

DEFAULT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ipdr", "individual performance and development review", "performance and development review", "appraisal",
     "performance review", "pdr", "annual review", "personal development review"),
    ("ipds", "integrated personal development system"),
    ("nos", "national occupational standards", "national occupational standard"),
    ("nog", "national operational guidance"),
    ("crmp", "community risk management plan", "irmp", "integrated risk management plan"),
    ("cpd", "continuing professional development", "continuous professional development"),
    ("cvf", "competency and values framework"),
    ("landd", "learning and development", "training department"),
    ("line manager", "boss", "supervisor", "gaffer"),
    ("rpl", "apl", "recognition of prior learning", "accreditation of prior learning", "prior learning",
     "previous qualifications", "existing qualifications", "prior learning recognised",
     "recognise prior learning", "previous experience"),
    ("risk critical", "safety critical"),
    ("mandatory", "compulsory", "obligatory", "required", "requirement", "have to", "has to", "need to",
     "must", "obliged"),
    ("workplace", "at work", "on the job", "in the job"),
    ("development plan", "learning pathway", "personal development plan", "pdp", "training plan"),
    ("breathing apparatus", "ba"),
    ("lapse", "lapsed", "expire", "expired", "run out", "ran out", "out of date", "gone out of date"),
    ("record", "log", "logged", "logging", "write up"),
    ("revalidation", "revalidate", "recertification", "recertify", "requalify", "requalification", "reassess",
     "reassessed", "reassessment", "reassessing"),
    ("maintenance of competence", "moc", "maintaining competence", "maintain competence", "maintaining skills",
     "keep skills up to date", "keep my skills up to date", "skills up to date"),
    ("role profile", "job description", "role description", "job profile"),
    ("reflection", "reflective practice", "reflective log", "reflective account"),
    ("accountabilities", "responsibilities", "duties", "responsible for", "accountable for"),
    ("new starter", "new recruit", "trainee", "new joiner"),
    ("promotion", "new role", "promoted"),
    ("funding", "pay for", "paid for", "sponsor", "sponsorship", "fund", "refund", "refunded", "reimburse",
     "reimbursed"),
    ("qualification", "degree", "diploma", "certificate"),
    ("check in", "mid year", "six month review", "interim review", "half year review"),
    ("capability", "underperformance", "poor performance", "not making progress", "struggling",
     "falling behind", "expected progress", "extra support", "not going to plan"),
    ("people development", "develop their crew", "develop my crew", "develop the crew", "develop their team",
     "develop my team", "developing others", "coaching", "coach", "coaches"),
    ("assessment", "test", "exam", "examination"),
    ("complete", "finish", "completion", "finished"),
    ("request", "book", "apply for", "sign up for", "enrol on", "booking", "apply"),
    ("reasonable adjustments", "adjustments", "disability", "dyslexia", "dyslexic"),
    ("course", "training course", "class"),
    ("cancel", "cancellation", "drop out", "pull out", "cannot attend", "can not attend"),
    ("assessor", "verifier", "internal verifier", "iv"),
    ("drill", "drills", "exercise", "exercises", "practice session"),
    ("mileage", "petrol", "petrol money", "fuel", "fuel costs", "travel costs", "travel expenses", "car allowance"),
    ("accommodation", "hotel", "overnight stay", "stay overnight", "residential", "somewhere to stay"),
    ("meal", "meals", "food", "subsistence"),
    ("repay", "pay back", "paying back", "claw back", "clawback"),
    ("cost", "costs", "fee", "fees", "price"),
    ("deadline", "closing date", "cut off date", "last date", "due date"),
    ("collision", "crash", "crashed", "accident", "bump", "prang"),
    ("appliance", "fire engine", "fire appliance", "fire truck", "service vehicle"),
    ("emergency response driving", "blue light driving", "blue light", "blue lights", "response driving"),
    ("repeat", "repeating", "redo", "re do", "do again"),
    ("penalty points", "points on my licence", "points on licence", "speeding points", "endorsement"),
    ("sergeant", "sgt"),
)

Phrase = tuple[str, ...]  # a sequence of stems


def build_groups(user_pairs: Iterable[tuple[str, str]] = ()) -> tuple[list[list[Phrase]], dict[Phrase, list[str]]]:
    """Union the built-in groups with the L&D team's pairs.

    Returns the groups (each a list of stem phrases) and each phrase's folded words, which is what the
    full-text engines are queried with (they stem by themselves).
    """
    parent: dict[Phrase, Phrase] = {}
    surface: dict[Phrase, list[str]] = {}

    def find(p: Phrase) -> Phrase:
        parent.setdefault(p, p)
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    def union(a: Phrase, b: Phrase) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    order: list[Phrase] = []

    def phrase(text: str) -> Phrase | None:
        p = tuple(stems(text))
        if not p:
            return None
        if p not in parent:
            order.append(p)
            surface[p] = words(fold(text))
        find(p)
        return p

    for group in DEFAULT_GROUPS:
        phrases = [p for p in (phrase(t) for t in group) if p]
        for other in phrases[1:]:
            union(phrases[0], other)
    for term, means in user_pairs:
        a, b = phrase(term), phrase(means)
        if a and b:
            union(a, b)
    groups: dict[Phrase, list[Phrase]] = {}
    for p in order:
        groups.setdefault(find(p), []).append(p)
    return [g for g in groups.values() if len(g) > 1], surface
