"""TOML syntax errors in plain words, for the moderators who edit knowledge files by hand.

The parser says "Expected newline or end of document after a statement" for a month 13 and
"Cannot overwrite a value" for a key written twice. :func:`explain` looks at the line the
parser stopped on and says what is wrong with it ("13 is not a month", "`id` is written
twice in this entry (first on line 2)"), with the line and column where the fix goes.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

QUOTE_LIMIT = 120
"""The offending line is quoted up to this many characters."""

_KEY_VALUE = re.compile(r"^(\s*)([A-Za-z0-9_\-.\"' ]+?)\s*=\s*(.*?)\s*$")
_DATE_LIKE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]*?)\s*(\]*)\s*(#.*)?$")
_BARE_WORD = re.compile(r"^[^\"'\[{\d+\-]")
_CURLY_QUOTES = "“”‘’„«»"


@dataclass(frozen=True)
class Explained:
    """Where a syntax error is (1-based) and what to tell the moderator."""

    line: int
    column: int
    message: str


def explain(text: str, parser_message: str, line: int, column: int) -> Explained:
    """The parser's error at ``line``:``column`` of ``text``, rewritten into plain words, with
    the offending line quoted."""
    lines = text.splitlines()
    for rule in (_unclosed_array, _unterminated, _twice, _header, _value):
        found = rule(lines, parser_message, line, column)
        if found is not None:
            at_line, at_column, words = found
            return Explained(at_line, at_column, f"{_quote(lines, at_line)}{words}")
    words = parser_message[:1].lower() + parser_message[1:]
    return Explained(line, column, f"{_quote(lines, line)}{words} (TOML syntax)")


def _quote(lines: list[str], line: int) -> str:
    if not 1 <= line <= len(lines) or not lines[line - 1].strip():
        return ""
    shown = lines[line - 1].strip().replace("`", "'")
    if len(shown) > QUOTE_LIMIT:
        shown = shown[: QUOTE_LIMIT - 1] + "…"
    return f"`{shown}`: "


Found = tuple[int, int, str] | None


def _key_value(lines: list[str], line: int) -> tuple[int, str, str] | None:
    """(column of the value, key, value) of a ``key = value`` line, comment included."""
    if not 1 <= line <= len(lines):
        return None
    match = _KEY_VALUE.match(lines[line - 1])
    if match is None:
        return None
    return match.start(3) + 1, match.group(2).strip(), match.group(3)


def _value(lines: list[str], message: str, line: int, column: int) -> Found:
    parsed = _key_value(lines, line)
    if parsed is None:
        if message.startswith("Expected '=' after a key"):
            return line, column, "a key needs `=` and a value after it (`key = value`)"
        return None
    at, key, value = parsed
    if message.startswith("Expected '=' after a key"):
        return line, column, "a key needs `=` and a value after it (`key = value`)"
    if not value or value.startswith("#"):
        return line, at, f"`{key}` has no value after `=`"
    if date := _date_problem(value):
        return line, at, date
    if value[0] in _CURLY_QUOTES or value[-1:] in _CURLY_QUOTES:
        return line, at, 'text goes in straight quotes `"…"`, not curly ones'
    if value.startswith(('"""', "'''")):
        return None
    if value.startswith(('"', "'")):
        quote = value[0]
        if message.startswith(("Illegal character '\\n'", "Unterminated string")):
            return line, at, f"the text has no closing quote {quote}"
        if message.startswith("Unescaped '\\'"):
            return (
                line,
                column,
                (
                    "a backslash in double-quoted text starts an escape: write \\\\ for one "
                    "backslash, or use single quotes"
                ),
            )
        if quote == "'" and message.startswith("Expected newline"):
            return (
                line,
                column,
                ("text in single quotes cannot hold an apostrophe; use double quotes"),
            )
        if message.startswith("Expected newline"):
            return line, column, "something follows the closing quote; is a quote missing?"
        return None
    if value in {"True", "False", "TRUE", "FALSE", "yes", "no", "Yes", "No"}:
        return line, at, "write true or false, in lower case"
    if message.startswith("Invalid value") and (
        value.endswith(('"', "'")) or _BARE_WORD.match(value)
    ):
        if value.endswith(('"', "'")):
            return line, at, f"the text has no opening quote {value[-1]}"
        return line, at, f'text goes in quotes: `{key} = "{value}"`'
    return None


def _date_problem(value: str) -> str | None:
    match = _DATE_LIKE.match(value)
    if match is None:
        return None
    year, separator, month, day = match.groups()
    if separator != "-":
        return f"dates are written with dashes, YYYY-MM-DD, not with {separator!r}"
    if not 1 <= int(month) <= 12:
        return f"{int(month)} is not a month"
    last = calendar.monthrange(int(year), int(month))[1]
    if not 1 <= int(day) <= last:
        name = calendar.month_name[int(month)]
        return f"{name} {year} has no day {int(day)} (it has {last} days)"
    if len(month) != 2 or len(day) != 2:
        written = f"{year}-{int(month):02d}-{int(day):02d}"
        return f"dates are written YYYY-MM-DD with two-digit months and days: {written}"
    rest = value[len(match.group(0)) :].lstrip()
    if rest and not rest.startswith("#"):
        return "something follows the date; dates are written YYYY-MM-DD, unquoted"
    return None


def _twice(lines: list[str], message: str, line: int, column: int) -> Found:
    if message.startswith("Cannot overwrite a value"):
        parsed = _key_value(lines, line)
        if parsed is None:
            return None
        _, key, _ = parsed
        first = _earlier_key(lines, line, key)
        where = f" (first on line {first})" if first else ""
        return (
            line,
            1 + len(lines[line - 1]) - len(lines[line - 1].lstrip()),
            (f"`{key}` is written twice in this entry{where}; keep one"),
        )
    declared = re.match(r"Cannot declare \((.*)\) twice", message)
    if declared is None:
        return None
    name = ".".join(part.strip().strip("'\"") for part in declared.group(1).split(",") if part)
    first = next(
        (
            number
            for number in range(1, line)
            if re.match(rf"^\s*\[\s*{re.escape(name)}\s*\]", lines[number - 1])
        ),
        None,
    )
    where = f" (first on line {first})" if first else ""
    return line, 1, f"the table [{name}] is declared twice{where}; a file holds it once"


def _earlier_key(lines: list[str], line: int, key: str) -> int | None:
    """The line where ``key`` was first set in the same table as ``line``."""
    for number in range(line - 1, 0, -1):
        text = lines[number - 1]
        if _HEADER.match(text) and text.strip().startswith("["):
            return None
        parsed = _KEY_VALUE.match(text)
        if parsed and parsed.group(2).strip() == key:
            return number
    return None


def _unterminated(lines: list[str], message: str, line: int, column: int) -> Found:
    """A multi-line text never closed: the parser stops at the end of the file, so point
    at the line that opened it."""
    if not message.startswith("Unterminated string"):
        return None
    for number in range(min(line, len(lines)), 0, -1):
        parsed = _key_value(lines, number)
        if parsed is not None and parsed[2].startswith(('"""', "'''")):
            at, key, value = parsed
            rest = value[3:]
            if value[:3] not in rest:
                return number, at, f"the text of `{key}` opened with {value[:3]} is never closed"
    return None


def _header(lines: list[str], message: str, line: int, column: int) -> Found:
    if message.startswith("Expected ']]' at the end of an array declaration"):
        return line, column, "a list entry header needs two closing brackets: `[[name]]`"
    if message.startswith("Expected ']' at the end of a table declaration"):
        return line, column, "a table header needs its closing bracket: `[name]`"
    if message.startswith("Invalid statement") and 1 <= line <= len(lines):
        if lines[line - 1].lstrip().startswith("="):
            return line, column, "`=` needs a key before it (`key = value`)"
        return line, column, "a line is either `key = value` or a `[table]` header"
    return None


def _unclosed_array(lines: list[str], message: str, line: int, column: int) -> Found:
    if not message.startswith("Unclosed array"):
        return None
    inside = 1 <= line <= len(lines) and lines[line - 1].strip()[:1] in {'"', "'"}
    for number in range(min(line, len(lines)), 0, -1):
        parsed = _key_value(lines, number)
        if parsed is not None and parsed[2].startswith("["):
            at, key, value = parsed
            if inside and number != line:
                return (
                    line,
                    column,
                    (
                        f"the items of `{key}` (the list opened on line {number}) are separated "
                        "by commas: is one missing at the end of the line before?"
                    ),
                )
            if number == line or value.rstrip().endswith("]"):
                return number, at, (f'the items of `{key}` are separated by commas: `["a", "b"]`')
            return number, at, f"the list `{key}` opened here is never closed with `]`"
    return None
