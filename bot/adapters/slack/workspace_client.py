"""A Web API client that speaks with the token of the workspace the current event came from (distribution mode)."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class WorkspaceClient(AsyncWebClient):
    """One client for every workspace: `token` is whatever was bound for the running task (and the tasks and threads
    it starts, which copy the context). The adapter's delivery keeps a single client, yet each workspace's answers
    go out with that workspace's own bot token."""

    def __init__(self, **options: Any) -> None:
        # One variable per client, so two apps in one process (tests, a benchmark) never see each other's tokens.
        self._bound: ContextVar[str | None] = ContextVar(f"slack-workspace-token-{id(self)}", default=None)
        super().__init__(**options)

    @property  # type: ignore[override]
    def token(self) -> str | None:
        return self._bound.get()

    @token.setter
    def token(self, value: str | None) -> None:
        if value:  # AsyncWebClient.__init__ sets None; a fixed token would defeat the point
            raise ValueError("WorkspaceClient takes its token from the workspace being served, not from a setting")

    def bind(self, token: str | None) -> None:
        """Use `token` for every call from the current task on (and from the tasks and threads it starts)."""
        self._bound.set(token)

    async def bind_workspace(self, installations: AsyncInstallationStore, team_id: str,
                             enterprise_id: str | None = None) -> bool:
        """For work outside an incoming event (e.g. an answer resumed by another worker): bind the bot token the
        workspace installed with. False (and nothing bound) when the workspace has no installation any more."""
        installation = await installations.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        token = installation.bot_token if installation is not None else None
        self.bind(token)
        return token is not None


def register_workspace_token(app: AsyncApp, client: WorkspaceClient) -> None:
    """Bind the token Bolt's authorize found for each request before its listeners start. Bolt runs global
    middleware and then the listeners in the same task, and each listener task copies that context."""

    async def bind_token(context: AsyncBoltContext, next):  # type: ignore[no-untyped-def] # noqa: A002 - Bolt's name
        client.bind(context.bot_token)
        return await next()

    app.middleware(bind_token)
