"""Slack distribution: when it is configured, what is wrong with its configuration, and Bolt's OAuth settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse

from bot.settings import Settings

if TYPE_CHECKING:  # the stores import SQLAlchemy's ORM (seconds at start); only distribution needs them
    from bot.adapters.slack.installations import InstallationStores

log = logging.getLogger(__name__)

# The bot scopes an installation asks for unless SLACK_SCOPES says otherwise: manifest.yml's (a test keeps them equal).
DEFAULT_SCOPES = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "groups:history",
    "im:history",
    "chat:write",
    "commands",
    "reactions:write",
    "users:read",
)
REDIRECT_PATH = "/slack/oauth_redirect"  # Bolt's default; SLACK_REDIRECT_URI's path replaces it
AUTHORIZE_PATH = "../oauth/v2/authorize"  # beside the Web API: https://slack.com/api/ -> https://slack.com/oauth/v2/…
# How long an install link stays valid (Bolt's default): from /slack/install to Slack's redirect back.
STATE_EXPIRATION_SECONDS = 600


def distribution_wanted(settings: Settings) -> bool:
    """True once either OAuth credential is set (a half-set pair is then reported, not ignored)."""
    return bool(settings.slack_client_id or settings.slack_client_secret)


def distribution_problem(settings: Settings, http: bool, events_path: str) -> str | None:
    """What stops distribution from starting, in words that say what to change; None when it can start.
    `http` is whether the adapter will serve HTTP (installers are sent back to a URL of this server)."""
    if not settings.slack_client_id or settings.slack_client_secret is None:
        missing = "SLACK_CLIENT_ID" if not settings.slack_client_id else "SLACK_CLIENT_SECRET"
        return (f"{missing} is missing: set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the app's Basic Information "
                "→ App Credentials) to let workspaces install the coach, or neither for one workspace")
    if settings.slack_bot_token is not None:
        return ("SLACK_BOT_TOKEN is for a single workspace; with SLACK_CLIENT_ID each workspace's token comes from "
                "its installation. Unset SLACK_BOT_TOKEN (or unset SLACK_CLIENT_ID/SLACK_CLIENT_SECRET)")
    if not http:
        return ("installing into many workspaces (SLACK_CLIENT_ID) needs HTTP mode: run `coachbot slack --http` with "
                "SLACK_SIGNING_SECRET, since Slack sends installers back to this server's /slack/oauth_redirect")
    if settings.slack_signing_secret is None:
        return "installing into many workspaces needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)"
    if settings.slack_redirect_uri is not None:
        parsed = urlparse(settings.slack_redirect_uri)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return (f"SLACK_REDIRECT_URI must be a full URL like https://coach.example.com{REDIRECT_PATH}, "
                    f"not {settings.slack_redirect_uri!r}")
    install_path = settings.slack_install_path
    if not install_path.startswith("/") or install_path in (events_path, redirect_path(settings)):
        return (f"SLACK_INSTALL_PATH must be a path of its own starting with / (like /slack/install), "
                f"not {install_path!r}")
    return None


def redirect_path(settings: Settings) -> str:
    """Where this server receives installers back from Slack: SLACK_REDIRECT_URI's path, else Bolt's default."""
    path = urlparse(settings.slack_redirect_uri or "").path
    return path or REDIRECT_PATH


def scopes(settings: Settings) -> list[str]:
    return list(settings.slack_scopes or DEFAULT_SCOPES)


def authorization_url(api_base_url: str) -> str:
    """Slack's consent page, on the same host as the Web API (so a Slack stand-in can play both parts)."""
    return urljoin(api_base_url, AUTHORIZE_PATH)


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    log.info("installed into Slack workspace %s (%s)", installation.team_id, installation.team_name)
    return await args.default.success(args)


async def _not_installed(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("a Slack installation did not complete: %s", args.reason)
    return await args.default.failure(args)


def oauth_settings(settings: Settings, stores: InstallationStores, api_base_url: str) -> AsyncOAuthSettings:
    """Bolt's OAuth flow on our stores: GET install path -> state cookie + redirect to Slack's consent page;
    GET redirect path -> state checked, code exchanged (oauth.v2.access), installation stored."""
    assert settings.slack_client_id and settings.slack_client_secret is not None  # distribution_problem checked it
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=scopes(settings),
        user_scopes=[],  # the coach acts as its bot only; never asks for installers' own tokens
        redirect_uri=settings.slack_redirect_uri,
        install_path=settings.slack_install_path,
        install_page_rendering_enabled=False,  # the install link goes straight to Slack's consent page
        redirect_uri_path=redirect_path(settings),
        callback_options=AsyncCallbackOptions(success=_installed, failure=_not_installed),
        authorization_url=authorization_url(api_base_url),
        installation_store=stores.installations,
        state_store=stores.states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=log,
    )
    # The installation is still looked up for every event (an uninstall takes effect at once on every worker),
    # but auth.test runs once per bot token and process instead of once per event.
    oauth.authorize.cache_enabled = True  # type: ignore[attr-defined]
    return oauth
