"""Two real `coachbot slack --http` worker processes on one PostgreSQL database and one Chroma server, behind a
round-robin proxy, driven by the Slack fake: nothing answered twice, nothing lost, follow-ups, votes and Share on
the other worker; and a worker killed with SIGKILL in the middle of a burst. EMBEDDINGS=hashing keeps two
processes' start quick (e5 in both would load the model twice on this 2-core machine)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text

from bot.state.database import Database
from tests.fakes.round_robin_proxy import ROUTE_HEADER, RoundRobinProxy
from tests.fakes.slack_harness import BOT_TOKEN, SIGNING_SECRET, payload
from tests.fakes.slack_http import SlackHttpSender
from tests.fakes.slack_web_api import BOT_USER_ID, FakeSlackWebApi
from tests.fakes.waiting import eventually
from tests.test_chroma_server import _free_port, chroma_url  # noqa: F401 - the Chroma server fixture

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "C123ABC456"
QUESTIONS = [
    "How do I become an AI product manager?",
    "What are the three types of AI product managers?",
    "Which skills matter most for an AI PM?",
    "How do I build a portfolio of prototypes?",
    "Wie werde ich KI-Produktmanager?",
]
RESTARTED = ("Sorry — I was restarted", "Entschuldige – ich wurde neu gestartet")  # the apologies, EN and DE


def interrupted(apology: dict) -> bool:
    """The note for an answer that was being sent when its worker was killed (it may have arrived)."""
    return "while sending" in apology["text"] or "während ich dir" in apology["text"]


NOT_UNDERSTOOD = ("I didn't catch a question there", "I coach on AI product management", "Da habe ich keine Frage")


@pytest.fixture
def shared_database(postgres_url):
    """The session's PostgreSQL database, emptied before and after (the workers write to it from outside)."""
    database = Database.from_url(postgres_url)

    def empty() -> None:
        tables = ", ".join(f'"{table.name}"' for table in database.metadata.sorted_tables)
        with database.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))

    empty()
    yield database
    empty()
    database.dispose()


class Worker:
    """One `coachbot slack --http` process on its own port and data dir, with the shared database and index."""

    def __init__(self, index: int, env: dict, tmp_path: Path) -> None:
        self.port = _free_port()
        self.env = {**env, "COACHBOT_DATA_DIR": str(tmp_path / f"worker{index}")}
        self.log = tmp_path / f"worker{index}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "slack", "--http", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )
        async with aiohttp.ClientSession() as session:
            for _ in range(1800):  # up to 3 minutes on a busy machine
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    async with session.get(self.url + "/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("worker did not become ready: " + self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@asynccontextmanager
async def two_workers(tmp_path, postgres_url, chroma, count: int = 2, **env_overrides):
    """`count` workers (two unless the benchmark asks for one), the proxy in front, a signing sender at it."""
    api = await FakeSlackWebApi().start()
    env = {
        **os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.api_url, "DATABASE_URL": postgres_url, "CHROMA_URL": chroma, "EMBEDDINGS": "hashing",
        "COACHBOT_INBOX_LEASE": "10", **env_overrides,
    }
    env.pop("SLACK_APP_TOKEN", None)
    workers = [Worker(i, env, tmp_path) for i in range(count)]
    proxy = None
    try:
        for worker in workers:  # one after the other: the first fills the shared index, the second finds it there
            await worker.start()
        proxy = await RoundRobinProxy([w.url for w in workers]).start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as session:
            yield api, workers, proxy, SlackHttpSender(proxy.url + "/slack/events", SIGNING_SECRET, session)
    finally:
        for worker in workers:
            worker.stop()
        if proxy is not None:
            await proxy.stop()
        await api.stop()


def to(worker: int) -> dict:
    return {"headers": {ROUTE_HEADER: str(worker)}}


def dm_event(n: int, text: str, *, follow_up: int = 0) -> dict:
    body = payload("message_im")
    ts = f"17000{n:05d}.{follow_up:06d}"
    body["event"].update(user=f"UDM{n:04d}", channel=f"D{n:08d}", text=text, ts=ts, event_ts=ts)
    body["event_id"] = f"EvDM{n:04d}x{follow_up}"
    return body


def mention_event(n: int, text: str) -> dict:
    body = payload("app_mention")
    ts = f"17100{n:05d}.000100"
    body["event"].update(user=f"UCH{n:04d}", text=f"<@{BOT_USER_ID}> {text}", ts=ts, event_ts=ts)
    body["event"].pop("thread_ts", None)
    body["event_id"] = f"EvMENTION{n:04d}"
    return body


def thread_reply(n: int, text: str) -> dict:
    body = payload("message_thread_reply")
    ts = f"17100{n:05d}.000900"
    body["event"].update(user=f"UCH{n:04d}", text=text, ts=ts, event_ts=ts, thread_ts=f"17100{n:05d}.000100")
    body["event_id"] = f"EvREPLY{n:04d}"
    return body


def answers(api: FakeSlackWebApi) -> list[dict]:
    """Every answer (a message with blocks) posted in a channel or DM, not the notes."""
    return [c for c in api.calls_to("chat.postMessage") if c.get("blocks")]


def where(call: dict) -> tuple[str, str]:
    return call["channel"], call.get("thread_ts") or ""


async def until(predicate, timeout: float = 240.0) -> None:
    """The workers' end state: polled gently (each look queries PostgreSQL or the fake), by default for 4 minutes."""
    await eventually(predicate, timeout, what="the workers' end state", interval=0.2)


def open_deliveries(database: Database) -> int:
    table = database.table("deliveries")
    with database.begin() as connection:
        return connection.execute(
            select(func.count()).select_from(table).where(table.c.status.notin_(["done", "apologised", "failed"]))
        ).scalar_one()


async def test_two_workers_answer_everything_once_and_continue_each_other_s_conversations(
    tmp_path, postgres_url, shared_database, chroma_url  # noqa: F811 - the fixture
):
    async with two_workers(tmp_path, postgres_url, chroma_url) as (api, workers, proxy, slack):
        dms = [dm_event(n, QUESTIONS[n % len(QUESTIONS)]) for n in range(90)]
        mentions = [mention_event(n, QUESTIONS[n % len(QUESTIONS)]) for n in range(60)]
        originals = dms + mentions  # 150, plus 50 retries: 200 events

        async def deliver(i: int, body: dict) -> None:
            first = slack.event(body, **to(i % 2))
            if i % 3 == 0 and i < 150:  # 50 retries, on the other worker: half at the same moment, half later
                retry = slack.event(body, retry_num=1, **to((i + 1) % 2))
                replies = await asyncio.gather(first, retry) if i % 2 else [await first, await retry]
            else:
                replies = [await first]
            assert {r.status for r in replies} == {200}

        for start in range(0, len(originals), 25):
            await asyncio.gather(*(deliver(i, body) for i, body in enumerate(originals[start:start + 25], start)))
        await until(lambda: len({where(a) for a in answers(api)}) >= 150)
        first_answers = {where(a): a for a in reversed(answers(api))}  # the first answer in each conversation

        # Follow-ups that land on the other worker than the one their conversation started on.
        replies = [thread_reply(n, "Tell me more") for n in range(20)]
        follow_ups = [dm_event(n, "Tell me more", follow_up=1) for n in range(10)]
        for n, body in enumerate(replies):
            assert (await slack.event(body, **to((90 + n + 1) % 2))).status == 200
        for n, body in enumerate(follow_ups):
            assert (await slack.event(body, **to((n + 1) % 2))).status == 200

        # Votes and Share clicks on the other worker.
        voted = []
        for n in range(20):
            answer = first_answers[(f"D{n:08d}", "")]
            answer_id = next(e["value"] for b in answer["blocks"] for e in b.get("elements", [])
                             if e.get("action_id") == "coach_feedback_up")
            click = payload("block_actions_feedback")
            click["actions"][0].update(action_id="coach_feedback_up", value=answer_id)
            click["trigger_id"] = f"vote.{n}"
            click["response_url"] = api.hook_url(f"vote-{n}")
            voted.append(answer_id)
            assert (await slack.interaction(click, **to((n + 1) % 2))).status == 200
        for n in range(10):
            command = payload("slash_command")
            command.update(text=QUESTIONS[n % len(QUESTIONS)], trigger_id=f"cmd.{n}", user_id=f"USH{n:04d}",
                           response_url=api.hook_url(f"cmd-{n}"))
            assert (await slack.command(command, **to(n % 2))).status == 200
        await until(lambda: len([c for c in api.calls_to("chat.postEphemeral") if c.get("blocks")]) == 10)
        for n, private in enumerate(c for c in api.calls_to("chat.postEphemeral") if c.get("blocks")):
            share_id = next(e["value"] for b in private["blocks"] for e in b.get("elements", [])
                            if e.get("action_id") == "coach_share")
            click = payload("block_actions_share")
            click["user"]["id"] = private["user"]
            click["actions"][0]["value"] = share_id
            click["trigger_id"] = f"share.{n}"
            click["response_url"] = api.hook_url(f"share-{n}")
            owner = int(private["user"][3:]) % 2
            assert (await slack.interaction(click, **to((owner + 1) % 2))).status == 200

        shared = lambda: [c for c in api.calls_to("chat.postMessage")  # noqa: E731
                          if c.get("blocks") and ("Shared by" in str(c["blocks"][0]) or "Geteilt von" in str(c["blocks"][0]))]
        await until(lambda: len(answers(api)) >= 150 + 30 + 10 and open_deliveries(shared_database) == 0)
        await asyncio.sleep(2)  # anything a retry would still post has had its chance

        posts = Counter(where(a) for a in answers(api) if a not in shared())
        conversations = {where(a) for a in first_answers.values()}
        assert len(conversations) == 150  # 0 lost
        expected = Counter({c: 1 for c in conversations})
        expected.update({(f"D{n:08d}", ""): 1 for n in range(10)})
        expected.update({(CHANNEL, f"17100{n:05d}.000100"): 1 for n in range(20)})
        assert posts == expected  # 0 duplicates: each conversation got exactly its answers
        for body in [*replies, *follow_ups]:  # answered with their conversation's context
            event = body["event"]
            place = (event["channel"], event.get("thread_ts") or "")
            later = [a for a in answers(api) if where(a) == place][-1]
            assert not later["text"].startswith(NOT_UNDERSTOOD), later["text"]
            assert later["text"] != first_answers[place]["text"]
        with shared_database.begin() as connection:  # every vote stored
            votes = shared_database.table("feedback_votes")
            stored = set(connection.execute(select(votes.c.answer_id)).scalars())
        assert stored == set(voted)
        thanks = [c for c in api.calls_to("chat.postEphemeral") if not c.get("blocks")]
        assert [t["text"] for t in thanks].count("Thanks for the feedback!") == 20
        assert len(shared()) == 10  # every Share honoured
        assert not any("no longer available" in c.get("text", "") for c in api.calls_to("chat.postEphemeral"))
        assert proxy.routed[0] > 50 and proxy.routed[1] > 50


@pytest.mark.parametrize("recover_within", ["10m", "1s"])
async def test_a_worker_killed_in_a_burst_loses_nothing_it_acknowledged_and_answers_nothing_twice(
    tmp_path, postgres_url, shared_database, chroma_url, recover_within  # noqa: F811 - the fixture
):
    async with two_workers(tmp_path, postgres_url, chroma_url, COACHBOT_RECOVER_WITHIN=recover_within) as (
        api, workers, proxy, slack
    ):
        acknowledged: set[int] = set()

        async def deliver(n: int) -> None:
            body = dm_event(n, QUESTIONS[n % len(QUESTIONS)])
            reply = await slack.event(body, **to(n % 2))
            retries = 0
            while reply.status != 200:  # like Slack: retry what was not acknowledged (it lands on the other worker)
                retries += 1
                assert retries <= 3, reply
                await asyncio.sleep(0.5)
                reply = await slack.event(body, retry_num=retries, **to((n + retries) % 2))
            acknowledged.add(n)

        burst = [asyncio.create_task(deliver(n)) for n in range(120)]
        await until(lambda: len(answers(api)) >= 30, timeout=120)
        workers[0].kill()  # SIGKILL in the middle of the burst: no drain, no goodbye
        await asyncio.gather(*burst)
        await workers[0].start()  # the same worker, started again
        await until(lambda: open_deliveries(shared_database) == 0, timeout=240)
        await asyncio.sleep(2)

        assert acknowledged == set(range(120))
        answered = Counter(c["channel"] for c in answers(api))
        apologies = [c for c in api.calls_to("chat.postMessage") if not c.get("blocks")]
        apologised = Counter(c["channel"] for c in apologies)
        channels = {f"D{n:08d}" for n in range(120)}
        assert set(answered) | set(apologised) == channels  # nothing acknowledged is lost
        assert max(answered.values()) == 1 and max(apologised.values(), default=1) == 1  # nothing twice
        assert all(a["text"].startswith(RESTARTED) for a in apologies), apologies
        # An answer and a note only where the answer was being sent when the worker was killed (it may not have
        # arrived); a recent orphan that had not been sent is answered again.
        both = set(answered) & set(apologised)
        assert all(interrupted(a) for a in apologies if a["channel"] in both), (both, apologies)
        if recover_within == "10m":
            assert all(interrupted(a) for a in apologies), apologies
