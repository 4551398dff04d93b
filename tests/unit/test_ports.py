"""labkit.isolation.ports: a free port is one a server can bind, never a taken one, and lies
below the ephemeral ranges (where outgoing connections would take ports in between)."""
from __future__ import annotations

import socket

from labkit.isolation import ports


def test_a_free_port_can_be_bound_and_is_below_the_ephemeral_ranges():
    port = ports.free_port()
    assert ports.RANGE[0] <= port < ports.RANGE[1] < 32768
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_a_taken_or_excluded_port_is_never_offered(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.RANGE[0]))
        taken.listen()
        assert not ports.port_is_free("127.0.0.1", ports.RANGE[0])
        offered = iter([ports.RANGE[0], ports.RANGE[0] + 1, ports.RANGE[0] + 2])

        class Draws:
            def randrange(self, *_):
                return next(offered)

        monkeypatch.setattr(ports.random, "SystemRandom", Draws)
        assert ports.free_port(exclude=(ports.RANGE[0] + 1,)) == ports.RANGE[0] + 2
