"""manifest.yml asks for exactly what the adapter uses: its events, the /coach command, scopes for every Web API call."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Web API methods the adapter calls, and the bot scope each one needs.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.startStream": "chat:write",
    "chat.delete": "chat:write",
    "chat.scheduleMessage": "chat:write",
    "chat.deleteScheduledMessage": "chat:write",
    "reactions.add": "reactions:write",
    "assistant.threads.setStatus": "assistant:write",
    "assistant.threads.setSuggestedPrompts": "assistant:write",
    "users.info": "users:read",
}
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.im": "im:history", "message.channels": "channels:history"}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_subscribes_to_the_events_the_adapter_handles():
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "message.channels", "assistant_thread_started"} <= events


def test_manifest_scopes_cover_every_call_and_event():
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert set(METHOD_SCOPES.values()) | set(EVENT_SCOPES.values()) | {"commands"} <= scopes


def test_manifest_has_the_command_interactivity_socket_mode_and_ai_panel():
    data = manifest()
    assert [c["command"] for c in data["features"]["slash_commands"]] == ["/coach"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert "assistant_view" in data["features"] and data["features"]["app_home"]["messages_tab_enabled"] is True


def test_the_adapter_calls_only_methods_whose_scope_is_declared():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "adapters" / "slack").glob("*.py"))
    called = set(re.findall(r'"((?:chat|reactions|assistant|users)\.[A-Za-z.]+)"', source))
    assert called and called <= set(METHOD_SCOPES) | {"chat.appendStream", "chat.stopStream"}


def test_docs_snippet_names_every_setting():
    doc = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNELS", "SLACK_API_URL"):
        assert name in doc
