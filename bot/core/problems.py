"""Validation problems: what is wrong, where, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a knowledge file, located as precisely as we can."""

    file: str
    line: int | None
    location: str
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.location:
            where = f"{where} ({self.location})"
        text = f"{where}: {self.message}"
        return f"{text}; expected {self.expected}" if self.expected else text


class KnowledgeError(Exception):
    """Raised when knowledge does not validate; carries every problem found in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the knowledge files"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
