"""Yes/no questions: start the answer with the yes or no the question calls for.

"Is season 2 cancelled?" and "is season 2 renewed?" get the same claim, but one is
answered "No." and the other "Yes.". What a yes/no means lives in the data: the claim's
``verdict`` answers its topic's own yes/no question, and the intent's ``yes_no`` lists the
words that ask it (``asks``) or ask its reverse (``opposite``). This module only knows how
a yes/no question is built (an auxiliary verb first, no question word before it) and stays
silent whenever it is unsure: a negated question, or one about a particular time ("will it
be out in 2027?"), which a verdict about now does not answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.i18n import N_
from bot.core.models import Intent, Status, Verdict
from bot.core.normalise import contains_phrase, tokens


def _words(text: str) -> frozenset[str]:
    """Words folded as questions are ("will" → "wil"), so both sides agree."""
    return frozenset(tokens(text))


AUXILIARIES = _words(
    "is are was were will would has have had did does do can could should shall"
    " apakah"  # Indonesian marks a yes/no question with "apakah"
    " esta estan"  # Spanish "¿está cancelada?"
)
QUESTION_WORDS = _words(
    "what whats when whens where wheres who whos whom whose why how hows which"
    " kapan siapa bagaimana mengapa kenapa dimana"
)
NEGATIONS = _words(
    "not no never isnt arent wasnt werent wont wouldnt hasnt havent hadnt didnt doesnt"
    " dont cant couldnt shouldnt tidak bukan"
)
MONTHS = _words(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
)
_YEAR = re.compile(r"^(19|20)\d\d$")
POLAR_WINDOW = 4
"""The auxiliary must be among the first words ("so is it cancelled", "aoud s2 is it out")."""

_WORDS = {
    (True, Status.CONFIRMED): N_("Yes."),
    (False, Status.CONFIRMED): N_("No."),
    (True, Status.REPORTED): N_("Reportedly, yes."),
    (False, Status.REPORTED): N_("Reportedly, no."),
    (True, Status.EXPECTED): N_("Probably."),
    (False, Status.EXPECTED): N_("Probably not."),
}
"""The lead words by (yes?, certainty): message ids, shown in bold in the reply's language."""


def is_yes_no_question(words: Sequence[str]) -> bool:
    """An auxiliary verb among the first words, with no question word before it."""
    for word in words[:POLAR_WINDOW]:
        if word in QUESTION_WORDS:
            return False
        if word in AUXILIARIES:
            return True
    return False


def _names_a_time(words: Sequence[str]) -> bool:
    return any(_YEAR.match(word) or word in MONTHS for word in words)


def yes_no(
    intent: Intent, question: str, verdict: Verdict | None, certainty: Status | None
) -> str | None:
    """The message id of the words to start the answer with (``"No."``), or None to start
    with the answer."""
    if verdict is None or intent.yes_no is None or certainty not in _STATUSES:
        return None
    words = tokens(question)
    if not is_yes_no_question(words) or NEGATIONS & set(words) or _names_a_time(words):
        return None
    if any(contains_phrase(words, tokens(phrase)) for phrase in intent.yes_no.opposite):
        reverse = True
    elif any(contains_phrase(words, tokens(phrase)) for phrase in intent.yes_no.asks):
        reverse = False
    else:
        return None
    return _WORDS[((verdict is Verdict.YES) != reverse, certainty)]


_STATUSES = frozenset(status for _, status in _WORDS)
