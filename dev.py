#!/usr/bin/env python3
"""Set up and run the project with nothing but Python: ``python3 dev.py run|test|...``.

It creates ``.venv`` beside this file, installs the project and its development tools into
it (again only when pyproject.toml changed), then runs the task inside it:

    python3 dev.py run        # the bot with DISCORD_TOKEN set, otherwise the console
    python3 dev.py test       # ruff (lint + format check), validate knowledge, all tests
    python3 dev.py bench      # the benchmark (python -m bot bench)
    python3 dev.py bot ARGS   # any python -m bot command, e.g. bot ask "when is s2 out"

Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _requirements_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _requirements_hash()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing the project and its tools into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    """Run ``.venv``'s Python with ``args`` in the project folder; its exit code.

    The child stops the way it stops when started by itself: Ctrl-C in the terminal reaches
    it too (the same process group), so dev.py waits while it closes (``subprocess.run``
    would kill it 0.25 s later, before the bot has written what it queued), and a SIGTERM
    for dev.py (``kill``) is passed on to it instead of leaving it running alone."""
    process = subprocess.Popen([str(PYTHON), *args], cwd=ROOT)

    def pass_on(signum: int, frame: object) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, pass_on)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue  # the child got the same Ctrl-C and is closing: wait for it
    finally:
        signal.signal(signal.SIGTERM, previous)


def test(extra: list[str]) -> int:
    steps = [
        ("ruff check", ["-m", "ruff", "check", "bot", "tests", "dev.py"]),
        ("ruff format", ["-m", "ruff", "format", "--check", "bot", "tests", "dev.py"]),
        ("validate knowledge", ["-m", "bot", "validate", "knowledge"]),
        ("tests", ["-m", "pytest", *extra]),
    ]
    for name, args in steps:
        print(f"==> {name}", flush=True)
        code = run(*args)
        if code != 0:
            print(f"FAILED: {name} (exit {code})", flush=True)
            return code
    return 0


TASKS = {
    "run": "the bot with DISCORD_TOKEN set, otherwise the console",
    "test": "ruff (lint + format check), validate knowledge, all tests",
    "bench": "the benchmark (python -m bot bench)",
    "bot": 'any python -m bot command, e.g. bot ask "when is s2 out"',
}


def unknown_task(task: str) -> str:
    """The message for a task dev.py does not have: what was wrong, and what there is."""
    lines = [f"Unknown task {task!r}. The tasks are:"]
    lines += [f"  python3 dev.py {name:<6} {what}" for name, what in TASKS.items()]
    if not task.startswith("-"):
        lines.append(f"Did you mean: python3 dev.py bot {task} ...?")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if task in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if task not in TASKS:
        print(unknown_task(task), file=sys.stderr)
        return 2
    ensure_venv()
    if task == "run":
        return run("-m", "bot", "run", *rest)
    if task == "test":
        return test(rest)
    if task == "bench":
        return run("-m", "bot", "bench", *rest)
    return run("-m", "bot", *rest)  # "bot"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
