"""Live answers: Slack's streaming methods when there is a thread, else chat.update throttled by a clock."""

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import RetryPolicy, SlackDelivery
from bot.adapters.slack.stream import LiveReply, StreamTiming, Throttle, TokenPipe
from bot.adapters.slack.translate import Target
from bot.models import Answer, Mode
from tests.fakes.slack_harness import BOT_TOKEN, Sleeps
from tests.fakes.slack_web_api import FakeSlackWebApi


class StepClock:
    """Advances by `step` seconds every time it is read (0 = frozen time)."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
async def api():
    fake = await FakeSlackWebApi().start()
    yield fake
    await fake.stop()


def delivery_for(api: FakeSlackWebApi) -> SlackDelivery:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.api_url, retry_handlers=[])
    return SlackDelivery(client, RetryPolicy(attempts=2, sleep=Sleeps()))


THREAD = Target("D123ABC456", "U1", thread_ts="1729999327.187299", team="T1", assistant_thread=True)
TOP_LEVEL = Target("D024BE91L", "U1")


def answer(text: str) -> Answer:
    return Answer(question_id="q", text=text, language="en", in_scope=True, mode=Mode.LLM, follow_ups=["next?"])


async def stream(live: LiveReply, tokens: list[str]) -> None:
    pipe = TokenPipe(asyncio.get_running_loop())
    pump = asyncio.create_task(live.pump(pipe))
    for token in tokens:
        pipe.on_token(token)
        await asyncio.sleep(0.01)  # let the pump flush between tokens
    pipe.close()
    await asyncio.wait_for(pump, 10)


def test_throttle_with_a_fake_clock():
    clock = StepClock(0)
    throttle = Throttle(1.0, clock)
    assert throttle.ready()
    throttle.mark()
    assert not throttle.ready() and throttle.remaining() == 1.0
    clock.now += 1.0
    assert throttle.ready()


async def test_streams_through_start_append_stop_in_a_thread(api):
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    await stream(live, ["Hello ", "**world** ", "again"])
    assert await live.finish(answer("Hello **world** again"))
    assert api.methods() == ["chat.startStream", "chat.appendStream", "chat.stopStream"]
    start, append, stop = api.calls_to("chat.startStream")[0], api.calls_to("chat.appendStream")[0], api.calls_to("chat.stopStream")[0]
    assert start["thread_ts"] == THREAD.thread_ts and start["recipient_user_id"] == "U1" and start["recipient_team_id"] == "T1"
    assert start["markdown_text"] + append["markdown_text"] + stop["markdown_text"] == "Hello **world** again"
    assert stop["ts"] == append["ts"] == live.ts is not None
    assert [b["block_id"] for b in stop["blocks"] if "block_id" in b] == ["coach_follow_ups", "coach_feedback"]


async def test_frozen_clock_means_one_update_per_interval_at_most(api):
    live = LiveReply(delivery_for(api), TOP_LEVEL, StreamTiming(update_interval=1.0), clock=StepClock(0))
    await stream(live, [f"word{i} " for i in range(20)])
    assert api.methods() == ["chat.postMessage"]  # the first flush only; time never moved on
    assert await live.finish(answer("".join(f"word{i} " for i in range(20))))
    assert api.methods() == ["chat.postMessage", "chat.update"]
    final = api.calls_to("chat.update")[0]
    assert final["blocks"][0]["text"]["text"].startswith("word0") and final["ts"] == live.ts


async def test_moving_clock_updates_as_tokens_arrive(api):
    live = LiveReply(delivery_for(api), TOP_LEVEL, StreamTiming(update_interval=1.0), clock=StepClock(2))
    await stream(live, ["one ", "two ", "three "])
    assert api.methods() == ["chat.postMessage", "chat.update", "chat.update"]
    assert api.calls_to("chat.update")[-1]["text"].startswith("one two three")


async def test_falls_back_to_chat_update_when_streaming_is_unavailable(api):
    api.fail("chat.startStream", "unknown_method", times=None)
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    await stream(live, ["Hi ", "there "])
    assert await live.finish(answer("Hi there "))
    methods = api.methods()
    assert methods[0] == "chat.startStream" and "chat.postMessage" in methods and methods[-1] == "chat.update"
    assert api.calls_to("chat.postMessage")[0]["thread_ts"] == THREAD.thread_ts


async def test_a_different_final_text_replaces_the_streamed_one(api):
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    await stream(live, ["partial ", "LLM "])
    assert await live.finish(answer("The offline answer."))
    stop = api.calls_to("chat.stopStream")[0]
    assert "blocks" not in stop
    assert api.calls_to("chat.update")[-1]["blocks"][0]["text"]["text"] == "The offline answer."


async def test_no_tokens_means_nothing_was_posted(api):
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    await stream(live, [])
    assert not await live.finish(answer("x")) and api.calls == []
    assert not await live.fail("oops")


async def test_a_failure_mid_stream_stops_live_updates_and_the_final_answer_replaces_it(api):
    api.fail("chat.appendStream", "message_not_found")
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    await stream(live, ["a ", "b ", "c "])
    assert live.mode == "failed"
    assert len(api.calls_to("chat.appendStream")) == 1  # no further attempts after the failure
    assert await live.finish(answer("a b c "))
    assert api.methods()[-1] == "chat.update"


async def test_fail_replaces_a_half_written_answer(api):
    live = LiveReply(delivery_for(api), TOP_LEVEL, clock=StepClock(10))
    await stream(live, ["half "])
    assert await live.fail("Sorry")
    assert api.calls_to("chat.update")[-1]["text"] == "Sorry"


async def test_a_ping_split_across_tokens_never_reaches_slack(api):
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10))
    tokens = ["Look ", "<!ch", "annel> and @he", "re now "]
    await stream(live, tokens)
    await live.finish(answer("".join(tokens)))
    streamed = "".join(c.args.get("markdown_text", "") for c in api.calls)
    assert "<!" not in streamed and "@here" not in streamed and "@\u200bchannel" in streamed


async def test_an_sdk_without_streaming_methods_uses_chat_update_even_in_threads(api):
    class OldSdkDelivery(SlackDelivery):
        can_stream = False

    old = OldSdkDelivery(AsyncWebClient(token=BOT_TOKEN, base_url=api.api_url, retry_handlers=[]))
    live = LiveReply(old, THREAD, clock=StepClock(10))
    await stream(live, ["Hi ", "there "])
    assert await live.finish(answer("Hi there "))
    assert api.methods() == ["chat.postMessage", "chat.update", "chat.update"]
    assert api.calls_to("chat.postMessage")[0]["thread_ts"] == THREAD.thread_ts


async def test_the_first_post_waits_for_the_thinking_status(api):
    status_done = asyncio.get_running_loop().create_future()
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(10), after=status_done)
    pipe = TokenPipe(asyncio.get_running_loop())
    pump = asyncio.create_task(live.pump(pipe))
    pipe.on_token("Hello ")
    await asyncio.sleep(0.05)
    assert api.calls == []  # held back while the status call is still running
    status_done.set_result("status")
    pipe.close()
    await asyncio.wait_for(pump, 10)
    assert api.methods() == ["chat.startStream"]


async def test_a_long_answer_streams_in_pieces_slack_accepts(api):
    """Issue 8, failure 2: 47,300 characters held back by the throttle went out in one chat.stopStream."""
    text = " ".join(f"token{i}" for i in range(6000))
    live = LiveReply(delivery_for(api), THREAD, clock=StepClock(0))  # frozen: everything after the start waits
    await stream(live, ["Hello "] + [text[i : i + 500] for i in range(0, len(text), 500)])
    assert await live.finish(answer("Hello " + text))
    parts = [c.args["markdown_text"] for c in api.calls if "markdown_text" in c.args]
    assert max(len(p) for p in parts) <= 12_000 and "".join(parts) == "Hello " + text
    assert api.methods()[0] == "chat.startStream" and api.methods()[-1] == "chat.stopStream"
