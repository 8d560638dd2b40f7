"""Socket Mode frames checked before Bolt sees them: decoded, parsed, lone surrogates replaced, bad envelopes named."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.adapters.wire import decode, has_surrogates, scrub_json


@dataclass(frozen=True)
class Frame:
    """`text` is what the Socket Mode client may parse; None means skip it (`problem` says why, if worth saying)."""

    text: str | None
    envelope_id: str | None = None
    problem: str | None = None


def read_frame(data: bytes | str) -> Frame:
    text = decode(data)
    if not text.strip():
        return Frame(None)  # Slack sends empty frames now and then
    try:
        envelope = json.loads(text)
    except ValueError:
        return Frame(None, problem="not JSON")
    if not isinstance(envelope, dict):
        return Frame(None, problem="not a JSON object")
    envelope_id = envelope.get("envelope_id") if isinstance(envelope.get("envelope_id"), str) else None
    payload = envelope.get("payload", {})
    if not isinstance(payload, dict):
        return Frame(None, envelope_id, "payload is not an object")
    if envelope.get("type") == "events_api" and not isinstance(payload.get("event", {}), dict):
        return Frame(None, envelope_id, "event is not an object")
    if has_surrogates(envelope):
        return Frame(json.dumps(scrub_json(envelope)), envelope_id)
    return Frame(text, envelope_id)
