"""A workspace that uninstalls the coach (or revokes its bot token) loses its installation and everything stored of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.models import Platform

log = logging.getLogger(__name__)

# StateStore.forget_workspace: erases a workspace's conversations, profiles, journeys, reminders and votes.
ForgetWorkspace = Callable[[Platform, str], int]


class WorkspaceEraser:
    """Deletes one workspace's installation (if installations are kept) and then its stored data."""

    def __init__(self, forget_workspace: ForgetWorkspace, installations: AsyncInstallationStore | None) -> None:
        self.forget_workspace = forget_workspace
        self.installations = installations

    async def erase(self, team_id: str | None, enterprise_id: str | None, why: str) -> int:
        # The installation goes first: from then on no worker authorizes another event of this workspace.
        if self.installations is not None:
            await self.installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        removed = await asyncio.to_thread(self.forget_workspace, Platform.SLACK, team_id) if team_id else 0
        log.info("Slack workspace %s %s: installation deleted, %d stored item(s) erased", team_id, why, removed)
        return removed

    async def forget_user_tokens(self, team_id: str | None, enterprise_id: str | None, users: list[str]) -> None:
        """Revoked user tokens (the coach asks for none, but an installer may have granted some): drop those users'
        installations, as Bolt's own listener does; the bot stays installed, so the workspace's data stays."""
        if self.installations is None:
            return
        for user in users:
            await self.installations.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id,
                                                               user_id=user)


def register_uninstall(app: AsyncApp, eraser: WorkspaceEraser) -> None:
    """app_uninstalled and tokens_revoked (manifest.yml subscribes to both)."""

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await eraser.erase(context.team_id, context.enterprise_id, "uninstalled the coach")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict, context: AsyncBoltContext) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await eraser.erase(context.team_id, context.enterprise_id, "revoked the coach's bot token")
        elif tokens.get("oauth"):
            await eraser.forget_user_tokens(context.team_id, context.enterprise_id, list(tokens["oauth"]))
