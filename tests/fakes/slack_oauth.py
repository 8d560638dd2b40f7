"""Slack's side of app distribution for the fake Web API: the consent page, oauth.v2.access, per-workspace bot tokens."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "fake-client-secret-not-real"
APP_ID = "A123ABC456"
INSTALLER = "U061F7AUR"


@dataclass
class FakeWorkspace:
    team_id: str
    name: str
    bot_user_id: str
    bot_id: str
    token: str
    revoked: bool = False

    def identity(self) -> dict:
        """auth.test's answer for this workspace's bot token (https://docs.slack.dev/reference/methods/auth.test)."""
        return {"ok": True, "url": f"https://{self.name.lower()}.slack.test/", "team": self.name, "user": "pm_coach",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}


@dataclass
class Consent:
    """One approval on the consent page: what the installer's browser asked for, and the code it got."""

    query: dict[str, str]
    team: str
    code: str


@dataclass
class FakeSlackOAuth:
    """Workspaces a test adds can "approve" an install: GET /oauth/v2/authorize redirects to the app's redirect URL
    with a one-time code, which oauth.v2.access exchanges for that workspace's own bot token."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_url: str | None = None  # the app's configured Redirect URL (used when the request names none)
    workspaces: dict[str, FakeWorkspace] = field(default_factory=dict)
    consents: list[Consent] = field(default_factory=list)
    exchanges: list[dict] = field(default_factory=list)  # the oauth.v2.access answers given
    _codes: dict[str, Consent] = field(default_factory=dict)  # codes not exchanged yet
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_workspace(self, team_id: str, name: str) -> FakeWorkspace:
        n = next(self._serial)
        workspace = FakeWorkspace(team_id, name, bot_user_id=f"UBOT{n:05d}", bot_id=f"BBOT{n:05d}",
                                  token=f"xoxb-{team_id}-{n}-fake")
        self.workspaces[team_id] = workspace
        return workspace

    def by_token(self, token: str) -> FakeWorkspace | None:
        return next((w for w in self.workspaces.values() if w.token == token), None)

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: Slack revokes its token (and then sends app_uninstalled)."""
        self.workspaces[team_id].revoked = True

    async def consent_page(self, request: web.Request) -> web.Response:
        """https://docs.slack.dev/authentication/installing-with-oauth: the installer approves; Slack redirects to
        the redirect URL with `code` and the app's `state`."""
        query = dict(request.query)
        if query.get("client_id") != self.client_id:
            return web.Response(status=400, text="invalid_client_id")
        team = query.get("team") or next(iter(self.workspaces), None)
        redirect = query.get("redirect_uri") or self.redirect_url
        if team not in self.workspaces or not redirect:
            return web.Response(status=400, text="no workspace to install into, or no redirect URL")
        consent = Consent(query, team, f"code-{team}-{next(self._serial)}")
        self._codes[consent.code] = consent
        self.consents.append(consent)
        raise web.HTTPFound(f"{redirect}?{urlencode({'code': consent.code, 'state': query.get('state', '')})}")

    def exchange(self, authorization: str, args: dict) -> dict:
        """oauth.v2.access (https://docs.slack.dev/reference/methods/oauth.v2.access): client credentials by HTTP
        Basic auth (as slack_sdk sends them) or as arguments; each code works once."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        consent = self._codes.pop(args.get("code", ""), None)
        if consent is None:
            return {"ok": False, "error": "invalid_code"}
        if "redirect_uri" in consent.query and args.get("redirect_uri") != consent.query["redirect_uri"]:
            return {"ok": False, "error": "bad_redirect_uri"}
        workspace = self.workspaces[consent.team]
        answer = {"ok": True, "access_token": workspace.token, "token_type": "bot",
                  "scope": consent.query.get("scope", ""), "bot_user_id": workspace.bot_user_id, "app_id": APP_ID,
                  "team": {"name": workspace.name, "id": workspace.team_id}, "enterprise": None,
                  "authed_user": {"id": INSTALLER}, "is_enterprise_install": False}
        self.exchanges.append(answer)
        return answer
