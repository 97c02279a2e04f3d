"""The real-fan corpus: question rows modelled on pages fans and outlets wrote.

Each row is one JSON line::

    {"text": "...", "lang": "id", "intents": ["release"], "kind": "complaint",
     "page": "https://..."}

``intents`` lists every intent that would answer the row (more than one can be right); an
empty list means the row must be declined (another show, another season, chit-chat, an
unrelated request). ``page`` is the address of the page the row was modelled on: it keeps
the corpus honest (no row from a page reserved for independent evaluation) and decides the
split, so a page's rows are all in training or all in the frozen test split, never both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

Kind = Literal[
    "question",  # a plain question
    "complaint",  # "four years and still nothing", often with no question mark
    "reaction",  # all-caps, emoji, excitement or grief
    "rambling",  # a long post with the question somewhere inside
    "headline",  # an outlet's headline phrased as a question or a claim
    "worth-watching",  # "is it worth watching", "is it good"
    "fate",  # a character's fate: alive, dead, coming back, halfbie
    "misremembered-title",  # the show's name half remembered
    "series-two",  # "series two", "part 2", "the sequel", "the next one"
    "typo",  # heavy misspelling
    "other-show",  # another show's seasons: must be declined
    "other-zombie-drama",  # another Korean zombie drama or film: must be declined
    "other-season",  # a season the pack does not cover: must be declined
    "chit-chat",  # greetings, thanks, jokes: no knowledge intent
    "unrelated",  # unrelated requests: must be declined
    "no-source",  # about this show, but nothing its sources say (pay, budget, private lives)
]
KINDS: tuple[str, ...] = get_args(Kind)
"""The kinds of row, so figures can be reported per kind."""
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z]+)?$")]
"""ISO 639-1 (or -3) code, lower case, e.g. ``en``, ``ko``, ``id``, ``tl``, ``hi-latn``."""


class CorpusRow(BaseModel):
    """One real-fan-shaped question and what would answer it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    lang: LanguageCode
    intents: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")], ...]
    kind: Kind
    page: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    entities: tuple[str, ...] = Field(default=())

    @property
    def must_decline(self) -> bool:
        return not self.intents


class CorpusError(ValueError):
    """A corpus file has a row that is not valid JSON or not a valid row."""


def page_key(url: str) -> str:
    """The address as pages are compared: without the query string, fragment, trailing slash."""
    return url.strip().split("#", 1)[0].split("?", 1)[0].rstrip("/")


def split_of(url: str) -> Literal["train", "test"]:
    """Which split a page's rows belong to, fixed by the page's address alone."""
    digest = hashlib.sha1(page_key(url).encode("utf-8")).hexdigest()
    return "train" if digest[0] in "01234567" else "test"


def read_rows(path: Path) -> Iterator[CorpusRow]:
    """Yield the rows of a JSON-lines corpus file; blank lines are skipped."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield CorpusRow.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as error:
                raise CorpusError(f"{path}:{number}: {error}") from error


def load_corpus(path: Path) -> list[CorpusRow]:
    return list(read_rows(path))


def reserved_pages(lines: Iterable[str]) -> set[str]:
    """Page keys from a reserved-pages list (one address a line, ``#`` comments)."""
    return {page_key(line) for line in lines if line.strip() and not line.startswith("#")}
