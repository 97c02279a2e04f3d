"""Score the engine on a labelled question file: accuracy, per-intent precision and recall,
the decline rate on questions it must not answer, and a confusion matrix.

Two JSON-lines formats are read:

- dev / held-out sets: ``{"question": ..., "intent": "<id>" or null, "also": [...],
  "tags": [...]}``; ``also`` lists other intents that answer it as well (the ``character``
  answer holds a character's cast line and fate, so it is right for "is X coming back");
- the real-fan corpus (:mod:`bot.core.corpus`): ``{"text": ..., "intents": [...], "lang":
  ..., "kind": ...}``, any listed intent right, ``[]`` = must be declined; figures are also
  given per language and per kind.

A null intent (or ``[]``) means the bot must not answer (decline or ask back both count as
correct).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.engine import Engine

NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Labelled:
    question: str
    intent: str | None
    entities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    """Other intents whose answer is right as well."""
    lang: str | None = None
    kind: str | None = None


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[tuple[Labelled, str]] = field(default_factory=list)
    by_tag: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_lang: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    ask_backs: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def precision_recall(self) -> dict[str, tuple[float, float, int]]:
        labels = sorted({*self.confusion, *(p for row in self.confusion.values() for p in row)})
        result = {}
        for label in labels:
            if label == NONE_LABEL:
                continue
            tp = self.confusion.get(label, Counter())[label]
            predicted = sum(row[label] for row in self.confusion.values())
            actual = sum(self.confusion.get(label, Counter()).values())
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            result[label] = (precision, recall, actual)
        return result

    @property
    def decline_rate(self) -> float:
        """Share of questions labelled "must not answer" that the bot did not answer."""
        row = self.confusion.get(NONE_LABEL, Counter())
        total = sum(row.values())
        return row[NONE_LABEL] / total if total else 0.0

    @property
    def wrong_answers(self) -> int:
        """Answers given with an intent other than the label: the errors that matter most."""
        return sum(
            count
            for actual, row in self.confusion.items()
            for predicted, count in row.items()
            if predicted != NONE_LABEL and predicted != actual
        )


def read_labelled(path: Path) -> list[Labelled]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if "text" in data:  # a corpus row
                intents = list(data["intents"])
                items.append(
                    Labelled(
                        data["text"],
                        intents[0] if intents else None,
                        tuple(data.get("entities", ())),
                        (data["kind"],),
                        tuple(intents[1:]),
                        data["lang"],
                        data["kind"],
                    )
                )
                continue
            items.append(
                Labelled(
                    data["question"],
                    data["intent"],
                    tuple(data.get("entities", ())),
                    tuple(data.get("tags", ())),
                    tuple(data.get("also", ())),
                    data.get("lang"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled question ({exc})") from exc
    return items


def evaluate(engine: Engine, items: list[Labelled]) -> Report:
    report = Report()
    for item in items:
        answer = engine.ask(item.question)
        predicted = answer.intent if answer.answered and answer.intent else NONE_LABEL
        actual = item.intent or NONE_LABEL
        if answer.suggestions:
            report.ask_backs += 1
        report.total += 1
        ok = predicted == actual or predicted in item.also
        report.confusion[actual][actual if ok else predicted] += 1
        report.correct += ok
        for tag in item.tags or ("untagged",):
            report.by_tag[tag][0] += ok
            report.by_tag[tag][1] += 1
        for table, key in ((report.by_lang, item.lang), (report.by_kind, item.kind)):
            if key is not None:
                table[key][0] += ok
                table[key][1] += 1
        if not ok:
            report.misses.append((item, predicted))
    return report


def format_report(report: Report, *, show_misses: bool = False) -> str:
    lines = [
        f"questions: {report.total}",
        f"accuracy: {report.accuracy:.1%}",
        f"decline rate on must-not-answer questions: {report.decline_rate:.1%}",
        f"wrong answers (answered with another intent): {report.wrong_answers}",
        f"asked back: {report.ask_backs}",
        "",
        f"{'intent':<18}{'precision':>10}{'recall':>8}{'n':>5}",
    ]
    for label, (precision, recall, n) in report.precision_recall().items():
        lines.append(f"{label:<18}{precision:>10.1%}{recall:>8.1%}{n:>5}")
    for title, table in (
        ("by tag:", report.by_tag),
        ("by language:", report.by_lang),
        ("by kind:", report.by_kind),
    ):
        if table and (table is not report.by_tag or not report.by_kind):
            lines += ["", title]
            for key, (ok, n) in sorted(table.items()):
                lines.append(f"  {key:<20}{ok / n:>7.1%} of {n}")
    labels = sorted({*report.confusion, *(p for r in report.confusion.values() for p in r)})
    short = {label: label[:6] for label in labels}
    lines += ["", "confusion (rows: label, columns: answered as):"]
    lines.append(" " * 16 + "".join(f"{short[c]:>7}" for c in labels))
    for actual in labels:
        row = report.confusion.get(actual, Counter())
        lines.append(f"{actual[:15]:<16}" + "".join(f"{row[c] or '.':>7}" for c in labels))
    if show_misses:
        lines += ["", "misses:"]
        for item, predicted in report.misses:
            lines.append(f"  [{item.intent or NONE_LABEL} → {predicted}] {item.question[:120]}")
    return "\n".join(lines)
