"""`coachbot doctor`: what is configured, what works and what is missing — never a secret's value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase

PROBE = "How do I become an AI product manager?"  # when the catalogue suggests no question of its own


def _present(value: object) -> str:
    return "set" if value else "missing"


def check_knowledge(knowledge: KnowledgeBase) -> tuple[list[str], bool]:
    """Lines on the index's integrity, and whether the coach could answer a question about the guide from it."""
    store, lines = knowledge.store, []
    if store.repaired:
        lines.append(f"              REPAIRED at start: it was out of step with its records ({store.repaired}); "
                     "re-indexed")
    check = store.check()
    if not check.consistent:
        return [*lines, f"              NOT CONSISTENT with its records: {check.describe()}"], False
    if not check.stored:
        return [*lines, "              EMPTY: no guide text was found in the knowledge folders"], False
    lines.append(f"              consistent with its records ({check.sampled} sampled ids found)")
    if store.read_only:
        lines.append("              read-only data dir: answering from a copy, the index is not updated")
    probe = next(iter(knowledge.catalogue.suggestions("en")), PROBE)
    if not knowledge.scope.judge(probe, knowledge.retrieve(probe)).in_scope:
        return [*lines, f"              CANNOT ANSWER: a question about the guide ({probe!r}) is judged off-topic"], False
    return lines, True


def describe_state(settings: Settings) -> tuple[str, bool]:
    """Which database keeps the state (never its password), whether its schema is current, and whether it can be
    written (a read-only data dir still answers); and whether the bot can start on it."""
    from bot.state import migrate
    from bot.state.store import connect_database

    try:
        database = connect_database(settings)
    except Exception as error:
        return f"NOT AVAILABLE: {error}", settings.database_url is None
    try:
        current, head = migrate.current_revision(database), migrate.head_revision()
        if database.read_only:
            return (f"READ-ONLY mode: answers work, conversations and feedback are not saved ({database.url})",
                    True)
        if current == head:
            return f"{database.url} (schema current: revision {head})", True
        if not database.is_postgres:  # the embedded file is migrated when the bot starts
            return f"{database.url} (schema {current or 'not created yet'}: migrated to {head} at start)", True
        return (f"{database.url} NOT MIGRATED (revision {current or 'none'}, this version needs {head}): "
                "run `coachbot db upgrade`", False)
    except Exception as error:
        return f"{database.url} NOT AVAILABLE: {error}", settings.database_url is None
    finally:
        database.dispose()


def diagnose(settings: Settings) -> tuple[str, bool]:
    """A readable report and whether the offline coach can run."""
    from bot.llm.providers import describe_llm

    lines = ["PM Coach doctor", ""]
    healthy = True
    lines.append(f"data dir      {settings.data_dir}")
    lines.append(f"knowledge     {', '.join(settings.knowledge_dirs)}")
    lines.append(f"chroma        {'server ' + settings.chroma_url if settings.chroma_url else 'embedded at ' + str(settings.chroma_dir)}")
    try:
        from bot.knowledge.base import KnowledgeBase

        knowledge = KnowledgeBase.open(settings)
        lines.append(f"embedding     {knowledge.embedding_name} (EMBEDDINGS={settings.embeddings})")
        lines.append(f"index         {knowledge.store.count()} chunks in '{knowledge.store.collection_name}', "
                     f"{len(knowledge.catalogue.sections)} sections")
        index_lines, answers = check_knowledge(knowledge)
        lines += index_lines
        healthy = healthy and answers
    except Exception as error:
        healthy = False
        lines.append(f"index         NOT AVAILABLE: {error}")
    state, usable = describe_state(settings)
    lines.append(f"state         {state}")
    healthy = healthy and usable
    lines.append(f"llm           {describe_llm(settings)}")
    lines += ["", "tokens (values never shown)"]
    lines.append(f"  SLACK_BOT_TOKEN       {_present(settings.slack_bot_token)}")
    lines.append(f"  SLACK_APP_TOKEN       {_present(settings.slack_app_token)}   (Socket Mode)")
    lines.append(f"  SLACK_SIGNING_SECRET  {_present(settings.slack_signing_secret)}   (HTTP mode)")
    lines.append(f"  DISCORD_TOKEN         {_present(settings.discord_token)}")
    lines += ["", "ready to run"]
    lines.append("  coachbot chat / ask   yes (offline)" if healthy else "  coachbot chat / ask   no: see index above")
    slack_ready = settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret)
    lines.append(
        "  coachbot slack        "
        + ("yes" if slack_ready else "no: needs SLACK_BOT_TOKEN plus SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET for --http)")
    )
    lines.append("  coachbot discord      " + ("yes" if settings.discord_token else "no: needs DISCORD_TOKEN"))
    if settings.slack_channels:
        lines.append(f"  Slack channel allowlist: {', '.join(settings.slack_channels)}")
    if settings.discord_guilds or settings.discord_channels:
        lines.append(f"  Discord allowlists: guilds {settings.discord_guilds or 'all'}, channels {settings.discord_channels or 'all'}")
    return "\n".join(lines), healthy
