"""The Slack adapter as a distributed app on loopback: the OAuth install flow, then signed events per workspace."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.app import EVENTS_PATH, KeptState, build_app, http_app
from bot.adapters.slack.delivery import RetryPolicy
from bot.adapters.slack.stream import StreamTiming
from bot.ports import CoachPort
from bot.settings import Settings
from tests.fakes.slack_harness import SIGNING_SECRET, Sleeps, payload
from tests.fakes.slack_http import Reply, SlackHttpSender
from tests.fakes.slack_oauth import FakeWorkspace
from tests.fakes.slack_web_api import FakeSlackWebApi

STATE_COOKIE = "slack-app-oauth-state"  # Bolt's default cookie name


@dataclass
class Installed:
    """The end of one install: the page the installer saw after Slack sent them back."""

    status: int
    page: str


@dataclass
class Distribution:
    api: FakeSlackWebApi
    app: AsyncApp
    settings: Settings
    base_url: str
    session: aiohttp.ClientSession
    http: SlackHttpSender

    async def start_install(self, team_id: str) -> tuple[str, str]:
        """GET the install link: (Slack consent URL it redirects to, the state cookie it set)."""
        async with self.session.get(f"{self.base_url}{self.settings.slack_install_path}", params={"team": team_id},
                                    allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            cookie = SimpleCookie(response.headers["Set-Cookie"])
            return response.headers["Location"], cookie[STATE_COOKIE].value

    async def consent(self, consent_url: str) -> str:
        """The installer approves on (fake) Slack: the URL Slack sends their browser back to."""
        async with self.session.get(consent_url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            return response.headers["Location"]

    async def come_back(self, redirect_url: str, state_cookie: str | None) -> Installed:
        headers = {"Cookie": f"{STATE_COOKIE}={state_cookie}"} if state_cookie is not None else {}
        async with self.session.get(redirect_url, headers=headers, allow_redirects=False) as response:
            return Installed(response.status, await response.text())

    async def install(self, team_id: str) -> Installed:
        consent_url, state = await self.start_install(team_id)
        return await self.come_back(await self.consent(consent_url), state)

    async def event(self, workspace: FakeWorkspace, body: dict) -> Reply:
        """A signed delivery from `workspace` (its team and its bot in the envelope, as Slack sends them)."""
        body["team_id"] = workspace.team_id
        for authorization in body.get("authorizations") or []:
            authorization.update(team_id=workspace.team_id, user_id=workspace.bot_user_id)
        return await self.http.event(body)

    async def mention(self, workspace: FakeWorkspace, text: str, event_id: str, channel: str = "C123ABC456") -> Reply:
        body = payload("app_mention")
        body["event"].update(text=f"<@{workspace.bot_user_id}> {text}", channel=channel)
        body["event_id"] = event_id
        return await self.event(workspace, body)


def distribution_settings(api: FakeSlackWebApi, data_dir: Path, **overrides: object) -> Settings:
    values: dict = {"slack_signing_secret": SIGNING_SECRET, "slack_client_id": api.oauth.client_id,
                    "slack_client_secret": api.oauth.client_secret, "slack_api_url": api.api_url}
    values.update(overrides)
    return Settings(_env_file=None, data_dir=data_dir, **values)


@asynccontextmanager
async def distribution_harness(coach: CoachPort, data_dir: Path, state: KeptState, *,
                               api: FakeSlackWebApi | None = None, **overrides: object) -> AsyncIterator[Distribution]:
    """`coachbot slack --http` with SLACK_CLIENT_ID/SECRET on 127.0.0.1, its installations in `state`'s database."""
    api = await (api or FakeSlackWebApi()).start()
    settings = distribution_settings(api, data_dir, **overrides)
    app = build_app(settings, coach, retry_policy=RetryPolicy(sleep=Sleeps()), timing=StreamTiming(0.05, 0.05),
                    state=state)
    runner = web.AppRunner(http_app(app, SIGNING_SECRET), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    api.oauth.redirect_url = f"{base_url}/slack/oauth_redirect"  # the app's Redirect URL, as configured on Slack
    # Cookies are passed by hand: Bolt's state cookie is Secure, and this is plain HTTP on an IP address.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        try:
            yield Distribution(api, app, settings, base_url, session,
                               SlackHttpSender(f"{base_url}{EVENTS_PATH}", SIGNING_SECRET, session))
        finally:
            await runner.cleanup()
            await api.stop()
