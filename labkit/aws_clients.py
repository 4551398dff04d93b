"""boto3 clients that several threads may share: one per service, made once under a lock.

Creating clients from several threads at once through boto3's default session is not safe
(boto3 documentation, "Multithreading or multiprocessing with clients": create a session per
thread, or share clients once created); using one client from several threads is. So each
client is made from a Session of its own, under a lock, and then shared. Every client honours
AWS_ENDPOINT_URL as boto3 reads it when the client is made.
"""
from __future__ import annotations

import threading


class Clients:
    """``clients("sqs")`` -> the one SQS client of this ``Clients``."""

    def __init__(self):
        self._lock, self._clients = threading.Lock(), {}

    def __call__(self, service: str):
        with self._lock:
            if service not in self._clients:
                import boto3

                client = boto3.session.Session().client(service)
                client.exceptions  # noqa: B018 - botocore makes these lazily, unlocked
                self._clients[service] = client
            return self._clients[service]
