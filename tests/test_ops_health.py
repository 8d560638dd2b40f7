"""/healthz, /readyz and /metrics on the small health server, over loopback."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.models import Platform, Privacy, Question
from bot.ops.health import Probes, health_server, instrument
from tests.fakes.coach_double import CoachDouble


async def get(port: int, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_healthz_says_ok_and_readyz_is_200_when_every_check_passes():
    coach, probes = instrument(CoachDouble(), index_chunks=lambda: 42)
    probes.watch("platform", lambda: None)
    async with health_server(probes, "127.0.0.1", 0) as port:
        assert port
        assert await get(port, "/healthz") == (200, "text/plain; charset=utf-8", "ok")
        status, content_type, body = await get(port, "/readyz")
    assert status == 200 and content_type.startswith("application/json")
    assert json.loads(body) == {"ready": True}


async def test_readyz_notes_an_index_behind_the_knowledge_files_and_stays_ready():
    behind = ["the index 'pm-coach-e5' is behind the knowledge files here: run `coachbot ingest`"]
    _, probes = instrument(CoachDouble(), index_chunks=lambda: 42, index_behind=lambda: behind[0])
    async with health_server(probes, "127.0.0.1", 0) as port:
        status, _, body = await get(port, "/readyz")
        assert status == 200 and json.loads(body) == {"ready": True, "notes": {"index": behind[0]}}
        behind[0] = None
        status, _, body = await get(port, "/readyz")
    assert status == 200 and json.loads(body) == {"ready": True}


async def test_readyz_is_503_naming_the_empty_index_and_the_lost_connection():
    _, probes = instrument(CoachDouble(), index_chunks=lambda: 0)
    probes.watch("slack", lambda: "not connected to Slack over Socket Mode")
    async with health_server(probes, "127.0.0.1", 0) as port:
        status, _, body = await get(port, "/readyz")
    assert status == 503
    assert json.loads(body) == {
        "ready": False,
        "not_ready": {
            "index": "the index has no chunks: run `coachbot ingest`",
            "slack": "not connected to Slack over Socket Mode",
        },
    }


async def test_a_check_that_raises_makes_readyz_503_not_500():
    def broken() -> int:
        raise OSError("chroma unreachable")

    _, probes = instrument(CoachDouble(), index_chunks=broken)

    async def connected() -> None:  # async checks are awaited
        return None

    probes.watch("discord", connected)
    async with health_server(probes, "127.0.0.1", 0) as port:
        status, _, body = await get(port, "/readyz")
    assert status == 503
    assert json.loads(body)["not_ready"] == {"index": "check failed (OSError)"}


async def test_a_replaced_check_is_the_one_asked():
    probes = Probes()
    probes.watch("discord", lambda: "not connected to the Discord gateway")
    assert await probes.not_ready() == {"discord": "not connected to the Discord gateway"}
    probes.watch("discord", lambda: None)  # e.g. the bot was built again after an intents fallback
    assert await probes.not_ready() == {}


async def test_metrics_show_an_answer_given_through_the_wrapper():
    coach, probes = instrument(CoachDouble())
    coach.answer(Question(platform=Platform.DISCORD, channel="c", user="u", privacy=Privacy.DM, text="Where to start?"))
    async with health_server(probes, "127.0.0.1", 0) as port:
        status, content_type, body = await get(port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert 'coachbot_questions_total{platform="discord"} 1.0' in body
    assert 'coachbot_answers_total{coverage="covered",mode="extractive",platform="discord"} 1.0' in body


async def test_no_port_means_no_server():
    async with health_server(Probes(), "127.0.0.1", None) as port:
        assert port is None


@pytest.mark.parametrize("command", ["slack", "discord"])
def test_the_cli_hands_the_index_size_to_the_adapter_for_readyz(command, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from bot.adapters.discord import client as discord_client
    from bot.adapters.slack import app as slack_app
    from bot.ops import cli
    from bot.settings import Settings

    core = SimpleNamespace(
        knowledge=SimpleNamespace(store=SimpleNamespace(count=lambda: 7), index_behind=lambda: "behind"), state=object()
    )
    calls: list[dict] = []
    monkeypatch.setattr(cli, "_coach", lambda settings: core)
    module = slack_app if command == "slack" else discord_client
    monkeypatch.setattr(module, "run", lambda settings, coach, **options: calls.append({"coach": coach, **options}))
    settings = Settings(_env_file=None, data_dir=tmp_path, slack_bot_token="xoxb-t", slack_app_token="xapp-t",
                        discord_token="d-t")
    assert cli.main([command], settings=settings) == 0
    (call,) = calls
    assert call["coach"] is core and call["index_chunks"]() == 7 and call["index_behind"]() == "behind"
    if command == "slack":  # the state keeps installations and is what an uninstalling workspace is erased from
        assert call["state"] is core.state
