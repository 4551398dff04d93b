"""A Jupyter kernel client that cannot sleep through a message that has already arrived.

pyzmq's asyncio poller can miss the wake-up for a message already queued on a socket; it
then sees the message only when the poll times out (its last, non-blocking poll). nbclient
waits for a cell's reply with the whole cell timeout, so one missed wake-up held a finished
cell for exactly that long: notebooks took 300 s more in CI while every cell's own time,
as the kernel stamped it, stayed short. Polling in slices of at most a second bounds a
missed wake-up to that slice. Use ``SlicedPollKernelManager`` as nbclient's
``kernel_manager_class``.
"""
from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

POLL_SLICE_S = 1.0


class SlicedPollChannel(AsyncZMQSocketChannel):
    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message, waiting at most ``timeout`` s (None: forever), in short polls."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE_S if deadline is None else min(POLL_SLICE_S, max(0.0, deadline - time.monotonic()))
            try:
                return await super().get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)
    stdin_channel_class = Type(SlicedPollChannel)
    control_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    # both: AsyncKernelManager's client_factory default ignores client_class
    client_class = DottedObjectName("labkit.kernel_client.SlicedPollKernelClient")
    client_factory = Type(SlicedPollKernelClient, klass=AsyncKernelClient)
