"""Entry points and configuration: build_app, run/serve mode selection, SLACK_API_URL, secrets kept out of logs."""

import asyncio
import json
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack.app import (
    DEFAULT_API_URL,
    SlackSetupError,
    api_base_url,
    build_app,
    check_settings,
    run,
    serve,
    uses_http,
)
from tests.fakes.slack_harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, payload, slack_settings, socket_harness
from tests.fakes.slack_http import SlackHttpSender, sign
from tests.fakes.slack_web_api import FakeSlackWebApi


ROOT = Path(__file__).resolve().parents[2]


async def post_when_up(sender: SlackHttpSender, body: dict, attempts: int = 1200):
    """Post an event once the freshly started server accepts connections."""
    for _ in range(attempts - 1):
        try:
            return await sender.event(body)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    return await sender.event(body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_api_url_defaults_to_slack_and_can_be_overridden(tmp_path):
    assert api_base_url(slack_settings(tmp_path)) == DEFAULT_API_URL
    assert api_base_url(slack_settings(tmp_path, slack_api_url="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"


def test_build_app_uses_slack_api_url_and_the_bot_token(coach, tmp_path):
    app = build_app(slack_settings(tmp_path, slack_api_url="http://127.0.0.1:9/api/"), coach)
    assert app.client.base_url == "http://127.0.0.1:9/api/" and app.client.token == BOT_TOKEN


def test_build_app_needs_a_bot_token(coach, tmp_path):
    with pytest.raises(SlackSetupError, match="SLACK_BOT_TOKEN"):
        build_app(slack_settings(tmp_path, slack_bot_token=None), coach)


@pytest.mark.parametrize(
    ("app_token", "secret", "http", "expected"),
    [
        (APP_TOKEN, None, False, False),  # Socket Mode is the default when there is an app token
        (APP_TOKEN, SIGNING_SECRET, True, True),  # --http wins
        (None, SIGNING_SECRET, False, True),  # no app token: HTTP
    ],
)
def test_mode_selection(tmp_path, app_token, secret, http, expected):
    settings = slack_settings(tmp_path, slack_app_token=app_token, slack_signing_secret=secret)
    assert uses_http(settings, http) is expected


@pytest.mark.parametrize(("app_token", "http"), [(None, False), (APP_TOKEN, True)])
def test_http_without_a_signing_secret_is_refused_with_advice(tmp_path, app_token, http):
    settings = slack_settings(tmp_path, slack_app_token=app_token, slack_signing_secret=None)
    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN.*SLACK_SIGNING_SECRET"):
        uses_http(settings, http)


def test_check_settings_reports_the_mode_or_what_is_missing(tmp_path):
    assert check_settings(slack_settings(tmp_path, slack_app_token=APP_TOKEN)) is False
    assert check_settings(slack_settings(tmp_path, slack_app_token=APP_TOKEN), http=True) is True
    with pytest.raises(SlackSetupError, match="SLACK_BOT_TOKEN"):
        check_settings(slack_settings(tmp_path, slack_bot_token=None, slack_app_token=APP_TOKEN))


def test_run_reports_missing_configuration_before_starting(coach, tmp_path):
    with pytest.raises(SlackSetupError):
        run(slack_settings(tmp_path, slack_signing_secret=None), coach)
    with pytest.raises(SlackSetupError, match="SLACK_BOT_TOKEN"):
        run(slack_settings(tmp_path, slack_bot_token=None, slack_app_token=APP_TOKEN), coach)


@pytest.mark.slow
async def test_serve_in_http_mode_answers_signed_events_and_stops(coach, tmp_path):
    api = await FakeSlackWebApi().start()
    port = free_port()
    stop = asyncio.Event()
    settings = slack_settings(tmp_path, slack_api_url=api.api_url)
    task = asyncio.create_task(serve(settings, coach, http=True, host="127.0.0.1", port=port, stop=stop))
    try:
        async with aiohttp.ClientSession() as session:
            reply = await post_when_up(SlackHttpSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, session),
                                       payload("message_im"))
            assert reply.status == 200
            await api.wait_calls("chat.postMessage")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await api.stop()


@pytest.mark.slow
async def test_socket_mode_app_rejects_http_requests_and_never_logs_secrets(coach, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    async with socket_harness(coach, tmp_path) as h:
        await h.socket.wait_ack(await h.socket.send_event(payload("message_im")))
        await h.api.wait_calls("chat.postMessage")
        # Socket Mode has no signing secret: even a request signed with an empty secret must fail.
        body = json.dumps(payload("app_mention"))
        ts = str(int(time.time()))
        request = AsyncBoltRequest(body=body, headers={"content-type": ["application/json"],
                                                       "x-slack-request-timestamp": [ts],
                                                       "x-slack-signature": [sign("", ts, body.encode())]})
        response = await h.app.async_dispatch(request)
        assert response.status == 401
    assert BOT_TOKEN not in caplog.text and APP_TOKEN not in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_run_serves_from_the_environment_until_a_signal_and_finishes_the_answer_in_flight(tmp_path, sig):
    """The CLI entry point in a real process: settings from env vars, HTTP mode; on SIGTERM/SIGINT (what Procfile
    platforms send) the answer being worked on is still delivered, then exit 0 (issue 8: it was cancelled)."""
    api = await FakeSlackWebApi().start()
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": api.api_url, "COACHBOT_DATA_DIR": str(tmp_path)}
    env.pop("SLACK_APP_TOKEN", None)
    code = ("from bot.adapters.slack.app import run; from bot.settings import Settings; "
            "from tests.fakes.coach_double import CoachDouble; "
            f"run(Settings(_env_file=None), CoachDouble(delay=1.5), http=True, host='127.0.0.1', port={port})")
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env=env, cwd=str(ROOT),
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            reply = await post_when_up(SlackHttpSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, session),
                                       payload("app_mention"))
            assert reply.status == 200
            await api.wait_calls("reactions.add")  # the answer is being worked on
        process.send_signal(sig)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        (post,) = api.calls_to("chat.postMessage")  # delivered before the process ended
        assert post["thread_ts"] == "1515449522.000016" and post["blocks"][0]["text"]["text"].startswith("Coaching on:")
        assert BOT_TOKEN not in stderr.decode() and SIGNING_SECRET not in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
