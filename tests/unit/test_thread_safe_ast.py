"""labkit.thread_safe_ast: one ast.parse at a time, whatever the number of threads asking."""
from __future__ import annotations

import ast
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from labkit import thread_safe_ast


def test_threads_parse_one_at_a_time(monkeypatch):
    inside, most = [0], [0]
    lock = threading.Lock()
    real_parse = ast.parse

    def slow_parse(source, mode="exec"):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.01)          # long enough for the other threads to arrive meanwhile
        with lock:
            inside[0] -= 1
        return real_parse(source, mode=mode)

    monkeypatch.setattr(thread_safe_ast, "ast", type("SlowAst", (), {"parse": staticmethod(slow_parse)}))
    with ThreadPoolExecutor(8) as pool:
        trees = list(pool.map(lambda i: thread_safe_ast.parse(f"x = {i}"), range(32)))
    assert most[0] == 1
    assert [tree.body[0].value.value for tree in trees] == list(range(32))


def test_eval_mode_gives_an_expression():
    assert isinstance(thread_safe_ast.parse("a + 1", mode="eval").body, ast.BinOp)
