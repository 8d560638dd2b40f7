"""Distribution end to end against the fake Slack, on SQLite and PostgreSQL: install through the OAuth flow, answer
each workspace with its own token, and erase a workspace (only that one) when it uninstalls the coach."""

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from bot.adapters.slack.oauth import DEFAULT_SCOPES
from bot.state.database import Database
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_distribution import Distribution, distribution_harness
from tests.fakes.slack_harness import BOT_TOKEN, SIGNING_SECRET, payload
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET, INSTALLER, FakeWorkspace
from tests.fakes.waiting import eventually
from tests.fakes.slack_web_api import TEAM_ID, FakeSlackWebApi

pytestmark = pytest.mark.slow

ACME, GLOBEX = ("T0ACME0001", "Acme"), ("T0GLOBEX01", "Globex")
WORKSPACE_TABLES = ("memory_turns", "feedback_votes", "profiles", "journeys", "reminders", "deliveries",
                    "answered_threads")


@pytest.fixture
def state(installation_database):
    from bot.state.store import StateStore

    return StateStore(installation_database)


@pytest.fixture
def real_coach(knowledge, state):
    from bot.core.coach import Coach

    return Coach.over(knowledge, state)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for something the adapter does after it acknowledged a delivery (a deadline, not a speed check)."""
    await eventually(condition, 20.0, what=what, interval=0.05)


def installed_teams(database: Database) -> list[tuple]:
    from sqlalchemy import MetaData

    tables = MetaData()
    tables.reflect(database.engine, only=["slack_installations", "slack_bots"])
    with database.begin() as connection:
        return sorted(
            (name, *row) for name, table in tables.tables.items()
            for row in connection.execute(select(table.c.team_id, table.c.bot_token, table.c.bot_user_id))
        )


def kept_rows(database: Database, workspace: str, platform: str = "slack") -> dict[str, int]:
    """Rows of every table that records a workspace, for one workspace."""
    with database.begin() as connection:
        return {
            name: connection.execute(
                select(func.count()).select_from(table).where(table.c.platform == platform,
                                                              table.c.workspace == workspace)
            ).scalar_one()
            for name in WORKSPACE_TABLES
            for table in [database.table(name)]
        }


def keep_something_of_everything(database: Database, workspace: str, platform: str = "slack") -> None:
    """A turn, a profile, a journey, a reminder, a vote, an inbox delivery and an answered thread of `workspace`'s
    user: what conversations leave behind."""
    user, conversation = f"U{workspace[-4:]}", f"{platform}:dm:{workspace}:D1::"
    rows = {
        "memory_turns": {"conversation": conversation, "platform": platform, "workspace": workspace, "privacy": "dm",
                         "user_id": user, "question_id": "q", "question_text": "?", "language": "en",
                         "answer_id": f"a-{platform}-{workspace}", "answer_json": "{}", "points_json": "[]",
                         "created_at": 1.0},
        "profiles": {"platform": platform, "user_id": user, "workspace": workspace, "profile_json": "{}",
                     "updated_at": 1.0},
        "journeys": {"conversation": conversation, "platform": platform, "workspace": workspace, "user_id": user,
                     "state_json": "{}", "updated_at": 1.0},
        "reminders": {"id": f"r-{platform}-{workspace}", "platform": platform, "workspace": workspace, "user_id": user,
                      "channel": "D1", "due_at": 2.0, "reminder_json": "{}"},
        "feedback_votes": {"answer_id": f"a-{platform}-{workspace}", "platform": platform, "user_id": user,
                           "workspace": workspace, "rating": 1, "question_id": "q", "asker": user, "privacy": "dm",
                           "language": "en", "created_at": 1.0},
        "deliveries": {"delivery_id": f"{platform}:event:{workspace}", "platform": platform, "workspace": workspace,
                       "user_id": user, "kind": "event", "payload_json": "{}", "status": "done",
                       "received_at": 1.0},
        "answered_threads": {"platform": platform, "workspace": workspace, "channel": "C1", "thread": "1.2",
                             "answered_at": 1.0},
    }
    with database.begin() as connection:
        for name, row in rows.items():
            connection.execute(database.table(name).insert().values(**row))


def revocation(*, bot: list[str], oauth: list[str], event_id: str = "Ev0REVOKED01") -> dict:
    revoked = payload("tokens_revoked")
    revoked["event"]["tokens"] = {"oauth": oauth, "bot": bot}
    revoked["event_id"] = event_id
    return revoked


async def installed_with_data(d: Distribution, database: Database) -> FakeWorkspace:
    acme = d.api.oauth.add_workspace(*ACME)
    assert (await d.install(acme.team_id)).status == 200
    keep_something_of_everything(database, acme.team_id)
    return acme


async def uninstall(d: Distribution, workspace: FakeWorkspace) -> None:
    """The workspace removes the app: Slack revokes the token, then sends tokens_revoked and app_uninstalled."""
    d.api.oauth.uninstall(workspace.team_id)
    revoked = revocation(bot=[workspace.bot_user_id], oauth=[], event_id=f"EvREVOKED{workspace.team_id}")
    uninstalled = payload("app_uninstalled")
    uninstalled["event_id"] = f"EvUNINSTALLED{workspace.team_id}"
    assert (await d.event(workspace, revoked)).status == 200
    assert (await d.event(workspace, uninstalled)).status == 200


def posts_in(d: Distribution, channel: str) -> list:
    return [c for c in d.api.calls if c.method == "chat.postMessage" and c.args.get("channel") == channel]


async def test_install_answer_each_workspace_with_its_token_and_erase_only_the_one_that_uninstalls(
        real_coach, state, tmp_path, caplog):
    caplog.set_level("INFO")
    database = state.database
    async with distribution_harness(real_coach, tmp_path, state) as d:
        acme, globex = d.api.oauth.add_workspace(*ACME), d.api.oauth.add_workspace(*GLOBEX)

        # The install link sets the state cookie and sends the installer to Slack's consent page.
        consent_url, state_cookie = await d.start_install(acme.team_id)
        consent = urlparse(consent_url)
        assert f"{consent.scheme}://{consent.netloc}{consent.path}" == f"http://127.0.0.1:{d.api.port}/oauth/v2/authorize"
        asked = parse_qs(consent.query)
        assert asked["client_id"] == [CLIENT_ID] and asked["team"] == [acme.team_id]
        assert asked["scope"] == [",".join(DEFAULT_SCOPES)] and asked["state"] == [state_cookie]

        # The installer approves; Slack sends them back with a code, which the coach exchanges for the token.
        back = await d.consent(consent_url)
        assert back.startswith(f"{d.base_url}/slack/oauth_redirect?code=")
        finished = await d.come_back(back, state_cookie)
        assert finished.status == 200 and "Thank you!" in finished.page
        (exchange,) = [c for c in d.api.calls if c.method == "oauth.v2.access"]
        assert exchange.args == {"code": d.api.oauth.consents[0].code}  # client credentials went as Basic auth
        assert installed_teams(database) == [("slack_bots", acme.team_id, acme.token, acme.bot_user_id),
                                             ("slack_installations", acme.team_id, acme.token, acme.bot_user_id)]

        assert (await d.install(globex.team_id)).status == 200

        # Each workspace's question is answered with that workspace's own bot token.
        await d.mention(acme, "How do I become an AI product manager?", "EvACME1", channel="C0ACME")
        await d.mention(globex, "What are the three types of AI product managers?", "EvGLOBEX1", channel="C0GLOBEX")
        await until(lambda: posts_in(d, "C0ACME") and posts_in(d, "C0GLOBEX"), "both workspaces answered")
        assert "How to become an AI product manager" in str(posts_in(d, "C0ACME")[0].args["blocks"])
        by_workspace = {c.token for c in d.api.calls if c.args.get("channel") == "C0ACME"}
        assert by_workspace == {acme.token}
        assert {c.token for c in d.api.calls if c.args.get("channel") == "C0GLOBEX"} == {globex.token}
        assert {c.token for c in d.api.calls if c.method != "oauth.v2.access"} == {acme.token, globex.token}

        # The answers are remembered with their workspace (once their delivery is confirmed, just after the post);
        # the rest of what conversations keep is added here.
        await until(lambda: kept_rows(database, acme.team_id)["memory_turns"] == 1
                    and kept_rows(database, globex.team_id)["memory_turns"] == 1, "both answers remembered")
        keep_something_of_everything(database, acme.team_id)
        keep_something_of_everything(database, globex.team_id)
        keep_something_of_everything(database, acme.team_id, platform="discord")  # same id, another platform
        acme_before, globex_before = kept_rows(database, acme.team_id), kept_rows(database, globex.team_id)
        assert all(acme_before.values()) and all(globex_before.values())

        # Acme removes the app: its installation and everything kept of it go; Globex keeps everything.
        await uninstall(d, acme)
        await until(lambda: not any(kept_rows(database, acme.team_id).values()), "Acme's data erased")
        assert [row for row in installed_teams(database) if row[1] == acme.team_id] == []
        assert kept_rows(database, globex.team_id) == globex_before
        assert [row[1] for row in installed_teams(database)] == [globex.team_id, globex.team_id]
        assert all(kept_rows(database, acme.team_id, platform="discord").values())

        # A late Acme event finds no installation and goes unanswered; Globex is answered as before.
        await d.mention(acme, "Are you still there?", "EvACME2", channel="C0ACME")
        await d.mention(globex, "How do I become an AI product manager?", "EvGLOBEX2", channel="C0GLOBEX")
        await until(lambda: len(posts_in(d, "C0GLOBEX")) == 2, "Globex answered again")
        assert len(posts_in(d, "C0ACME")) == 1 and posts_in(d, "C0GLOBEX")[1].token == globex.token

    for secret in (CLIENT_SECRET, acme.token, globex.token):
        assert secret not in caplog.text
    assert f"installed into Slack workspace {acme.team_id} (Acme)" in caplog.text


async def test_the_install_link_sets_a_private_short_lived_state_cookie(state, tmp_path):
    from http.cookies import SimpleCookie

    async with distribution_harness(CoachDouble(), tmp_path, state) as d:
        async with d.session.get(f"{d.base_url}/slack/install", allow_redirects=False) as response:
            assert response.status == 302
            (cookie,) = SimpleCookie(response.headers["Set-Cookie"]).values()
            assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/" and cookie["max-age"] == "600"
            assert parse_qs(urlparse(response.headers["Location"]).query)["state"] == [cookie.value]
        assert [c.method for c in d.api.calls] == []  # nothing is asked of Slack before the installer approves


async def test_an_install_that_does_not_come_back_right_stores_nothing(state, tmp_path):
    async with distribution_harness(CoachDouble(), tmp_path, state) as d:
        acme = d.api.oauth.add_workspace(*ACME)
        consent_url, state_cookie = await d.start_install(acme.team_id)
        back = await d.consent(consent_url)

        other_browser = await d.come_back(back, None)  # no state cookie: not the browser that started
        assert other_browser.status == 400
        forged = await d.come_back(back.replace(state_cookie, "forged"), "forged")  # never issued
        assert forged.status == 401
        cancelled = await d.come_back(f"{d.base_url}/slack/oauth_redirect?error=access_denied&state={state_cookie}",
                                      state_cookie)
        assert cancelled.status == 200 and "Oops" in cancelled.page
        assert installed_teams(state.database) == []
        assert [c.method for c in d.api.calls] == []  # no code was exchanged

        # The original browser can still finish, once.
        assert (await d.come_back(back, state_cookie)).status == 200
        assert (await d.come_back(back, state_cookie)).status == 401  # the state was used up
        assert len(installed_teams(state.database)) == 2


async def test_a_workspace_that_never_installed_is_not_answered(state, tmp_path):
    coach = CoachDouble()
    async with distribution_harness(coach, tmp_path, state) as d:
        acme, stranger = d.api.oauth.add_workspace(*ACME), d.api.oauth.add_workspace("T0STRANGER", "Stranger")
        assert (await d.install(acme.team_id)).status == 200
        await d.mention(stranger, "How do I become an AI product manager?", "EvSTRANGER1", channel="C0STRANGER")
        await d.mention(acme, "How do I become an AI product manager?", "EvACME1", channel="C0ACME")
        await until(lambda: posts_in(d, "C0ACME"), "Acme answered")
        assert posts_in(d, "C0STRANGER") == [] and len(coach.questions) == 1
        assert stranger.token not in {c.token for c in d.api.calls}


async def test_a_revoked_bot_token_alone_erases_the_workspace(state, tmp_path):
    async with distribution_harness(CoachDouble(), tmp_path, state) as d:
        acme = await installed_with_data(d, state.database)
        await d.event(acme, revocation(bot=[acme.bot_user_id], oauth=[]))
        await until(lambda: not installed_teams(state.database), "Acme's installation deleted")
        await until(lambda: not any(kept_rows(state.database, acme.team_id).values()), "Acme's data erased")


async def test_revoked_user_tokens_leave_the_bot_and_the_workspaces_data(state, tmp_path):
    async with distribution_harness(CoachDouble(), tmp_path, state) as d:
        acme = await installed_with_data(d, state.database)
        await d.event(acme, revocation(bot=[], oauth=[INSTALLER]))  # the installer's own grant, as Bolt handles it
        await until(lambda: len(installed_teams(state.database)) == 1, "the installer's installation row deleted")
        await d.mention(acme, "How do I become an AI product manager?", "EvACME1", channel="C0ACME")
        await until(lambda: posts_in(d, "C0ACME"), "Acme answered")  # with the bot token that stays
        assert posts_in(d, "C0ACME")[0].token == acme.token
        assert [row[0] for row in installed_teams(state.database)] == ["slack_bots"]
        assert all(kept_rows(state.database, acme.team_id).values())


async def test_one_workspace_mode_also_erases_the_workspace_when_the_app_is_removed(state, tmp_path):
    """SLACK_BOT_TOKEN, no client credentials: no install flow, but an uninstall still erases what was kept."""
    async with distribution_harness(CoachDouble(), tmp_path, state, slack_client_id=None, slack_client_secret=None,
                                    slack_bot_token=BOT_TOKEN) as d:
        assert d.app.oauth_flow is None
        keep_something_of_everything(state.database, TEAM_ID)
        keep_something_of_everything(state.database, GLOBEX[0])
        async with d.session.get(f"{d.base_url}/slack/install", allow_redirects=False) as response:
            assert response.status in (404, 405)
        await d.http.event(payload("app_uninstalled"))  # the fixture's team is the one workspace
        await until(lambda: not any(kept_rows(state.database, TEAM_ID).values()), "the workspace's data erased")
        assert all(kept_rows(state.database, GLOBEX[0]).values())


async def test_the_entry_point_serves_installs_from_the_environment(tmp_path):
    """`run()` as `coachbot slack --http` calls it, in a real process configured only by environment variables."""
    import os
    import sys

    import aiohttp

    from tests.slack.test_app_setup import ROOT, free_port

    api = await FakeSlackWebApi().start()
    port = free_port()
    env = {**os.environ, "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api.api_url, "COACHBOT_DATA_DIR": str(tmp_path)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL"):
        env.pop(name, None)
    code = ("import logging; logging.basicConfig(level=logging.INFO); "
            "from bot.adapters.slack.app import run; from bot.settings import Settings; "
            "from bot.state.store import StateStore; from tests.fakes.coach_double import CoachDouble; "
            "settings = Settings(_env_file=None); "
            f"run(settings, CoachDouble(), http=True, host='127.0.0.1', port={port}, state=StateStore.open(settings))")
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env=env, cwd=str(ROOT),
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            for _ in range(600):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/slack/install", allow_redirects=False) as reply:
                        status, location = reply.status, reply.headers.get("Location", "")
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        assert status == 302 and location.startswith(f"http://127.0.0.1:{api.port}/oauth/v2/authorize?")
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        assert f"Slack installs start at http://127.0.0.1:{port}/slack/install" in stderr.decode()
        assert CLIENT_SECRET not in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
