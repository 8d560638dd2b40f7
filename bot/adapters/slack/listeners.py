"""Bolt listeners, registered per kind like Bolt's samples: each acks first, then hands over to the SlackBridge."""

from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.adapters.slack.bridge import SlackBridge
from bot.adapters.slack.offers import OFFER_ACTION_IDS, picked_offer
from bot.adapters.slack.translate import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    FOLLOW_UP,
    FORGET_CANCEL,
    FORGET_CONFIRM,
    SHARE,
    TOPIC,
    Target,
    action_user,
    action_value,
    assistant_thread,
    feedback_from_action,
    is_dm_channel,
    parse_command,
    question_from_action,
    question_from_command,
    question_from_event,
)
from bot.models import Privacy

log = logging.getLogger(__name__)


def register_events(app: AsyncApp, bridge: SlackBridge) -> None:
    """app_mention -> thread answer; message.im -> DM answer; replies in threads the bot answered -> continue."""

    async def answer_event(body: dict, event: dict, context: AsyncBoltContext) -> None:
        bot_user_id = context.bot_user_id
        hint = await bridge.language_of(event.get("user", "")) if event.get("user") else None
        asked = question_from_event(body, event, bot_user_id=bot_user_id, language_hint=hint)
        if asked is None:
            return
        if asked.question.privacy is Privacy.CHANNEL and not bridge.channel_allowed(asked.target.channel):
            log.info("ignored a mention in %s: not in SLACK_CHANNELS", asked.target.channel)
            await bridge.not_here(asked.target, hint or "en")
            return
        await bridge.ask(asked)

    @app.event("app_mention")
    async def on_mention(body: dict, event: dict, context: AsyncBoltContext) -> None:
        await answer_event(body, event, context)

    @app.event("message")
    async def on_message(body: dict, event: dict, context: AsyncBoltContext) -> None:
        if event.get("channel_type") == "im":
            await answer_event(body, event, context)
            return
        # Without a mention, only threads the bot already answered continue; it never answers every message.
        channel, thread_ts = event.get("channel", ""), event.get("thread_ts")
        team = body.get("team_id") or event.get("team") or ""
        if not bridge.channel_allowed(channel) or not await bridge.answered_thread(team, channel, thread_ts):
            return
        asked = question_from_event(body, event, bot_user_id=context.bot_user_id,
                                    language_hint=await bridge.language_of(event.get("user", "")))
        if asked is not None:
            await bridge.ask(asked)


def register_commands(app: AsyncApp, bridge: SlackBridge) -> None:
    """/coach help | topics | journey | profile [text] | forget | <question>; no text shows help."""

    @app.command("/coach")
    async def on_coach(ack, command: dict, context: AsyncBoltContext) -> None:
        await ack()
        verb, text, verb_language = parse_command(command.get("text", ""))
        user = command.get("user_id", "")
        language = verb_language or await bridge.language_of(user) or "en"
        channel = command.get("channel_id", "")
        target = Target(channel, user, ephemeral=True, response_url=command.get("response_url"),
                        team=command.get("team_id", ""))
        in_dm = is_dm_channel(channel, command.get("channel_name"))
        # help, profile and forget work everywhere (seeing, correcting and erasing one's data are a user's
        # rights); answers and journeys only where allowed.
        if verb == "help":
            await bridge.send_help(target, language)
        elif verb == "forget":
            await bridge.send_forget_prompt(target, language)
        elif verb == "profile":
            await bridge.profile(question_from_command(command, text, bot_user_id=context.bot_user_id,
                                                       language_hint=language))
        elif not bridge.channel_allowed(channel, in_dm):
            await bridge.not_here(target, language)
        elif verb == "topics":
            await bridge.send_topics(target, language)
        elif verb == "journey":
            await bridge.send_journeys(target, language, in_dm=in_dm)
        else:
            hint = await bridge.language_of(user)
            await bridge.ask(question_from_command(command, text, bot_user_id=context.bot_user_id, language_hint=hint))


def _interaction_target(body: dict) -> Target:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    return Target(
        channel,
        action_user(body),
        thread_ts=container.get("thread_ts"),
        ephemeral=True,
        response_url=body.get("response_url"),
        team=(body.get("team") or {}).get("id", ""),
    )


def register_actions(app: AsyncApp, bridge: SlackBridge) -> None:
    """Buttons: follow-up questions, offers (controls, journey choices), topics, 👍/👎, share, forget confirmation."""

    @app.action(re.compile(rf"^{FOLLOW_UP}_\d+$"))
    async def on_follow_up(ack, body: dict, context: AsyncBoltContext) -> None:
        await ack()
        hint = await bridge.language_of(action_user(body))
        asked = question_from_action(body, action_value(body), bot_user_id=context.bot_user_id, language_hint=hint)
        await bridge.ask(asked)

    @app.action(OFFER_ACTION_IDS)
    async def on_offer(ack, body: dict, context: AsyncBoltContext) -> None:
        await ack()
        hint = await bridge.language_of(action_user(body))
        picked = picked_offer(body)
        if picked is None:
            log.info("ignored an offer click with an unreadable value")
            await bridge.stale_offer(_interaction_target(body), hint or "en")
            return
        action, text = picked
        await bridge.ask(question_from_action(body, text, bot_user_id=context.bot_user_id, language_hint=hint,
                                              action=action))

    @app.action(TOPIC)
    async def on_topic(ack, body: dict, context: AsyncBoltContext) -> None:
        await ack()
        section = action_value(body)
        hint = await bridge.language_of(action_user(body))
        asked = question_from_action(body, section, bot_user_id=context.bot_user_id, language_hint=hint)
        await bridge.topic(asked, section)

    @app.action(re.compile(rf"^({FEEDBACK_UP}|{FEEDBACK_DOWN})$"))
    async def on_feedback(ack, body: dict) -> None:
        await ack()
        answer_id, user, rating = feedback_from_action(body)
        language = await bridge.language_of(user) or "en"
        await bridge.feedback(_interaction_target(body), answer_id, rating, language)

    @app.action(SHARE)
    async def on_share(ack, body: dict) -> None:
        await ack()
        language = await bridge.language_of(action_user(body)) or "en"
        await bridge.share(_interaction_target(body), action_value(body), language)

    @app.action(FORGET_CONFIRM)
    async def on_forget(ack, body: dict) -> None:
        await ack()
        language = await bridge.language_of(action_user(body)) or "en"
        await bridge.forget(_interaction_target(body), language)

    @app.action(FORGET_CANCEL)
    async def on_keep(ack, body: dict) -> None:
        await ack()
        language = await bridge.language_of(action_user(body)) or "en"
        await bridge.keep(_interaction_target(body), language)


def register_assistant(app: AsyncApp, bridge: SlackBridge) -> None:
    """Slack's AI app surface: suggested prompts when a thread starts (messages arrive as message.im)."""

    @app.event("assistant_thread_started")
    async def on_thread_started(event: dict) -> None:
        channel, thread_ts, user = assistant_thread(event)
        if channel and thread_ts:
            await bridge.start_assistant_thread(channel, thread_ts, user)

    @app.event("assistant_thread_context_changed")
    async def on_context_changed() -> None:
        return None  # subscribed by the AI app surface; nothing to do


def register_errors(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict) -> None:
        log.error("unhandled error in a Slack listener (%s): %s", body.get("type"), error, exc_info=error)
