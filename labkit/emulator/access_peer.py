"""Does a process of one process tree hold the client end of a loopback TCP connection? (Linux)

The backend's guard (access_guard.py) asks this about requests that do not carry the learner's
key: labkit's checks and Lambda workers sign with the emulator's dummy key "test", and they
are the learner's own processes (descendants of the learner's Jupyter server).

1. The kernel's socket diagnostics (netlink NETLINK_SOCK_DIAG, `man 7 sock_diag`) look the
   client's socket up by its exact addresses: its owner's uid and its inode, in well under a
   millisecond however many connections the machine has (/proc/net/tcp lists all of them).
2. Another user's socket is never ours (on TLJH every learner is a user of their own, so a
   stranger costs one netlink query). Otherwise the socket is the tree's when one of the
   tree's processes has a file descriptor `socket:[inode]`. The tree's pids are cached and
   refreshed only when the socket is not found among them (a new kernel or Lambda worker).
Any failure (no netlink, no /proc, a process gone) answers False: then only the key opens.
"""
from __future__ import annotations

import os
import socket
import struct
import sys
import threading

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NO_COOKIE = 0xFFFFFFFF
# who holds the client end of a connection (ProcessTree.client_end_holder)
OURS, GONE = "a process of the learner's server", "no process any more (the sender had gone)"
ANOTHER_USER, ANOTHER_PROCESS = "another user's process", "a process outside the learner's server"


def supported() -> bool:
    """Only Linux has sock_diag and /proc/PID/fd (and only Linux runs multi-user hubs)."""
    return sys.platform.startswith("linux")


def socket_owner(client: tuple[str, int], server: tuple[str, int]) -> tuple[int, int] | None:
    """(uid, inode) of the IPv4 TCP socket bound to `client` and connected to `server`."""
    # struct inet_diag_req_v2 (linux/inet_diag.h): family, protocol, ext, pad, states, then
    # inet_diag_sockid: sport, dport (big-endian), src[4], dst[4], interface, cookie[2]
    sockid = (struct.pack("!HH", client[1], server[1])
              + socket.inet_aton(client[0]) + bytes(12) + socket.inet_aton(server[0]) + bytes(12)
              + struct.pack("=III", 0, NO_COOKIE, NO_COOKIE))
    request = struct.pack("=BBBxI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0xFFFFFFFF) + sockid
    header = struct.pack("=IHHII", 16 + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, 0)
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as link:
            link.settimeout(2.0)
            link.sendto(header + request, (0, 0))
            reply = link.recv(8192)
    except (OSError, AttributeError):   # AttributeError: no AF_NETLINK (not Linux)
        return None
    if len(reply) < 16 + 72 or struct.unpack_from("=H", reply, 4)[0] == NLMSG_ERROR:
        return None
    # struct inet_diag_msg: 4 bytes, sockid (48), expires, rqueue, wqueue, uid, inode
    uid, inode = struct.unpack_from("=II", reply, 16 + 4 + 48 + 12)
    return uid, inode


class ProcessTree:
    """A process and its descendants, asked: do you hold this socket?"""

    def __init__(self, root_pid: int):
        self.root_pid = root_pid
        self._pids: list[int] = [root_pid]
        self._lock = threading.Lock()

    def client_end_holder(self, client: tuple[str, int], server: tuple[str, int]) -> str:
        """OURS, or who else holds it: GONE (no such socket any more: its process closed it or
        died, e.g. a Lambda worker killed at its timeout with a request in flight), ANOTHER_USER
        or ANOTHER_PROCESS."""
        owner = socket_owner(client, server)
        if owner is None or owner[1] == 0:   # inode 0: closed, no file holds it (sock_diag)
            return GONE
        if owner[0] != os.getuid():
            return ANOTHER_USER
        target = f"socket:[{owner[1]}]"
        with self._lock:
            known = list(self._pids)
        if any(_has_fd(pid, target) for pid in known):
            return OURS
        fresh = self._refresh()
        return OURS if any(_has_fd(pid, target) for pid in fresh if pid not in known) else ANOTHER_PROCESS

    def _refresh(self) -> list[int]:
        import psutil

        try:
            root = psutil.Process(self.root_pid)
            pids = [self.root_pid, *(p.pid for p in root.children(recursive=True))]
        except psutil.Error:
            pids = []
        with self._lock:
            self._pids = pids
        return pids


def _has_fd(pid: int, target: str) -> bool:
    folder = f"/proc/{pid}/fd"
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(f"{folder}/{name}") == target:
                return True
        except OSError:
            continue
    return False
