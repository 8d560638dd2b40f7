"""Every outgoing Slack call: sent as slack_sdk's own method sends it, mass pings defused, texts kept within
Slack's limits, rate limits and network errors retried with backoff, failures named."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.limits import fit
from bot.adapters.slack.mrkdwn import neutralise_markdown, neutralise_payload

log = logging.getLogger(__name__)

# Errors worth another try; any other `ok: false` (not_in_channel, channel_not_found, missing_scope…)
# is reported at once so the caller can pick a fallback.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
HARMLESS_ERRORS = frozenset({"already_reacted", "no_reaction"})


class SlackCallFailed(Exception):
    """A Slack call that did not succeed after the retries it deserved; `error` is Slack's code or 'network'."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


Sleep = Callable[[float], Awaitable[Any]]


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Sleep = field(default=asyncio.sleep)

    def backoff(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * (2**attempt))


def _error_code(error: SlackApiError) -> str | None:
    """Slack's `error` field; None when the body was not a JSON object (a proxy's HTML page, a 405…)."""
    data = getattr(error.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


def _retry_after(error: SlackApiError) -> float | None:
    response = error.response
    if getattr(response, "status_code", None) != 429 and _error_code(error) != "ratelimited":
        return None
    headers = getattr(response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After") or headers.get("retry-after") or 1)
    except (TypeError, ValueError):
        return 1.0


class SlackDelivery:
    """Wraps the AsyncWebClient: all payloads pass `neutralise_payload`, every call goes through `call`."""

    def __init__(self, client: AsyncWebClient, policy: RetryPolicy | None = None) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()

    @property
    def can_stream(self) -> bool:
        """Whether the installed slack_sdk knows Slack's chat streaming methods."""
        return all(hasattr(self.client, name) for name in ("chat_startStream", "chat_appendStream", "chat_stopStream"))

    async def call(self, method: str, **payload: Any) -> dict:
        """Call a Web API method; retry 429s (honouring Retry-After), 5xx and network errors; raise SlackCallFailed.

        Text over a documented limit is continued in follow-up calls (see `limits.fit`); the answer is the
        response of the first call to `method` itself (e.g. the ts of the first message posted)."""
        body = neutralise_payload({k: v for k, v in payload.items() if v is not None})
        if isinstance(body.get("markdown_text"), str):
            body["markdown_text"] = neutralise_markdown(body["markdown_text"])
        result: dict | None = None
        stream_ts = body.get("ts")
        for step in fit(method, body):
            if step.stream_ts:
                step.args["ts"] = stream_ts
            response = await self._with_retries(step.method, self._sender(step.method, step.args))
            if step.method == "chat.startStream":
                stream_ts = response.get("ts")
            if result is None and step.method == method:
                result = response
        return result if result is not None else {}

    def _sender(self, method: str, args: dict) -> Callable[[], Awaitable[Any]]:
        """The SDK's own method for `method` (users.info as query arguments, chat.* as JSON …)."""
        typed = getattr(self.client, method.replace(".", "_"), None)
        if typed is None:
            return lambda: self.client.api_call(method, json=args)
        return lambda: typed(**args)

    async def respond(self, response_url: str, **payload: Any) -> dict:
        """Post to an interaction's response_url (works where the bot is not a channel member)."""
        body = neutralise_payload({k: v for k, v in payload.items() if v is not None})
        webhook = AsyncWebhookClient(response_url, session=self.client.session, timeout=self.client.timeout)

        async def send() -> dict:
            response = await webhook.send_dict(body)
            if response.status_code == 429 or response.status_code >= 500:
                raise _HttpStatus(response.status_code, response.headers)
            if response.status_code >= 400:
                raise SlackCallFailed("response_url", response.body or str(response.status_code))
            return {"ok": True}

        return await self._with_retries("response_url", send)

    async def _with_retries(self, method: str, send: Callable[[], Awaitable[Any]]) -> dict:
        policy = self.policy
        last = "unknown"
        for attempt in range(policy.attempts):
            try:
                response = await send()
                return dict(response.data) if hasattr(response, "data") else response
            except SlackApiError as error:
                status = getattr(error.response, "status_code", 200)
                last = _error_code(error) or f"http_{status}"
                if last in HARMLESS_ERRORS:
                    return dict(error.response.data)
                wait = _retry_after(error)
                if wait is None:
                    if status < 500 and last not in TRANSIENT_ERRORS:
                        log.warning("Slack %s failed: %s", method, last)
                        raise SlackCallFailed(method, last) from None
                    wait = policy.backoff(attempt)
            except _HttpStatus as error:
                last = f"http_{error.status}"
                wait = error.retry_after if error.retry_after is not None else policy.backoff(attempt)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                last = "network"
                wait = policy.backoff(attempt)
                log.info("Slack %s network error (%s), attempt %d", method, type(error).__name__, attempt + 1)
            wait = min(wait, policy.max_delay)
            if attempt + 1 < policy.attempts:
                log.info("Slack %s: %s; retrying in %.1fs", method, last, wait)
                await policy.sleep(wait)
        log.error("Slack %s gave up after %d attempts: %s", method, policy.attempts, last)
        raise SlackCallFailed(method, last)

    async def typed(self, method: str, **payload: Any) -> dict:
        """Call slack_sdk's typed method for `method` (`chat.scheduleMessage` -> `chat_scheduleMessage`), which
        encodes its arguments as Slack documents them; neutralised and retried like `call`."""
        body = neutralise_payload({k: v for k, v in payload.items() if v is not None})
        send = getattr(self.client, method.replace(".", "_"))
        return await self._with_retries(method, lambda: send(**body))


class _HttpStatus(Exception):
    def __init__(self, status: int, headers: dict) -> None:
        super().__init__(status)
        self.status = status
        try:
            self.retry_after: float | None = float(headers.get("Retry-After")) if status == 429 else None
        except (TypeError, ValueError):
            self.retry_after = None
