"""Installations and OAuth states in the state database, on SQLite and PostgreSQL, through the async stores Bolt uses."""

import importlib
import threading

import pytest
from alembic import command
from alembic.config import Config
from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import inspect

from bot.adapters.slack.installations import ThreadedOAuthStateStore, open_stores
from bot.adapters.slack.oauth import STATE_EXPIRATION_SECONDS
from bot.state import migrate
from bot.state.database import Database

CLIENT_ID = "1234567890.0987654321"
# The columns slack_sdk's stores read and write, as revision 0002 created them. If an upgrade of slack_sdk changes
# its table builders, this fails: write a revision that brings existing databases along, then update the pins.
PINNED = {
    "slack_installations": {
        "id", "client_id", "app_id", "enterprise_id", "enterprise_name", "enterprise_url", "team_id", "team_name",
        "bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "user_id",
        "user_token", "user_scopes", "user_refresh_token", "user_token_expires_at", "incoming_webhook_url",
        "incoming_webhook_channel", "incoming_webhook_channel_id", "incoming_webhook_configuration_url",
        "is_enterprise_install", "token_type", "installed_at",
    },
    "slack_bots": {
        "id", "client_id", "app_id", "enterprise_id", "enterprise_name", "team_id", "team_name", "bot_token", "bot_id",
        "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "is_enterprise_install",
        "installed_at",
    },
    "slack_oauth_states": {"id", "state", "expire_at"},
}


def installation(team: str, token: str, installed_at: float = 1_700_000_000.0) -> Installation:
    return Installation(app_id="A123ABC456", team_id=team, team_name=f"Team {team}", bot_token=token,
                        bot_id=f"B{team}", bot_user_id=f"U{team}", bot_scopes="chat:write,commands",
                        user_id="U061F7AUR", installed_at=installed_at)


def stores_on(database: Database, client_id: str = CLIENT_ID):
    return open_stores(database.engine, client_id, STATE_EXPIRATION_SECONDS)


def columns(database: Database) -> dict[str, set[str]]:
    inspector = inspect(database.engine)
    return {table: {c["name"] for c in inspector.get_columns(table)} for table in PINNED}


def test_revision_0002_creates_the_tables_slack_sdk_uses_as_pinned(installation_database):
    assert columns(installation_database) == PINNED
    built = importlib.import_module("bot.state.migrations.versions.0002_slack_installations").slack_tables()
    assert {name: set(table.c.keys()) for name, table in built.tables.items()} == PINNED


def test_downgrade_to_0001_drops_them_and_upgrade_brings_them_back(tmp_path):
    database = Database.sqlite_file(tmp_path / "state.sqlite3")
    migrate.upgrade(database)
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not set(PINNED) & set(inspect(database.engine).get_table_names())
    migrate.upgrade(database)
    assert columns(database) == PINNED
    database.dispose()


async def test_installations_are_found_by_workspace_and_deleted_by_workspace(installation_database):
    stores = stores_on(installation_database)
    store = stores.installations
    await store.async_save(installation("T1", "xoxb-one"))
    await store.async_save(installation("T2", "xoxb-two"))

    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-one" and found.bot_user_id == "UT1"
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-two"

    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert (await store.async_find_installation(enterprise_id=None, team_id="T2")).bot_token == "xoxb-two"


async def test_a_reinstall_wins_over_the_older_installation(installation_database):
    store = stores_on(installation_database).installations
    await store.async_save(installation("T1", "xoxb-old", installed_at=1_700_000_000.0))
    await store.async_save(installation("T1", "xoxb-new", installed_at=1_700_000_500.0))
    assert (await store.async_find_installation(enterprise_id=None, team_id="T1")).bot_token == "xoxb-new"


async def test_another_apps_installations_are_not_seen(installation_database):
    await stores_on(installation_database, "other.app").installations.async_save(installation("T1", "xoxb-x"))
    store = stores_on(installation_database).installations
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None


async def test_store_calls_run_off_the_event_loop(installation_database, monkeypatch):
    """A slow database must not stall every other request: the sync store runs in a worker thread."""
    stores = stores_on(installation_database)
    threads = []

    def spy(method):
        def call(*args, **kwargs):
            threads.append(threading.current_thread())
            return method(*args, **kwargs)
        return call

    for sync_store, name in ((stores.installations.store, "save"), (stores.installations.store, "find_installation"),
                             (stores.states.store, "issue"), (stores.states.store, "consume")):
        monkeypatch.setattr(sync_store, name, spy(getattr(sync_store, name)))
    await stores.installations.async_save(installation("T1", "xoxb-one"))
    assert (await stores.installations.async_find_installation(enterprise_id=None, team_id="T1")) is not None
    assert await stores.states.async_consume(await stores.states.async_issue())
    assert len(threads) == 4 and threading.current_thread() not in threads


async def test_a_database_failure_on_save_becomes_bolts_installation_error(installation_database, monkeypatch):
    from sqlalchemy.exc import OperationalError

    store = stores_on(installation_database).installations

    def broken(item):
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(store.store, "save", broken)
    with pytest.raises(BoltError, match="could not be stored"):
        await store.async_save(installation("T1", "xoxb-one"))


async def test_an_oauth_state_is_good_once_on_any_worker(installation_database):
    """Two workers (two store instances over one database): the state issued by one is consumed by the other,
    and only once."""
    first = stores_on(installation_database).states
    second = stores_on(installation_database).states
    state = await first.async_issue()
    assert await second.async_consume(state) is True
    assert await first.async_consume(state) is False
    assert await second.async_consume("never-issued") is False


async def test_an_expired_oauth_state_is_refused(installation_database):
    expired = ThreadedOAuthStateStore(SQLAlchemyOAuthStateStore(expiration_seconds=-60,
                                                                engine=installation_database.engine))
    state = await expired.async_issue()
    assert await expired.async_consume(state) is False
