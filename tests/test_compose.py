"""compose.yaml checked without a Docker engine: services, start order, health checks (the probes themselves run
here against real servers), the load balancer's config, and that every variable it uses is a setting or documented."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings
from tests.test_chroma_server import _free_port, chroma_url  # noqa: F401 - a fixture, used by name
from tests.test_packaging import assert_cli_has, ignored_by_dockerignore

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
APP = {name for name, service in SERVICES.items() if service.get("build") == "."}
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
DOCS = (ROOT / "docs" / "deploy.md").read_text()
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|DATABASE_URL|API_KEY")


def command(name: str) -> list[str]:
    value = SERVICES[name]["command"]
    return shlex.split(value) if isinstance(value, str) else value


def coachbot_commands(name: str) -> list[list[str]]:
    """Each `coachbot …` invocation of a service, also inside `sh -c "a && b"`."""
    words = command(name)
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&")]
    return [words]


def depends(name: str) -> dict[str, str]:
    return {target: spec["condition"] for target, spec in SERVICES[name].get("depends_on", {}).items()}


def probe(name: str) -> list[str]:
    return SERVICES[name]["healthcheck"]["test"]


def env_file_keys(path: Path) -> set[str]:
    """Variables set in an env file, including commented-out examples like `# DISCORD_SHARD_IDS=0`."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), re.M))


def setting_names() -> set[str]:
    return {
        choice
        for field in Settings.model_fields.values()
        if field.validation_alias is not None
        for choice in field.validation_alias.choices
        if isinstance(choice, str) and choice.isupper()
    }


def test_the_services_of_a_many_worker_deployment():
    assert set(SERVICES) == {"postgres", "chroma", "migrate", "slack-1", "slack-2", "lb", "discord-commands", "discord"}
    assert SERVICES["postgres"]["image"].split(":")[1].startswith("16")
    assert APP == {"migrate", "slack-1", "slack-2", "discord-commands", "discord"}
    for name in APP:
        assert SERVICES[name]["environment"]["CHROMA_URL"] == "http://chroma:8000"
        assert SERVICES[name]["env_file"] == "deploy/coach.env"


def test_chroma_runs_the_server_version_of_the_locked_client():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [client] = [package["version"] for package in lock["package"] if package["name"] == "chromadb"]
    assert SERVICES["chroma"]["image"] == f"chromadb/chroma:{client}"
    assert "chroma-data:/data" in SERVICES["chroma"]["volumes"]  # where the 1.x image keeps its data


def test_start_order_migrate_once_then_the_workers():
    assert [c[:3] for c in coachbot_commands("migrate")] == [["coachbot", "db", "upgrade"], ["coachbot", "ingest"]]
    assert depends("migrate") == {"postgres": "service_healthy", "chroma": "service_healthy"}
    for worker in ("slack-1", "slack-2", "discord-commands"):
        assert depends(worker) == {"migrate": "service_completed_successfully"}
    assert command("discord-commands") == ["coachbot", "discord", "--sync"]
    assert depends("discord") == {"discord-commands": "service_completed_successfully"}
    assert depends("lb") == {"slack-1": "service_healthy", "slack-2": "service_healthy"}
    for name in SERVICES:
        for target, condition in depends(name).items():
            assert target in SERVICES, (name, target)
            if condition == "service_healthy":
                assert SERVICES[target].get("healthcheck", {}).get("test"), f"{target} has no health check"
            if condition == "service_completed_successfully":  # a one-shot: restarting it would never complete
                assert SERVICES[target]["restart"] == "no", target


def test_compose_commands_exist_in_the_cli():
    assert_cli_has({words[1] for name in APP for words in coachbot_commands(name)})


def _port_of(words: list[str], flag: str) -> str:
    return words[words.index(flag) + 1]


def test_every_worker_is_probed_on_readyz_of_the_port_it_serves():
    for worker in ("slack-1", "slack-2"):
        port = _port_of(command(worker), "--port")
        assert probe(worker)[-1] == f"http://127.0.0.1:{port}/readyz"
        assert _port_of(command(worker), "--host") == "0.0.0.0"
    environment = SERVICES["discord"]["environment"]
    assert probe("discord")[-1] == f"http://127.0.0.1:{environment['COACHBOT_HEALTH_PORT']}/readyz"
    assert environment["COACHBOT_HEALTH_HOST"] == "0.0.0.0"
    assert probe("lb")[-1] == "http://127.0.0.1/healthz"
    assert "pg_isready" in probe("postgres")[-1]
    for name in SERVICES:
        if SERVICES[name]["restart"] != "no":
            assert probe(name), f"{name} runs for good but has no health check"


def test_the_load_balancer_spreads_round_robin_over_both_slack_workers():
    [upstream] = re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", NGINX, re.S)
    name, body = upstream
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", body, re.M)
    assert servers == [(worker, _port_of(command(worker), "--port")) for worker in ("slack-1", "slack-2")]
    assert not re.search(r"^\s*(ip_hash|least_conn|hash|random)\b", body, re.M)  # the default: round robin
    locations = dict(re.findall(r"location\s+(=?\s*\S+)\s*\{(.*?)\}", NGINX, re.S))
    for path in ("/slack/", "= /healthz", "= /readyz"):
        assert f"proxy_pass http://{name};" in locations[path], path
    assert "return 404" in locations["/"] and not [path for path in locations if "metrics" in path]
    [mount] = SERVICES["lb"]["volumes"]
    assert mount.split(":")[0] == "./deploy/nginx.conf" and (ROOT / "deploy" / "nginx.conf").exists()


def test_secrets_come_from_env_files_that_never_reach_git_or_the_image():
    for name, service in SERVICES.items():
        inline = [key for key in service.get("environment", {}) if SECRET.search(key)]
        assert not inline, f"{name} inlines {inline}: secrets belong in its env_file"
    env_files = {service["env_file"] for service in SERVICES.values() if "env_file" in service}
    assert env_files == {"deploy/coach.env", "deploy/postgres.env"}
    ignored = subprocess.run(["git", "check-ignore", *env_files], cwd=ROOT, capture_output=True, text=True)
    assert set(ignored.stdout.split()) == env_files
    for path in env_files:
        assert ignored_by_dockerignore(path)
        assert (ROOT / f"{path}.example").exists(), f"{path}.example shows what to put in {path}"
    assert "POSTGRES_PASSWORD" in env_file_keys(ROOT / "deploy/postgres.env.example")


def test_every_variable_it_uses_is_a_setting_or_documented():
    settings = setting_names()

    def documented(name: str) -> bool:
        return f"`{name}`" in DOCS

    bot_variables = env_file_keys(ROOT / "deploy/coach.env.example")
    for name in APP:
        bot_variables |= set(SERVICES[name].get("environment", {}))
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "DISCORD_SHARD_COUNT"} <= bot_variables
    assert not [v for v in bot_variables if v not in settings and not documented(v)]
    others = env_file_keys(ROOT / "deploy/postgres.env.example")
    raw = (ROOT / "compose.yaml").read_text().replace("$$", "")
    others |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", raw))  # compose's own ${VAR} interpolation
    assert not [v for v in others if not documented(v)]


# --- the probes themselves, run here against real servers ---------------------------------------------------


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/readyz" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _run_probe(test: list[str], url: str) -> int:
    assert test[:2] == ["CMD", "python"]
    return subprocess.run([sys.executable, *test[2:-1], url], capture_output=True, timeout=30).returncode


def test_the_worker_probe_passes_on_200_and_fails_on_503_or_no_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert _run_probe(probe("slack-1"), f"{base}/readyz") == 0
        assert _run_probe(probe("slack-1"), f"{base}/not-ready") == 1
    finally:
        server.shutdown()
    assert _run_probe(probe("discord"), f"http://127.0.0.1:{_free_port()}/readyz") == 1


@pytest.mark.slow
def test_the_chroma_probe_passes_against_a_real_chroma_server_and_fails_on_a_closed_port(chroma_url):  # noqa: F811
    test = probe("chroma")
    assert test[:3] == ["CMD", "/bin/bash", "-c"]
    port = chroma_url.rsplit(":", 1)[1]
    script = test[3]
    assert subprocess.run(["bash", "-c", script.replace("8000", port)], timeout=30).returncode == 0
    assert subprocess.run(["bash", "-c", script.replace("8000", str(_free_port()))], timeout=30).returncode != 0
    wrong_path = script.replace("8000", port).replace("/api/v2/heartbeat", "/api/v2/nothing-here")
    assert subprocess.run(["bash", "-c", wrong_path], timeout=30).returncode != 0
