"""A check's boto3 clients are shared by threads (lab 13 deploys its stages side by side), and
botocore makes a client's exception classes on first use without a lock. Two threads that
raise at once can each make their own classes; the one that finished first raises its own
ResourceNotFoundException, which `except client.exceptions.ResourceNotFoundException` (the
other thread's class, stored last) does not catch. Seen once in grading: lab 13's stage 1 died
of a "Function not found" that labkit.deploy catches. Target.client makes the classes once."""
from __future__ import annotations

import itertools
import threading
import time

import boto3
from botocore.errorfactory import ClientExceptionsFactory

from labkit.checks.framework import Target


def _make_first_use_race(monkeypatch) -> None:
    """Both threads inside the factory at once; the second stores its classes last."""
    real, entered = ClientExceptionsFactory._create_client_exceptions, itertools.count()

    def racing(self, service_model):
        order = next(entered)
        time.sleep(0.1)
        made = real(self, service_model)
        time.sleep(0.2 * order)
        return made

    monkeypatch.setattr(ClientExceptionsFactory, "_create_client_exceptions", racing)


def _classes_raised_by_two_threads(client) -> set[type]:
    raised, start = [], threading.Barrier(2)

    def raise_not_found() -> None:
        start.wait()
        raised.append(client.exceptions.ResourceNotFoundException)

    threads = [threading.Thread(target=raise_not_found) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return set(raised) | {client.exceptions.ResourceNotFoundException}   # and the one caught


def test_a_bare_client_can_raise_a_class_its_except_clause_does_not_name(monkeypatch):
    _make_first_use_race(monkeypatch)
    client = boto3.session.Session().client(
        "lambda", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test", aws_secret_access_key="test")
    assert len(_classes_raised_by_two_threads(client)) == 2


def test_a_check_client_gives_every_thread_the_class_it_catches(monkeypatch):
    _make_first_use_race(monkeypatch)
    client = Target(handler_path="unused.py", endpoint_url="http://127.0.0.1:9").client("lambda")
    assert len(_classes_raised_by_two_threads(client)) == 1
