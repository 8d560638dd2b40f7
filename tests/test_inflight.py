"""InFlight: the tasks started while tracking are waited for on shutdown, within the grace period."""

import asyncio

from bot.adapters.inflight import InFlight


async def test_tasks_started_while_tracking_are_finished_and_others_are_not_tracked():
    inflight = InFlight()
    release = asyncio.Event()
    outside = asyncio.create_task(release.wait())
    done: list[str] = []

    async def answer() -> None:
        await release.wait()
        asyncio.create_task(asyncio.sleep(0))  # started by an answer in flight: tracked too
        done.append("answer")

    with inflight.tracking(asyncio.get_running_loop()):
        task = asyncio.create_task(answer())
        assert inflight.pending() == {task}
        asyncio.get_running_loop().call_soon(release.set)
        assert await inflight.finish(grace=10) == 0
    assert done == ["answer"] and outside.done()


async def test_what_is_still_running_after_the_grace_period_is_counted():
    inflight = InFlight()
    never = asyncio.Event()
    with inflight.tracking(asyncio.get_running_loop()):
        stuck = asyncio.create_task(never.wait())
    assert await inflight.finish(grace=0.01) == 1
    stuck.cancel()


async def test_tracking_restores_the_previous_task_factory():
    loop = asyncio.get_running_loop()
    before = loop.get_task_factory()
    with InFlight().tracking(loop):
        assert loop.get_task_factory() is not before
    assert loop.get_task_factory() is before
