"""Slack deliveries go into the durable inbox before they are acknowledged; any worker answers them from there."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.adapters.inbox_worker import InboxWorker
from bot.adapters.payload import without_nulls
from bot.adapters.slack.bridge import SlackBridge
from bot.adapters.slack.translate import Target, action_user, event_kind, question_from_event
from bot.models import Language, Platform
from bot.state.inbox import Delivery

log = logging.getLogger(__name__)

FROM_INBOX = "coach_delivery_id"  # in a Bolt context: this request is a claimed delivery being answered


def delivery_key(body: dict) -> str | None:
    """What identifies one delivery across Slack's retries: the event_id, else the interaction's trigger_id."""
    if body.get("event_id"):
        return "event:" + body["event_id"]
    if body.get("trigger_id"):
        return "trigger:" + body["trigger_id"]
    return None


def delivery_of(body: dict, bot_user_id: str | None) -> Delivery | None:
    """The inbox row for a Slack payload (None when it carries no delivery id). The payload keeps the body as
    Bolt parsed it, so any worker can dispatch it again."""
    key = delivery_key(body)
    if key is None:
        return None
    clean = without_nulls(body)
    event = clean.get("event") or {}
    team = clean.get("team_id") or (clean.get("team") or {}).get("id") or event.get("team") or ""
    user = event.get("user") or clean.get("user_id") or action_user(clean) or ""
    kind = "command" if "command" in clean else clean.get("type") or "unknown"
    return Delivery(id=f"slack:{key}", platform=Platform.SLACK.value, kind=kind,
                    payload={"body": body, "bot_user_id": bot_user_id}, workspace=team, user=user)


def ignored_message(body: dict, bot_user_id: str | None) -> bool:
    """A channel message the bot never answers (no mention, not a reply in a thread, an edit, a bot's post):
    acknowledged without being stored."""
    event = body.get("event") or {}
    return body.get("type") == "event_callback" and event.get("type") == "message" and (
        event_kind(event, bot_user_id) is None
    )


def apology_target(body: dict, bot_user_id: str | None) -> tuple[Target, str] | None:
    """Where to say that a delivery was lost, and the words it carried (to pick the language)."""
    body = without_nulls(body)
    if "command" in body:
        target = Target(body.get("channel_id", ""), body.get("user_id", ""), ephemeral=True,
                        response_url=body.get("response_url"), team=body.get("team_id", ""))
        return target, body.get("text", "")
    if body.get("type") == "event_callback":
        asked = question_from_event(body, body.get("event") or {}, bot_user_id=bot_user_id)
        return (asked.target, asked.question.text) if asked is not None else None
    if body.get("type") == "block_actions":
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        target = Target(channel, action_user(body), thread_ts=container.get("thread_ts"), ephemeral=True,
                        response_url=body.get("response_url"), team=(body.get("team") or {}).get("id", ""))
        return target, ((body.get("actions") or [{}])[0].get("text") or {}).get("text", "")
    return None


class SlackInbox:
    """The Slack side of the inbox: the gate before Bolt's listeners, and how a stored delivery is answered or
    apologised for (by whichever worker claims it)."""

    def __init__(self, app: AsyncApp, bridge: SlackBridge) -> None:
        self.app = app
        self.bridge = bridge

    def register(self, worker: InboxWorker) -> None:
        """Store each delivery before the ack (HTTP: the 200; Socket Mode: the envelope ack), drop those seen
        before on any worker, and answer the new ones off the request."""

        async def gate(body: dict, context: AsyncBoltContext, next) -> BoltResponse | None:  # noqa: A002 - Bolt's name
            if context.get(FROM_INBOX):
                return await next()
            delivery = delivery_of(body, context.bot_user_id)
            if delivery is None:
                return await next()
            if ignored_message(body, context.bot_user_id):
                return BoltResponse(status=200, body="")
            try:
                admitted = await worker.admit(delivery)
            except Exception:
                # Not stored, so not acknowledged: Slack retries it, perhaps on a worker that can reach the database.
                log.exception("could not store delivery %s; Slack will retry it", delivery.id)
                return BoltResponse(status=503, body="")
            if not admitted:
                log.info("dropped repeated delivery %s", delivery.id)
                return BoltResponse(status=200, body="")
            worker.start(delivery.id)
            return BoltResponse(status=200, body="")

        self.app.middleware(gate)

    async def answer(self, delivery: Delivery) -> None:
        """Dispatch a stored body through Bolt's listeners as if it had just arrived (no signature to check:
        it was verified when it was admitted)."""
        request = AsyncBoltRequest(body=delivery.payload["body"], mode="socket_mode",
                                   context={FROM_INBOX: delivery.id})
        await self.app.async_dispatch(request)

    async def apologise(self, delivery: Delivery) -> None:
        found = apology_target(delivery.payload.get("body") or {}, delivery.payload.get("bot_user_id"))
        if found is None:
            return  # nothing was asked (e.g. a vote): nobody waits for an answer
        target, text = found
        # The words they sent decide, as for an answer; their Slack locale when the words say too little.
        language: Language = self.bridge.coach.detect_language(text, await self.bridge.language_of(target.user))
        if not await self.bridge.apologise(target, language, interrupted=delivery.interrupted):
            raise RuntimeError(f"the apology for {delivery.id} could not be delivered")
