"""The notebook runs' kernel client polls in short slices, so a message pyzmq failed to wake
us for is picked up within a slice, not at the end of the cell timeout (notebooks ran 300 s
longer in CI that way). The fake socket below behaves like the missed wake-up: a poll only
reports the queued message when it times out."""
from __future__ import annotations

import asyncio
from queue import Empty
from types import SimpleNamespace

import pytest

from labkit import kernel_client
from labkit.kernel_client import SlicedPollChannel


class MissedWakeUpSocket:
    def __init__(self, has_message: bool):
        self.has_message = has_message
        self.polls: list[int | None] = []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        if timeout_ms:
            await asyncio.sleep(timeout_ms / 1000)   # nobody woke us: sleep the whole poll
        return 1 if self.has_message else 0          # the final non-blocking look


def _channel(socket) -> SlicedPollChannel:
    channel = SlicedPollChannel.__new__(SlicedPollChannel)  # no real zmq socket
    channel.socket = socket

    async def recv():
        return {"msg_type": "execute_reply"}
    channel._recv = recv
    return channel


@pytest.fixture(autouse=True)
def short_slices(monkeypatch):
    monkeypatch.setattr(kernel_client, "POLL_SLICE_S", 0.01)


def test_a_missed_wake_up_costs_one_slice_not_the_timeout():
    socket = MissedWakeUpSocket(has_message=True)
    message = asyncio.run(_channel(socket).get_msg(timeout=300))
    assert message == {"msg_type": "execute_reply"}
    assert socket.polls == [10]          # one 10 ms slice, not one 300 s poll


def test_no_message_still_raises_empty_at_the_timeout(monkeypatch):
    # The channel's clock advances only while the socket polls, so the slices do not depend on
    # how busy the machine is (a real 10 ms sleep took over 35 ms in a loaded make test run).
    now = [0.0]
    monkeypatch.setattr(kernel_client, "time", SimpleNamespace(monotonic=lambda: now[0]))
    socket = MissedWakeUpSocket(has_message=False)

    async def poll(timeout_ms):
        socket.polls.append(timeout_ms)
        now[0] += (timeout_ms or 0) / 1000 + 1e-6   # a poll takes a microsecond at least
        return 0
    socket.poll = poll
    with pytest.raises(Empty):
        asyncio.run(_channel(socket).get_msg(timeout=0.035))
    # three whole 10 ms slices, then what is left of the timeout; never one long poll
    assert socket.polls[:3] == [10, 10, 10]
    assert all(p <= 10 for p in socket.polls) and sum(socket.polls) <= 35


def test_no_timeout_waits_in_slices_until_a_message_comes():
    socket = MissedWakeUpSocket(has_message=False)
    original = socket.poll

    async def poll(timeout_ms):
        if len(socket.polls) == 3:
            socket.has_message = True
        return await original(timeout_ms)
    socket.poll = poll
    assert asyncio.run(_channel(socket).get_msg()) == {"msg_type": "execute_reply"}
    assert socket.polls == [10, 10, 10, 10]


def test_the_kernel_manager_hands_out_sliced_poll_channels():
    """The manager nbclient is given must really build these channels (a class attribute that
    jupyter_client ignored once made this fix a no-op)."""
    from labkit.kernel_client import SlicedPollKernelManager

    client = SlicedPollKernelManager(kernel_name="python3").client()
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(client, f"{name}_channel_class") is SlicedPollChannel, name
