"""The text console: type questions, read the answers the bot would post.

Like errbot's text mode, it runs the whole answering pipeline with no chat server. Besides
questions it knows a few commands: ``/sources``, ``/timeline TOPIC``, ``/reload``, ``/help``.
Works interactively and with input piped in: piped, each answer follows its question (echoed
as ``> question``) so that answers can be matched to questions, and nothing invites typing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.core.answer import Suggestion
from bot.core.compose import format_date
from bot.core.library import Library
from bot.core.normalise import valid_text
from bot.core.render import render_text, sources_text

COMMANDS: dict[str, str] = {
    "/sources": "every source the knowledge store cites",
    "/timeline TOPIC": "how the answer on a topic changed over time",
    "/timeline TOPIC --png FILE": "…and write it as a chart to a PNG file",
    "/topics": "the topics /timeline knows",
    "/reload": "read the knowledge files again",
    "/help": "this list",
    "/quit": "leave (Ctrl-D too)",
}


def commands_help() -> str:
    """The console's commands, one a line, for ``/help`` and ``chat --help``."""
    width = max(len(name) for name in COMMANDS)
    return "\n".join(f"  {name:<{width}}  {what}" for name, what in COMMANDS.items())


HELP = f"""Ask anything, e.g. "when is season 2 out?" or "who plays cheong-san?".
Commands:
{commands_help()}"""


def _timeline_text(library: Library, topic: str) -> str:
    engine = library.engine
    if topic not in engine.topics():
        return f"Unknown topic {topic!r}. Topics: {', '.join(engine.topics())}"
    timeline = engine.timeline(topic)
    if not timeline.steps:
        return f"Nothing recorded on {topic} yet."
    lines = [f"Timeline: {topic}"]
    for step in timeline.steps:
        suffix = f" [{', '.join(step.marks)}]" if step.marks else ""
        lines.append(f"- {format_date(step.date)}: {step.text} ({step.attribution}){suffix}")
    return "\n".join(lines)


class Console:
    """One console session: answers lines, and remembers the last "Did you mean" choices so
    that typing a number picks one, as pressing its button does in Discord."""

    def __init__(self, library: Library, *, interactive: bool = True) -> None:
        self.library = library
        self.interactive = interactive
        self.choices: tuple[Suggestion, ...] = ()

    def _timeline(self, arguments: str) -> str:
        """``/timeline TOPIC [--png FILE]``: the timeline as text, and as a picture on request."""
        topic, _, png = arguments.partition("--png")
        topic, png = topic.strip(), png.strip()
        text = _timeline_text(self.library, topic)
        if "--png" not in arguments or topic not in self.library.engine.topics():
            return text
        if not png:
            return f"{text}\n(Give the picture a file name: /timeline {topic} --png FILE.png)"
        from bot.core.chart import render_timeline

        chart = render_timeline(self.library.engine.timeline(topic), topic)
        try:
            Path(png).write_bytes(chart.png)
        except OSError as exc:
            return f"{text}\nCould not write {png}: {exc.strerror or exc}"
        return f"{text}\nChart ({chart.width}×{chart.height} PNG) written to {png}"

    def reply(self, line: str) -> str | None:
        """The console's reply to one input line, or None to quit."""
        text = line.strip()
        if text in {"/quit", "/exit"}:
            return None
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            choice = self.choices[int(text) - 1]
            self.choices = ()
            engine = self.library.engine
            return render_text(
                engine.answer_intent(choice.intent, choice.entities, pack_id=choice.pack)
            )
        if text == "/help":
            return HELP
        if text == "/topics":
            return ", ".join(self.library.engine.topics())
        if text == "/sources":
            return sources_text(self.library.engine.source_groups())
        if text.startswith("/timeline"):
            return self._timeline(text.removeprefix("/timeline").strip())
        if text == "/reload":
            result = self.library.reload()
            shown = (*result.problems, *result.warnings)
            return "\n".join([result.summary(), *(f"  {p}" for p in shown)])
        answer = self.library.engine.ask(line)
        self.choices = answer.suggestions
        shown = render_text(answer)
        if answer.suggestions and self.interactive:
            count = len(answer.suggestions)
            shown += "\n(Type 1 to choose.)" if count == 1 else f"\n(Type 1–{count} to choose.)"
        return shown


def run_console(library: Library, stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    console = Console(library, interactive=interactive)
    if interactive:
        stdout.write(f"{HELP}\n")
    while True:
        if interactive:
            stdout.write("\n> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        question = valid_text(line.rstrip("\n"))
        if not interactive:
            stdout.write(f"> {question.strip()}\n")
        answer = console.reply(question)
        if answer is None:
            return 0
        stdout.write(answer + "\n")
        if not interactive:
            stdout.write("\n")
        stdout.flush()
