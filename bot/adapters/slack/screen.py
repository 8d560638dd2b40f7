"""Screens an HTTP request from Slack before Bolt parses it: signature headers, signature, encoding, body shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_AGE = 5 * 60  # Slack's documented replay window


@dataclass(frozen=True)
class Rejection:
    status: int  # 401: not provably from Slack; 400: from Slack's signer but not something Slack sends
    reason: str


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def signed(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes the body first, which can raise)."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def screen(
    headers: Mapping[str, str], body: bytes, secret: str, now: Callable[[], float] = time.time
) -> Rejection | None:
    """None when Bolt can safely parse the request; else why not, checked in an order that never raises.

    Slack signs every request (https://docs.slack.dev/authentication/verifying-requests-from-slack): the
    timestamp must be a recent number and the signature must match before the body is looked at at all."""
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return Rejection(401, "missing or non-numeric X-Slack-Request-Timestamp")
    if abs(now() - int(timestamp)) > MAX_AGE:
        return Rejection(401, "expired X-Slack-Request-Timestamp")
    if not signed(secret, timestamp, body, headers.get("X-Slack-Signature") or ""):
        return Rejection(401, "missing or invalid X-Slack-Signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not valid UTF-8")
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == JSON:
        return None if _json_object(text) else Rejection(400, "JSON body is not a JSON object")
    if content_type == FORM:
        payload = parse_qs(text).get("payload")
        if payload and not _json_object(payload[0]):
            return Rejection(400, "form field payload is not a JSON object")
        return None
    return Rejection(400, f"unsupported content type {content_type or '(none)'}")
