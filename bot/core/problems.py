"""Validation problems: what is wrong, where, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file, located as precisely as we can.

    A ``warning`` does not stop the knowledge from loading (a file that defines nothing);
    every other problem does.
    """

    file: str
    line: int | None
    location: str
    message: str
    expected: str | None = None
    column: int | None = None
    warning: bool = False

    def _order(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.location, self.message)

    def __lt__(self, other: Problem) -> bool:
        """By file, then line (file-wide problems first), so a list reads top to bottom."""
        return self._order() < other._order()

    def __str__(self) -> str:
        if self.line is None:
            where = self.file
        elif self.column is None:
            where = f"{self.file}:{self.line}"
        else:
            where = f"{self.file}:{self.line}:{self.column}"
        if self.location:
            where = f"{where} ({self.location})"
        text = f"{'warning: ' if self.warning else ''}{where}: {self.message}"
        return f"{text}; expected {self.expected}" if self.expected else text


def count_words(problems: list[Problem] | tuple[Problem, ...]) -> str:
    """ "2 problems and 1 warning", counting errors and warnings apart."""
    warnings = sum(p.warning for p in problems)
    errors = len(problems) - warnings
    parts = [f"{errors} problem{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return " and ".join(parts)


class KnowledgeError(Exception):
    """Raised when knowledge does not validate; carries every problem found in one pass
    (warnings too, so they are shown with the errors)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        head = f"{count_words(self.problems)} in the knowledge files"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
