"""The live knowledge: load, reload, and keep the last good knowledge on any error.

Front ends hold one :class:`Library` and read ``library.engine`` for every question. A reload
that finds problems leaves the engine untouched and reports the problems. ``reload`` may run
in a worker thread (the Discord bot does, so answers keep flowing): the new engine is built
whole and swapped in with one assignment, so a question sees either the old or the new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.engine import Engine
from bot.core.loader import Knowledge, load_knowledge
from bot.core.problems import KnowledgeError, Problem, count_words


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    knowledge: Knowledge | None
    problems: tuple[Problem, ...] = ()
    changed: bool = False
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What did not stop the load but a moderator should see (a file defining nothing)."""
        return self.knowledge.warnings if self.ok and self.knowledge is not None else ()

    def summary(self) -> str:
        if self.ok and self.knowledge is not None:
            totals = self.knowledge.totals()
            state = "reloaded" if self.changed else "unchanged"
            counts = ", ".join(f"{v} {k}" for k, v in totals.items())
            text = f"Knowledge {state} (hash {self.knowledge.content_hash}): {counts}"
            if count := len(self.warnings):
                text += f"; {count} warning{'s' if count != 1 else ''}"
            return text
        return f"Reload refused: {count_words(self.problems)}; kept the live knowledge."


class Library:
    """Holds the current engine for a knowledge root."""

    def __init__(
        self, root: Path, engine: Engine, build: Callable[[Knowledge], Engine] = Engine
    ) -> None:
        self.root = root
        self.engine = engine
        self.build = build
        """Makes the engine for a knowledge (the front ends pass one with learned deciders)."""
        self.last_result = ReloadResult(True, engine.knowledge)

    @classmethod
    def open(cls, root: Path, build: Callable[[Knowledge], Engine] = Engine) -> Library:
        """Load the knowledge, or raise KnowledgeError: with nothing good yet, nothing to serve."""
        return cls(root, build(load_knowledge(root)), build)

    @property
    def knowledge(self) -> Knowledge:
        return self.engine.knowledge

    def reload(self) -> ReloadResult:
        try:
            knowledge = load_knowledge(self.root)
        except KnowledgeError as exc:
            result = ReloadResult(False, None, tuple(exc.problems))
        except OSError as exc:
            problem = Problem(str(self.root), None, "", f"cannot read knowledge: {exc}")
            result = ReloadResult(False, None, (problem,))
        else:
            changed = knowledge.content_hash != self.engine.knowledge.content_hash
            if changed:
                self.engine = self.build(knowledge)
            result = ReloadResult(True, self.engine.knowledge, (), changed)
        self.last_result = result
        return result
