"""Preview a knowledge change before it lands: validate pasted TOML against the live pack and
show the answers it would give, changing nothing.

A moderator pastes a claim, or a whole file; entries with an existing id replace the live
ones, as an edit would. The answers shown are those for every topic (and character) the
pasted claims touch.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass

from bot.core.answer import Answer
from bot.core.engine import Engine
from bot.core.loader import Knowledge, build_pack
from bot.core.problems import Problem

PREVIEW_FILE = "preview.toml"


@dataclass(frozen=True)
class PreviewResult:
    problems: tuple[Problem, ...]
    answers: tuple[Answer, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def preview(knowledge: Knowledge, text: str, pack_id: str | None = None) -> PreviewResult:
    packs = {p.info.id: p for p in knowledge.packs}
    live = packs.get(pack_id) if pack_id else next(iter(packs.values()), None)
    if live is None:
        problem = Problem(PREVIEW_FILE, None, "", "no pack to preview against")
        return PreviewResult((problem,), ())
    pack, problems = build_pack(live.folder, live.files, overlay={PREVIEW_FILE: text})
    if pack is None:
        return PreviewResult(tuple(sorted(problems)), ())
    engine = Engine(Knowledge((pack,), "preview", dt.datetime.now(dt.UTC)))
    touched: dict[tuple[str, tuple[str, ...]], None] = {}
    for claim in tomllib.loads(text).get("claim", []):
        touched[(claim["topic"], tuple(claim.get("entities", ())))] = None
    answers = tuple(
        engine.answer_intent(topic, entities, pack_id=pack.info.id) for topic, entities in touched
    )
    return PreviewResult((), answers)
