"""Load knowledge packs from TOML files and validate them as a whole.

A pack is a folder under the knowledge root. Every ``*.toml`` file in it (at any depth)
may hold any of the tables ``[pack]``, ``[[source]]``, ``[[claim]]``, ``[[person]]``,
``[[character]]``, ``[[intent]]``, ``[[smalltalk]]`` and ``[[language]]``, so a moderator
can add a claim by adding a file.
Loading either returns the whole knowledge or raises :class:`KnowledgeError` listing every
problem with its file and line: callers keep serving what they had before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli
from pydantic import ValidationError

from bot.core.models import (
    Character,
    Claim,
    Intent,
    Language,
    PackFile,
    PackInfo,
    Person,
    SmallTalk,
    Source,
)
from bot.core.normalise import compact, tokens
from bot.core.problems import KnowledgeError, Problem
from bot.core.reading import read_pack
from bot.core.toml_errors import explain

_TABLES = ("source", "claim", "person", "character", "intent", "smalltalk", "language")
_TABLE_HEADER = re.compile(r"^\s*\[\[\s*(\w+)\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[\[?\s*\w+\s*\]\]?\s*$")
_ID_LINE = re.compile(r"^\s*id\s*=\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class Pack:
    """One show's validated knowledge, indexed by id."""

    info: PackInfo
    folder: str
    sources: Mapping[str, Source]
    claims: Mapping[str, Claim]
    people: Mapping[str, Person]
    characters: Mapping[str, Character]
    intents: Mapping[str, Intent]
    files: Mapping[str, str] = field(repr=False)
    smalltalk: Mapping[str, SmallTalk] = field(default_factory=dict)
    languages: Mapping[str, Language] = field(default_factory=dict)
    """How each language asks a yes/no question (``[[language]]``), by language code."""

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sources": len(self.sources),
            "claims": len(self.claims),
            "people": len(self.people),
            "characters": len(self.characters),
            "intents": len(self.intents),
        }


@dataclass(frozen=True)
class Knowledge:
    """Every pack under one root, with a hash of the exact file contents."""

    packs: tuple[Pack, ...]
    content_hash: str
    loaded_at: dt.datetime
    warnings: tuple[Problem, ...] = ()
    """Problems that did not stop the load (a file that defines nothing)."""

    def totals(self) -> dict[str, int]:
        totals = {"packs": len(self.packs)}
        for pack in self.packs:
            for key, value in pack.counts.items():
                totals[key] = totals.get(key, 0) + value
        return totals


def content_hash(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def pack_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_knowledge(root: Path) -> Knowledge:
    """Load and validate every pack under ``root``; raise KnowledgeError on any problem."""
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "", "knowledge folder not found")])
    packs: list[Pack] = []
    problems: list[Problem] = []
    all_files: dict[str, str] = {}
    folders = pack_folders(root)
    if not folders:
        problems.append(Problem(str(root), None, "", "no pack folders found"))
    for folder in folders:
        read = read_pack(folder)
        problems.extend(read.problems)
        all_files.update({f"{folder.name}/{name}": text for name, text in read.files.items()})
        pack, found = build_pack(folder.name, read.files, undecodable=read.undecodable)
        problems.extend(found)
        if pack is not None and not read.problems:
            packs.append(pack)
    problems.extend(_cross_pack_problems(packs))
    errors = [p for p in problems if not p.warning]
    if errors:
        raise KnowledgeError(problems)
    return Knowledge(
        tuple(packs),
        content_hash(all_files),
        dt.datetime.now(dt.UTC),
        tuple(sorted(problems)),
    )


def build_pack(
    folder: str,
    files: Mapping[str, str],
    overlay: Mapping[str, str] | None = None,
    *,
    undecodable: Mapping[str, str] | None = None,
) -> tuple[Pack | None, list[Problem]]:
    """Parse and validate one pack from file texts; warnings do not stop it.

    ``overlay`` files (a moderator's preview) replace any entry of the same id instead of
    clashing with it, so an edited claim can be previewed against the live pack.
    ``undecodable`` files (already reported) are only read for the ids they declare.
    """
    problems: list[Problem] = []
    entries: dict[str, dict[str, tuple[Any, str, int | None]]] = {t: {} for t in _TABLES}
    infos: list[tuple[PackInfo, str]] = []
    unchecked: dict[str, set[str]] = {t: set() for t in _TABLES}
    """Ids declared in files that failed to parse or validate: already reported there, so a
    reference to one is not reported again (one bad source must not flag every claim)."""
    for text in (undecodable or {}).values():
        for table, ids in _declared_ids(text).items():
            unchecked[table] |= ids
    layers = [(files, False), (overlay or {}, True)]
    for layer, replaces in layers:
        for name, text in sorted(layer.items()):
            positions = _Positions(text)
            parsed = _parse_file(f"{folder}/{name}", text, positions, problems)
            if parsed is None:
                for table, ids in _declared_ids(text).items():
                    unchecked[table] |= ids
                continue
            if parsed.pack is not None:
                infos.append((parsed.pack, name))
            elif not any(getattr(parsed, table) for table in _TABLES) and name != "pack.toml":
                problems.append(_empty_file(f"{folder}/{name}", text))
            for table in _TABLES:
                for index, item in enumerate(getattr(parsed, table)):
                    line = positions.entry_line(table, index)
                    previous = entries[table].get(item.id)
                    if previous is not None and not replaces:
                        problems.append(
                            Problem(
                                f"{folder}/{name}",
                                line,
                                f"{table} '{item.id}'",
                                f"duplicate {table} id '{item.id}'",
                                f"ids unique within the pack (first at {previous[1]}"
                                + (f":{previous[2]})" if previous[2] else ")"),
                            )
                        )
                        continue
                    entries[table][item.id] = (item, f"{folder}/{name}", line)
    if not infos:
        empty = "pack.toml" in files and not files["pack.toml"].strip()
        problems.append(
            Problem(
                f"{folder}/pack.toml" if "pack.toml" in files else folder,
                None,
                "[pack]",
                "the file is empty: no [pack] table" if empty else "no [pack] table",
                "one file with [pack] id, title, seasons",
            )
        )
        return None, problems
    if len(infos) > 1:
        for _, name in infos[1:]:
            problems.append(Problem(f"{folder}/{name}", None, "[pack]", "second [pack] table"))
    info = infos[0][0]
    pack = Pack(
        info=info,
        folder=folder,
        sources={k: v[0] for k, v in entries["source"].items()},
        claims={k: v[0] for k, v in entries["claim"].items()},
        people={k: v[0] for k, v in entries["person"].items()},
        characters={k: v[0] for k, v in entries["character"].items()},
        intents={k: v[0] for k, v in entries["intent"].items()},
        files={**files, **(overlay or {})},
        smalltalk={k: v[0] for k, v in entries["smalltalk"].items()},
        languages={k: v[0] for k, v in entries["language"].items()},
    )
    origin = {table: {k: (v[1], v[2]) for k, v in entries[table].items()} for table in _TABLES}
    problems.extend(_reference_problems(pack, origin, unchecked))
    problems.extend(_alias_problems(pack, origin))
    problems.extend(_smalltalk_problems(pack, origin))
    problems.extend(_retire_cycles(pack, origin))
    if info.id != folder:
        problems.append(
            Problem(
                f"{folder}/{infos[0][1]}",
                _Positions(files.get(infos[0][1], "")).key_line("id"),
                "[pack] id",
                f"pack id '{info.id}' differs from its folder name",
                f"'{folder}'",
            )
        )
    return (None if any(not p.warning for p in problems) else pack), problems


def _empty_file(path: str, text: str) -> Problem:
    what = "is empty" if not text.strip() else "holds only comments"
    return Problem(
        path,
        None,
        "",
        f"the file {what} and defines nothing: any entries it had are gone",
        "at least one [[claim]], [[source]], [[person]], [[character]], [[intent]], "
        "[[smalltalk]] or [[language]], or no file",
        warning=True,
    )


def _parse_file(
    path: str, text: str, positions: _Positions, problems: list[Problem]
) -> PackFile | None:
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        found = explain(text, exc.msg, exc.lineno, exc.colno)
        problem = Problem(path, found.line, "TOML syntax", found.message, column=found.column)
        problems.append(problem)
        return None
    try:
        return PackFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_validation_problem(path, positions, data, error))
        return None


def _validation_problem(
    path: str, positions: _Positions, data: dict[str, Any], error: Any
) -> Problem:
    loc = tuple(error["loc"])
    line = None
    label = ".".join(str(part) for part in loc)
    if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in _TABLES:
        line = positions.entry_line(str(loc[0]), loc[1])
        entry = data.get(str(loc[0]), [])
        entry_id = (
            entry[loc[1]].get("id")
            if loc[1] < len(entry) and isinstance(entry[loc[1]], dict)
            else None
        )
        label = f"{loc[0]} '{entry_id}'" if entry_id else f"{loc[0]} #{loc[1] + 1}"
        if len(loc) > 2:
            label += " field " + ".".join(str(part) for part in loc[2:])
            key_line = positions.key_line(str(loc[2]), after=line)
            line = key_line or line
    elif loc and loc[0] == "pack":
        line = positions.key_line(str(loc[-1])) if len(loc) > 1 else None
        label = "[pack] " + ".".join(str(part) for part in loc[1:])
    kind = error["type"]
    message = error["msg"]
    expected = None
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
        expected = "only the fields the knowledge format defines (see knowledge/README.md)"
    elif kind == "missing":
        message = f"missing field '{loc[-1]}'"
    elif kind.startswith("date"):
        expected = "a date written YYYY-MM-DD"
    elif kind == "too_short" and "examples" in map(str, loc):
        expected = "at least 10 example phrasings"
    elif kind == "string_too_long":
        expected = f"at most {error.get('ctx', {}).get('max_length')} characters (Discord limit)"
    return Problem(path, line, label, message, expected)


class _Positions:
    """Where each ``[[table]]`` entry of one file starts, found in one pass over its lines,
    so locating every entry of a 15,000-claim file costs one scan, not one per entry."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.entries: dict[str, list[int]] = {}
        for number, line in enumerate(self.lines, start=1):
            if header := _TABLE_HEADER.match(line):
                self.entries.setdefault(header.group(1), []).append(number)

    def entry_line(self, table: str, index: int) -> int | None:
        starts = self.entries.get(table, [])
        return starts[index] if 0 <= index < len(starts) else None

    def key_line(self, key: str, after: int | None = None) -> int | None:
        """The line of ``key = ...`` at or after line ``after``, within the same table."""
        start = after or 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and _ANY_HEADER.match(line):
                return None
            if pattern.match(line):
                return number
        return None


Origin = Mapping[str, Mapping[str, tuple[str, int | None]]]


def _declared_ids(text: str) -> dict[str, set[str]]:
    """The ``id = "..."`` of each ``[[table]]`` entry in a file, read line by line, so that
    it works on a file that does not parse."""
    found: dict[str, set[str]] = {}
    table = None
    for line in text.splitlines():
        if header := _TABLE_HEADER.match(line):
            table = header.group(1)
        elif table in _TABLES and (id_line := _ID_LINE.match(line)):
            found.setdefault(table, set()).add(id_line.group(1))
    return found


def _reference_problems(
    pack: Pack, origin: Origin, unchecked: Mapping[str, set[str]]
) -> Iterable[Problem]:
    def problem(table: str, item_id: str, message: str, expected: str) -> Problem:
        file, line = origin[table][item_id]
        return Problem(file, line, f"{table} '{item_id}'", message, expected)

    sources = set(pack.sources) | unchecked["source"]
    intents = set(pack.intents) | unchecked["intent"]
    people = set(pack.people) | unchecked["person"]
    claims = set(pack.claims) | unchecked["claim"]
    entity_ids = set(pack.characters) | people | unchecked["character"]

    def unknown_sources(table: str, item_id: str, cited: Iterable[str]) -> Iterable[Problem]:
        for source_id in cited:
            if source_id not in sources:
                yield problem(table, item_id, f"cites unknown source '{source_id}'", "a source id")

    for claim in pack.claims.values():
        yield from unknown_sources("claim", claim.id, claim.sources)
        if claim.topic not in intents:
            yield problem("claim", claim.id, f"unknown topic '{claim.topic}'", "an intent id")
        for entity in claim.entities:
            if entity not in entity_ids:
                yield problem(
                    "claim", claim.id, f"unknown entity '{entity}'", "a character or person id"
                )
        for field_name in ("supersedes", "summarises", "contradicts"):
            for other in getattr(claim, field_name):
                if other not in claims or other == claim.id:
                    yield problem(
                        "claim", claim.id, f"{field_name} unknown claim '{other}'", "a claim id"
                    )
    for character in pack.characters.values():
        for person in character.played_by:
            if person not in people:
                yield problem(
                    "character", character.id, f"played_by unknown person '{person}'", "a person id"
                )
        cited = [s for status in character.status for s in status.sources]
        if character.previous_fate:
            cited += character.previous_fate.sources
        yield from unknown_sources("character", character.id, cited)
    for person in pack.people.values():
        yield from unknown_sources("person", person.id, person.sources)
    for source in pack.sources.values():
        if source.published and source.updated and source.updated < source.published:
            yield problem("source", source.id, "updated before published", "updated >= published")


def _alias_problems(pack: Pack, origin: Origin) -> Iterable[Problem]:
    owners: dict[str, tuple[str, str]] = {}
    named: list[tuple[str, Character | Person]] = [
        *(("character", c) for c in pack.characters.values()),
        *(("person", p) for p in pack.people.values()),
    ]
    for table, item in named:
        for name in {item.name, *item.aliases}:
            key = compact(name)
            if not key:
                file, line = origin[table][item.id]
                yield Problem(file, line, f"{table} '{item.id}'", f"alias '{name}' has no letters")
                continue
            owner = owners.get(key)
            if owner is not None and owner[1] != item.id:
                file, line = origin[table][item.id]
                yield Problem(
                    file,
                    line,
                    f"{table} '{item.id}'",
                    f"alias '{name}' is also claimed by {owner[0]} '{owner[1]}'",
                    "each alias to name one character or person",
                )
            owners.setdefault(key, (table, item.id))


def _smalltalk_problems(pack: Pack, origin: Origin) -> Iterable[Problem]:
    """One phrasing may mean one kind of small talk only: "hi" cannot be a greeting and a
    thanks at once."""
    seen: dict[str, str] = {}
    for entry in pack.smalltalk.values():
        path, line = origin["smalltalk"][entry.id]
        for phrases in entry.examples.values():
            for phrase in phrases:
                key = " ".join(tokens(phrase))
                if not key:
                    yield Problem(
                        path,
                        line,
                        f"smalltalk '{entry.id}'",
                        f"phrasing {phrase!r} has no letters or digits",
                    )
                elif seen.setdefault(key, entry.id) != entry.id:
                    yield Problem(
                        path,
                        line,
                        f"smalltalk '{entry.id}'",
                        f"phrasing {phrase!r} is also small talk '{seen[key]}'",
                        "each phrasing in one smalltalk entry only",
                    )


def _cross_pack_problems(packs: list[Pack]) -> Iterable[Problem]:
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.info.id in seen:
            yield Problem(pack.folder, None, "[pack] id", f"pack id '{pack.info.id}' used twice")
        seen[pack.info.id] = pack.folder


def _retire_cycles(pack: Pack, origin: Origin) -> Iterable[Problem]:
    """Claims that retire each other in a loop (A supersedes B, B supersedes A): each loop
    once, named from its smallest id, at that claim's line. Iterative, so a long chain of
    supersedes cannot overflow the stack."""
    edges = {claim.id: sorted(claim.retires & pack.claims.keys()) for claim in pack.claims.values()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    loops: set[tuple[str, ...]] = set()
    for start in sorted(edges):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        branches = [iter(edges[start])]
        while branches:
            following = next(branches[-1], None)
            if following is None:
                state[path.pop()] = 2
                branches.pop()
            elif state.get(following) == 1:
                loop = path[path.index(following) :]
                first = loop.index(min(loop))
                loops.add(tuple(loop[first:] + loop[:first]))
            elif following not in state:
                state[following] = 1
                path.append(following)
                branches.append(iter(edges[following]))
    for loop in sorted(loops):
        chain = " → ".join([*loop, loop[0]])
        fields = {
            "supersedes" if b in pack.claims[a].supersedes else "summarises"
            for a, b in zip(loop, [*loop[1:], loop[0]], strict=True)
        }
        file, line = origin["claim"][loop[0]]
        yield Problem(
            file,
            line,
            f"claim '{loop[0]}'",
            f"{'/'.join(sorted(fields))} loop: {chain}; claims that retire each other are "
            "never the answer",
            "an older claim never to retire a newer one",
        )
