"""`make lab` port decisions: reuse a labkit backend already on PORT, refuse anything else."""
from __future__ import annotations

import socket

import pytest

from labkit.lab_launcher import PortBusy, plan
from labkit.isolation.ports import free_port


def test_labkit_backend_already_on_port_is_reused(server):
    assert plan(server.port, free_port(exclude=(server.port,))) == "reuse"


def test_free_ports_mean_start():
    port = free_port()
    assert plan(port, free_port(exclude=(port,))) == "start"


def test_other_program_on_backend_port_is_refused_with_way_out():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(PortBusy, match=rf"make lab PORT={port + 1}"):
            plan(port, free_port())


def test_same_port_twice_is_refused():
    with pytest.raises(PortBusy, match="two different ports"):
        plan(25000, 25000)
