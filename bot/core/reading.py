"""Read a pack folder's TOML files, reporting what cannot be read instead of skipping it.

Every ``*.toml`` file at any depth is read, following symbolic links. A dangling link, a
link to itself, a folder linked back into itself (which would be walked for ever), an
unreadable file and a file that is not UTF-8 text are each a problem naming the file (for
bad text: the byte offset, line and column); every other file is still read and checked.
Names starting with a dot are skipped: editors keep lock files and backups there.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.problems import Problem

QUOTE_LIMIT = 120


@dataclass
class PackRead:
    """What one pack folder holds: file texts by path relative to the folder, problems, and
    the files that are not UTF-8 decoded with replacement characters (their ids are known,
    so entries citing them are not reported as well)."""

    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    undecodable: dict[str, str] = field(default_factory=dict)


def read_pack(folder: Path) -> PackRead:
    read = PackRead()
    pack = folder.name
    visited = {folder.resolve()}
    pending = [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            read.problems.append(_os_problem(f"{pack}/{prefix}".rstrip("/"), "folder", exc))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            name = f"{prefix}{entry.name}"
            path = Path(entry.path)
            if entry.is_symlink() and (problem := _link_problem(f"{pack}/{name}", path)):
                read.problems.append(problem)
                continue
            if entry.is_dir():
                real = path.resolve()
                if real == path.parent.resolve() or real in path.parent.resolve().parents:
                    read.problems.append(
                        Problem(
                            f"{pack}/{name}",
                            None,
                            "symlink",
                            f"directory loop: links back to {os.readlink(path)!r}, a folder "
                            "that holds it; not followed",
                            "a link to a folder outside this one, or no link",
                        )
                    )
                elif real not in visited:
                    visited.add(real)
                    pending.append((path, f"{name}/"))
            elif entry.name.endswith(".toml"):
                _read_file(read, pack, name, path)
    read.files = dict(sorted(read.files.items()))
    return read


def _link_problem(label: str, path: Path) -> Problem | None:
    try:
        os.stat(path)
    except OSError as exc:
        target = os.readlink(path)
        if exc.errno == errno.ELOOP:
            message = f"symlink loop: {target!r} leads back to itself"
        elif exc.errno == errno.ENOENT:
            message = f"dangling symlink: {target!r} does not exist"
        else:
            message = f"symlink to {target!r} cannot be followed: {exc.strerror}"
        return Problem(label, None, "symlink", message, "a link to an existing file, or no link")
    return None


def _read_file(read: PackRead, pack: str, name: str, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        read.problems.append(_os_problem(f"{pack}/{name}", "file", exc))
        return
    try:
        read.files[name] = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        read.undecodable[name] = data.decode("utf-8", errors="replace")
        read.problems.append(_decode_problem(f"{pack}/{name}", data, exc))


def _decode_problem(label: str, data: bytes, exc: UnicodeDecodeError) -> Problem:
    offset = exc.start
    line_start = data.rfind(b"\n", 0, offset) + 1
    line_end = data.find(b"\n", offset)
    line = data.count(b"\n", 0, offset) + 1
    text = data[line_start : line_end if line_end >= 0 else len(data)]
    shown = text.decode("utf-8", errors="replace").strip()
    binary = b"\0" in data[:4096]
    what = "binary data, not text" if binary else "not UTF-8 text"
    message = f"{what}: byte 0x{data[offset]:02x} at byte offset {offset} cannot be read"
    if shown and not binary:
        quoted = shown if len(shown) <= QUOTE_LIMIT else shown[: QUOTE_LIMIT - 1] + "…"
        message += f" (`{quoted.replace('`', chr(39))}`)"
    return Problem(
        label,
        line,
        "encoding",
        message,
        "the file saved as UTF-8 (most editors: Save with encoding, UTF-8)",
        column=len(data[line_start:offset].decode("utf-8", errors="replace")) + 1,
    )


def _os_problem(label: str, kind: str, exc: OSError) -> Problem:
    return Problem(label, None, "", f"cannot read this {kind}: {exc.strerror or exc}")
