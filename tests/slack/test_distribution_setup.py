"""Distribution's configuration: the settings, the startup errors that say what to change, Bolt's OAuth settings,
the manifest, and the client that takes each workspace's token."""

import asyncio
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from bot.adapters.slack.app import EVENTS_PATH, SlackSetupError, build_app, check_settings, make_client
from bot.adapters.slack.installations import open_stores
from bot.adapters.slack.oauth import (
    DEFAULT_SCOPES,
    REDIRECT_PATH,
    STATE_EXPIRATION_SECONDS,
    authorization_url,
    distribution_problem,
    distribution_wanted,
    oauth_settings,
)
from bot.adapters.slack.workspace_client import WorkspaceClient
from bot.ops.cli import main
from bot.settings import Settings
from tests.fakes.slack_harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef"


def distributed(tmp_path, **overrides) -> Settings:
    values = {"slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET,
              "slack_signing_secret": SIGNING_SECRET}
    values.update(overrides)
    return Settings(_env_file=None, data_dir=tmp_path, **values)


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


class KeptState:
    """The state's database, and a record of the workspaces it was asked to forget."""

    def __init__(self, database) -> None:
        self.database = database
        self.forgotten: list[tuple] = []

    def forget_workspace(self, platform, workspace: str) -> int:
        self.forgotten.append((platform, workspace))
        return 0


def test_the_environment_configures_distribution(tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SLACK_SCOPES", "chat:write, commands ,app_mentions:read")
    monkeypatch.setenv("SLACK_REDIRECT_URI", "https://coach.example.com/slack/back")
    monkeypatch.setenv("SLACK_INSTALL_PATH", "/add")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert distribution_wanted(settings)
    assert settings.slack_client_id == CLIENT_ID
    assert isinstance(settings.slack_client_secret, SecretStr) and CLIENT_SECRET not in repr(settings)
    assert settings.slack_scopes == ["chat:write", "commands", "app_mentions:read"]
    assert settings.slack_redirect_uri == "https://coach.example.com/slack/back"
    assert settings.slack_install_path == "/add"


def test_blank_distribution_settings_count_as_unset(tmp_path, monkeypatch):
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_REDIRECT_URI", "SLACK_INSTALL_PATH"):
        monkeypatch.setenv(name, " ")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert not distribution_wanted(settings)
    assert settings.slack_client_secret is None and settings.slack_redirect_uri is None
    assert settings.slack_install_path == "/slack/install"


def test_without_client_credentials_it_is_one_workspace(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, slack_bot_token=BOT_TOKEN)
    assert not distribution_wanted(settings)
    assert make_client(settings).token == BOT_TOKEN


@pytest.mark.parametrize(
    ("overrides", "http", "expected"),
    [
        ({"slack_client_secret": None}, True, "SLACK_CLIENT_SECRET is missing"),
        ({"slack_client_id": None}, True, "SLACK_CLIENT_ID is missing"),
        ({"slack_bot_token": BOT_TOKEN}, True, "Unset SLACK_BOT_TOKEN"),
        ({}, False, "needs HTTP mode: run `coachbot slack --http`"),
        ({"slack_signing_secret": None}, True, "needs SLACK_SIGNING_SECRET"),
        ({"slack_redirect_uri": "coach.example.com/back"}, True, "SLACK_REDIRECT_URI must be a full URL"),
        ({"slack_install_path": "install"}, True, "SLACK_INSTALL_PATH must be a path of its own"),
        ({"slack_install_path": EVENTS_PATH}, True, "SLACK_INSTALL_PATH must be a path of its own"),
        ({"slack_install_path": REDIRECT_PATH}, True, "SLACK_INSTALL_PATH must be a path of its own"),
    ],
)
def test_what_stops_distribution_is_named(tmp_path, overrides, http, expected):
    assert expected in distribution_problem(distributed(tmp_path, **overrides), http, EVENTS_PATH)


def test_a_complete_configuration_has_no_problem(tmp_path):
    settings = distributed(tmp_path, slack_redirect_uri="https://coach.example.com/slack/oauth_redirect")
    assert distribution_problem(settings, True, EVENTS_PATH) is None


def test_check_settings_needs_no_bot_token_and_means_http(tmp_path):
    assert check_settings(distributed(tmp_path), http=True) is True
    assert check_settings(distributed(tmp_path), http=False) is True  # no SLACK_APP_TOKEN: HTTP anyway


@pytest.mark.parametrize(
    ("overrides", "http", "expected"),
    [
        ({"slack_app_token": APP_TOKEN}, False, "needs HTTP mode"),  # Socket Mode cannot serve the install flow
        ({"slack_signing_secret": None}, True, "needs SLACK_SIGNING_SECRET"),
        ({"slack_client_secret": None}, True, "SLACK_CLIENT_SECRET is missing"),
    ],
)
def test_a_bad_configuration_stops_startup_with_what_to_change(tmp_path, overrides, http, expected):
    with pytest.raises(SlackSetupError, match=expected.replace("(", r"\(")):
        check_settings(distributed(tmp_path, **overrides), http=http)


def test_the_cli_says_what_to_change_before_loading_anything(tmp_path, capsys):
    settings = distributed(tmp_path, slack_app_token=APP_TOKEN)
    assert main(["slack"], settings=settings) == 1
    error = capsys.readouterr().err
    assert "coachbot slack: installing into many workspaces (SLACK_CLIENT_ID) needs HTTP mode" in error
    assert CLIENT_SECRET not in error


def test_doctor_says_whether_workspaces_can_install(tmp_path):
    from bot.ops.doctor import slack_readiness

    assert slack_readiness(distributed(tmp_path)) == "yes, with --http: workspaces install at /slack/install"
    assert "SLACK_CLIENT_SECRET is missing" in slack_readiness(distributed(tmp_path, slack_client_secret=None))
    assert slack_readiness(Settings(_env_file=None, data_dir=tmp_path, slack_bot_token=BOT_TOKEN,
                                    slack_app_token=APP_TOKEN)) == "yes"


def test_oauth_settings_ask_for_the_manifests_scopes_and_go_straight_to_slack(tmp_path, database):
    stores = open_stores(database.engine, CLIENT_ID, STATE_EXPIRATION_SECONDS)
    oauth = oauth_settings(distributed(tmp_path), stores, "https://slack.com/api/")
    assert oauth.scopes == list(DEFAULT_SCOPES) and oauth.user_scopes == []
    assert oauth.install_path == "/slack/install" and oauth.redirect_uri_path == REDIRECT_PATH
    assert oauth.redirect_uri is None  # Slack then uses the app's one configured Redirect URL
    assert oauth.install_page_rendering_enabled is False
    assert oauth.authorization_url == "https://slack.com/oauth/v2/authorize"  # Bolt's default, unchanged
    assert oauth.installation_store is stores.installations and oauth.state_store is stores.states
    assert oauth.client_secret == CLIENT_SECRET and oauth.authorize.cache_enabled is True


def test_oauth_settings_follow_the_configured_scopes_redirect_and_install_path(tmp_path, database):
    settings = distributed(tmp_path, slack_scopes="chat:write,commands", slack_install_path="/add-to-slack",
                           slack_redirect_uri="https://coach.example.com/slack/back")
    stores = open_stores(database.engine, CLIENT_ID, STATE_EXPIRATION_SECONDS)
    oauth = oauth_settings(settings, stores, "http://127.0.0.1:9/api/")
    assert oauth.scopes == ["chat:write", "commands"]
    assert oauth.redirect_uri == "https://coach.example.com/slack/back" and oauth.redirect_uri_path == "/slack/back"
    assert oauth.install_path == "/add-to-slack"
    assert oauth.authorization_url == "http://127.0.0.1:9/oauth/v2/authorize"


def test_the_consent_page_lives_beside_the_web_api():
    assert authorization_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorization_url("https://proxy.internal/slack/api/") == "https://proxy.internal/slack/oauth/v2/authorize"


def test_the_distributed_app_serves_the_install_routes_and_takes_tokens_per_workspace(tmp_path, database, coach):
    app = build_app(distributed(tmp_path, slack_install_path="/add"), coach, state=KeptState(database))
    assert isinstance(app.client, WorkspaceClient) and app.client.token is None
    assert app.oauth_flow is not None and app.oauth_flow.install_path == "/add"
    routes = {(r.method, r.resource.canonical) for r in app.web_app(path=EVENTS_PATH).router.routes()}
    assert {("GET", "/add"), ("GET", REDIRECT_PATH), ("POST", EVENTS_PATH)} <= routes


def test_distribution_without_the_state_database_is_refused(tmp_path, coach):
    with pytest.raises(SlackSetupError, match="state database"):
        build_app(distributed(tmp_path), coach)


def test_one_workspace_mode_does_not_load_the_installation_stores():
    """slack_sdk's SQLAlchemy stores pull in SQLAlchemy's ORM (seconds at start on a busy machine): only
    distribution may import them."""
    import subprocess
    import sys

    code = ("import sys, bot.adapters.slack.app; "
            "print('slack_sdk.oauth.installation_store.sqlalchemy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_default_scopes_are_the_manifests():
    assert sorted(DEFAULT_SCOPES) == sorted(manifest()["oauth_config"]["scopes"]["bot"])


def test_manifest_subscribes_to_uninstalls_and_names_the_redirect_path():
    data = manifest()
    assert {"app_uninstalled", "tokens_revoked"} <= set(data["settings"]["event_subscriptions"]["bot_events"])
    (redirect,) = data["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://") and redirect.endswith(REDIRECT_PATH)


async def test_each_task_speaks_with_the_token_it_bound(api):
    """Two workspaces' events handled at once: every call goes out with its own workspace's token, also from a
    task started inside (a stream, a reminder) and from a worker thread's context copy."""
    client = WorkspaceClient(base_url=api.api_url, retry_handlers=[])
    both_bound = asyncio.Barrier(2)

    async def handle(token: str, channel: str) -> None:
        client.bind(token)
        await both_bound.wait()  # the other task has bound its token by now
        await client.chat_postMessage(channel=channel, text="answer")
        await asyncio.create_task(client.reactions_add(channel=channel, timestamp="1.2", name="eyes"))

    await asyncio.gather(handle("xoxb-one", "C1"), handle("xoxb-two", "C2"))
    used = {(c.args["channel"], c.token) for c in api.calls}
    assert used == {("C1", "xoxb-one"), ("C2", "xoxb-two")}
    assert client.token is None  # nothing leaked into the test's own task


def test_a_workspace_client_refuses_a_fixed_token():
    with pytest.raises(ValueError, match="workspace"):
        WorkspaceClient(token="xoxb-fixed")


async def test_work_outside_an_event_binds_the_workspaces_installed_token(installation_database):
    from slack_sdk.oauth.installation_store.models.installation import Installation

    installations = open_stores(installation_database.engine, CLIENT_ID, STATE_EXPIRATION_SECONDS).installations
    await installations.async_save(Installation(app_id="A1", team_id="T1", bot_token="xoxb-one", bot_id="B1",
                                                bot_user_id="U1", user_id="U061F7AUR"))
    client = WorkspaceClient()
    assert await client.bind_workspace(installations, "T1") is True and client.token == "xoxb-one"
    assert await client.bind_workspace(installations, "T-gone") is False and client.token is None
