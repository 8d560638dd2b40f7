"""`coachbot discord` on SIGTERM or SIGINT (issue 8, failure 7): the answer in flight is delivered, then exit 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes import discord_payloads as payloads

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DM_CHANNEL = "1300000000000000009"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_lets_the_answer_in_flight_finish_then_exits_0(fake, tmp_path, sig):
    """Before: SIGTERM killed the process (exit -15) and the answer being written was lost."""
    env = {**os.environ, "DISCORD_TOKEN": "test-token", "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COACHBOT_DATA_DIR": str(tmp_path)}
    code = ("from bot.adapters.discord.client import run; from bot.settings import Settings; "
            "from tests.fakes.coach_double import CoachDouble; run(Settings(_env_file=None), CoachDouble(delay=1.5))")
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env=env, cwd=str(ROOT),
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_connected(timeout=60)  # the process imports and starts first
        await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
        await fake.wait_for(lambda: fake.calls("POST", rf"/channels/{DM_CHANNEL}/typing$"), timeout=20)
        process.send_signal(sig)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        [reply] = fake.channel_messages(DM_CHANNEL)
        assert reply.json["embeds"][0]["description"].startswith("Coaching on:")
        assert "test-token" not in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
