"""`coachbot`: chat | ask | ingest | sources | eval | bench | doctor | feedback | forget | db | slack | discord."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings
from bot.state.errors import SchemaNotCurrent

SUBCOMMANDS = (
    "chat", "ask", "ingest", "sources", "eval", "bench", "doctor", "feedback", "forget", "db", "slack", "discord"
)
DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "tests" / "data" / "paraphrases.jsonl"
log = logging.getLogger("coachbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coachbot", description="PM Coach: a coach for aspiring AI product managers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("chat", help="chat with the coach in this terminal (offline, no tokens)")

    ask = commands.add_parser("ask", help="answer one question ('-' reads one question per line from stdin)")
    ask.add_argument("question", help="the question, or - for stdin")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object (per line)")
    ask.add_argument(
        "--conversation", help="conversation key: questions sharing one can follow up (default: each stands alone)"
    )
    ask.add_argument("--user", default="cli", help="user id (default: cli)")

    ingest = commands.add_parser(
        "ingest", help="index the guide and every added source; with PATHs, add (or update) a source of your own"
    )
    ingest.add_argument("paths", nargs="*", type=Path, help="Markdown/text files or folders: one source (remembered)")
    ingest.add_argument("--name", help="the source's name (default: the first PATH's folder or file name)")
    ingest.add_argument("--remove", metavar="NAME", help="drop the added source NAME from the index")

    commands.add_parser("sources", help="list the knowledge sources: name, files, chunks, last ingest")

    evaluation = commands.add_parser("eval", help="measure retrieval and scope, or coaching, on a question file")
    evaluation.add_argument(
        "file", nargs="?", type=Path, default=DEFAULT_EVAL,
        help="JSONL: retrieval items ({question, lang, expect|in_scope}) or coaching items ({turns, checks})",
    )
    evaluation.add_argument("--json", action="store_true", help="print only the JSON results")

    bench = commands.add_parser(
        "bench", help="measure latency, cold start, memory and ingest time (--corpus: per tier of extra text)"
    )
    bench.add_argument("--rounds", type=int, default=5, help="passes over the questions (default: 5)")
    bench.add_argument(
        "--corpus", action="append", metavar="DIR",
        help="a folder of Markdown/reST/text to build tiers of extra text from, or 'site-packages' for the docs "
        "inside this venv's packages (repeatable)",
    )
    bench.add_argument(
        "--tiers", default="0,1,10,100",
        help="extra text as multiples of the guide's size, 0 = the guide alone (default: 0,1,10,100)",
    )
    bench.add_argument(
        "--runs", type=int, default=1, help="runs per tier, each in a fresh data dir; medians (default: 1)"
    )
    bench.add_argument("--embeddings", help="embedding to measure: e5, hashing, … (default: EMBEDDINGS, else auto)")
    bench.add_argument("--json", action="store_true", help="print the corpus report as JSON")

    commands.add_parser("doctor", help="show what is configured and what is missing (never secret values)")
    feedback = commands.add_parser("feedback", help="report 👍/👎 counts and the worst-rated questions")
    feedback.add_argument("--limit", type=int, default=10)
    forget = commands.add_parser("forget", help="erase everything stored about one user")
    forget.add_argument("platform", choices=["console", "slack", "discord"])
    forget.add_argument("user")
    forget.add_argument("--workspace", action="store_true",
                        help="USER is a workspace (Slack team or Discord guild id): erase everything stored from it")

    db = commands.add_parser("db", help="the state database: migrate it (upgrade) or show its revision (current)")
    db.add_argument("action", choices=["upgrade", "current"])

    slack = commands.add_parser("slack", help="run the Slack bot (Socket Mode, or --http)")
    slack.add_argument("--http", action="store_true", help="serve the Events API over HTTP instead of Socket Mode")
    slack.add_argument("--host", default="0.0.0.0")
    slack.add_argument("--port", type=int, default=3000)

    discord = commands.add_parser("discord", help="run the Discord bot")
    discord.add_argument("--sync", action="store_true", help="sync the slash commands, then exit")
    discord.add_argument("--guild", help="sync to one guild (instant, for development) instead of globally")
    return parser


def configure_logging(settings: Settings, verbose: bool) -> None:
    from bot.ops.logs import formatter

    level = logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("chromadb", "httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "chat"
    try:
        settings = settings or Settings()
    except Exception as error:  # a malformed environment variable
        print(f"coachbot: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings, args.verbose)
    if command in ("chat", "ask", "eval") and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # keep the conversation readable
    try:
        return COMMANDS[command](args, settings)
    except KeyboardInterrupt:
        return 130
    except SchemaNotCurrent as error:  # an unmigrated DATABASE_URL: say what to run, no traceback
        print(f"coachbot {command}: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        log.debug("command failed", exc_info=True)
        print(f"coachbot {command}: {error}", file=sys.stderr)
        return 1


def _coach(settings: Settings):
    from bot.core.coach import Coach

    return Coach.from_settings(settings)


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.console.chat import ConsoleChat

    print("Loading the guide… (the very first run builds its search index: 10–20 s)", file=sys.stderr)
    ConsoleChat(_coach(settings)).run()
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.console.chat import render_answer
    from bot.models import Platform, Privacy, Question, new_id
    from bot.ops.lines import read_lines

    coach = _coach(settings)
    lines = read_lines(sys.stdin) if args.question == "-" else [(1, args.question, None)]
    for number, text, problem in lines:
        if problem is None:
            conversation = args.conversation or new_id()
            question = Question(
                platform=Platform.CONSOLE, channel=conversation, user=args.user, privacy=Privacy.DM, text=text
            )
            try:
                answer = coach.answer(question)
            except Exception as error:  # one bad line must not cost the lines after it
                log.error("line %d could not be answered", number, exc_info=True)
                problem = f"could not answer: {type(error).__name__}"
        if problem is not None:
            if args.json:
                print(json.dumps({"line": number, "error": problem}), flush=True)
            else:
                print(f"(line {number}: {problem})", file=sys.stderr, flush=True)
        elif args.json:
            print(json.dumps(answer.public_json(), ensure_ascii=False), flush=True)
        else:
            print(render_answer(answer), end="\n\n", flush=True)
    return 0


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.base import KnowledgeBase

    if args.remove and (args.paths or args.name):
        print("coachbot ingest: --remove takes only a source name (no PATHs, no --name)", file=sys.stderr)
        return 2
    knowledge = KnowledgeBase.open(settings, sync=False)
    if knowledge.store.read_only:
        print(f"coachbot ingest: the data dir {settings.data_dir} is read-only, so the index cannot be updated "
              f"(the bot still answers from its {knowledge.store.count()} chunks)", file=sys.stderr)
        return 1
    if args.remove:
        if not knowledge.remove_source(args.remove):
            names = ", ".join(r.name for r in knowledge.source_records()[1:]) or "none"
            print(f"coachbot ingest: no source called {args.remove!r} (added sources: {names})", file=sys.stderr)
            return 1
        print(f"removed source '{args.remove}'")
        return 0
    result = knowledge.ingest(args.paths, progress=sys.stderr.isatty(), name=args.name)
    if knowledge.store.repaired:
        print(f"repaired: the index was out of step with its records ({knowledge.store.repaired}); re-indexed it")
    print(
        f"guide: {knowledge.store.count()} chunks in '{knowledge.store.collection_name}': "
        f"{result['num_added']} added, {result['num_updated']} updated, "
        f"{result['num_skipped']} unchanged, {result['num_deleted']} removed"
    )
    for report in knowledge.reports:
        rate = f" ({report.rate:.0f} chunks/s)" if report.embedded else ""
        print(f"{report.name}: {report.chunks} chunks from {report.files} files: {report.changed} files changed, "
              f"{report.embedded} chunks embedded{rate}, {report.removed} removed")
    return 0


def run_sources(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime

    from bot.knowledge.base import KnowledgeBase

    records = KnowledgeBase.open(settings, sync=False).source_records()
    width = max(len(r.name) for r in records)
    print(f"{'source':<{width}}  {'files':>6}  {'chunks':>7}  last ingest")
    for record in records:
        when = datetime.fromtimestamp(record.ingested_at).strftime("%Y-%m-%d %H:%M") if record.ingested_at else "never"
        state = "" if record.complete else "  (unfinished: run `coachbot ingest` to complete it)"
        print(f"{record.name:<{width}}  {record.files:>6}  {record.chunks:>7}  {when}{state}")
    return 0


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.evaluation import evaluate, evaluate_coaching, is_coaching_set, load_questions, render_table

    unlimited = settings.model_copy(update={"rate_per_user": None, "rate_per_conversation": None})
    rows = load_questions(args.file)
    if is_coaching_set(rows):
        report = evaluate_coaching(_coach(unlimited), rows)
        if not args.json:
            print(f"coaching items passed: {report['passed']}/{report['items']}")
            for failure in report["failures"]:
                print(f"  fail {failure['id']}: {'; '.join(failure['failed'])}")
                print(f"       {failure['answer'][:160]!r}")
            print()
        print(json.dumps({"items": report["items"], "passed": report["passed"], "failed": [f["id"] for f in report["failures"]]}))
        return 0
    results = evaluate(_coach(unlimited), load_questions(args.file))
    if not args.json:
        print(render_table(results))
        for name, result in results.items():
            if name == "all":
                for miss in result["misses"]:
                    print(f"  miss {miss}")
        print()
    print(json.dumps({k: {m: v for m, v in r.items() if m != "misses"} for k, r in results.items()}))
    return 0


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.benchmark import render_corpus_report, run_benchmark, run_corpus_benchmark
    from bot.ops.corpus_bench import parse_tiers

    if args.rounds < 1 or args.runs < 1:
        print("coachbot bench: --rounds and --runs take a whole number of at least 1", file=sys.stderr)
        return 2
    if args.embeddings:
        settings = settings.model_copy(update={"embeddings": args.embeddings})
    if not args.corpus:
        if args.json:
            print("coachbot bench: --json reports a corpus benchmark: add --corpus DIR", file=sys.stderr)
            return 2
        print(run_benchmark(settings, rounds=args.rounds))
        return 0
    try:
        multiples = parse_tiers(args.tiers)
        report = run_corpus_benchmark(
            settings, args.corpus, multiples, runs=args.runs, rounds=args.rounds,
            say=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ValueError as error:
        print(f"coachbot bench: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render_corpus_report(report))
    return 0


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.doctor import diagnose

    report, healthy = diagnose(settings)
    print(report)
    return 0 if healthy else 1


def run_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.state.feedback import render_report
    from bot.state.store import StateStore

    with StateStore.open(settings) as state:
        print(render_report(state.feedback.report(limit=args.limit)))
    return 0


def run_forget(args: argparse.Namespace, settings: Settings) -> int:
    from bot.models import Platform
    from bot.state.store import StateStore

    platform = Platform(args.platform)
    with StateStore.open(settings) as state:
        if args.workspace:
            removed = state.forget_workspace(platform, args.user)
            print(f"erased {removed} stored item(s) from {args.platform} workspace {args.user}")
        else:
            removed = state.forget(platform, args.user)
            print(f"erased {removed} stored item(s) for {args.platform} user {args.user}")
    return 0


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.state import migrate
    from bot.state.store import connect_database

    database = connect_database(settings)
    try:
        if args.action == "upgrade":
            before = migrate.current_revision(database)
            migrate.upgrade(database)
            after = migrate.current_revision(database)
            change = "already at" if before == after else f"upgraded from {before or 'an empty database'} to"
            print(f"{database.url}: {change} revision {after}")
            return 0
        current, head = migrate.current_revision(database), migrate.head_revision()
        state = "current" if current == head else f"NOT CURRENT: this version needs {head}; run `coachbot db upgrade`"
        print(f"{database.url}: revision {current or 'none (no schema yet)'} ({state})")
        return 0 if current == head else 1
    finally:
        database.dispose()


def _state_database(coach: object):
    """The coach's state database, for the adapter's inbox to share (and its connection pool); None: its own."""
    state = getattr(coach, "state", None)
    return getattr(state, "database", None)


def run_slack(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.slack.app import check_settings, run

    check_settings(settings, http=args.http)  # fail fast, before the guide is loaded
    coach = _coach(settings)
    # The state keeps workspaces' installations (distribution) and is what an uninstalling workspace is erased from;
    # its database holds the inbox.
    run(settings, coach, http=args.http, host=args.host, port=args.port, index_chunks=coach.knowledge.store.count,
        index_behind=coach.knowledge.index_behind, state=coach.state, database=_state_database(coach))
    return 0


def run_discord(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.discord.client import check_settings, run

    check_settings(settings, args.guild)  # fail fast, before the guide is loaded
    coach = _coach(settings)
    run(settings, coach, sync=args.sync, guild=args.guild, index_chunks=coach.knowledge.store.count,
        index_behind=coach.knowledge.index_behind, database=_state_database(coach))
    return 0


COMMANDS = {
    "chat": run_chat,
    "ask": run_ask,
    "ingest": run_ingest,
    "sources": run_sources,
    "eval": run_eval,
    "bench": run_bench,
    "doctor": run_doctor,
    "feedback": run_feedback,
    "forget": run_forget,
    "db": run_db,
    "slack": run_slack,
    "discord": run_discord,
}
