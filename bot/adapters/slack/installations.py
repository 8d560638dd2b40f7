"""Where workspaces' installations and OAuth states are kept: slack_sdk's own SQLAlchemy stores on the state database,
run in worker threads behind the async interfaces Bolt's AsyncApp asks for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's synchronous SQLAlchemy installation store, each call in a thread so the event loop never waits
    on the database (the same engine, pool and transactions as the rest of the state)."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self):  # type: ignore[no-untyped-def]
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        try:
            await asyncio.to_thread(self.store.save, installation)
        except SQLAlchemyError as error:
            # Bolt turns a BoltError into its "installation failed" page instead of a bare 500.
            raise BoltError(f"the installation could not be stored: {type(error).__name__}") from error

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return await asyncio.to_thread(self.store.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        return await asyncio.to_thread(self.store.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                                       user_id=user_id, is_enterprise_install=is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await asyncio.to_thread(self.store.delete_installation, enterprise_id=enterprise_id, team_id=team_id,
                                user_id=user_id)


class ThreadedOAuthStateStore(AsyncOAuthStateStore):
    """slack_sdk's synchronous SQLAlchemy OAuth state store in a thread: any worker can finish an install that
    another worker started."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self):  # type: ignore[no-untyped-def]
        return self.store.logger

    async def async_issue(self, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


@dataclass(frozen=True)
class InstallationStores:
    installations: ThreadedInstallationStore
    states: ThreadedOAuthStateStore


def open_stores(engine: Engine, client_id: str, state_expiration_seconds: int) -> InstallationStores:
    """The stores over slack_sdk's default tables (slack_installations, slack_bots, slack_oauth_states), which
    the state migrations create (revision 0002); nothing is created here."""
    return InstallationStores(
        installations=ThreadedInstallationStore(SQLAlchemyInstallationStore(client_id=client_id, engine=engine)),
        states=ThreadedOAuthStateStore(
            SQLAlchemyOAuthStateStore(expiration_seconds=state_expiration_seconds, engine=engine)
        ),
    )
