"""labkit.lessons.testing_lesson: pytest's JUnit report read back as a table, pytest run in a
subprocess (its verdict, its conftest, the environment and import path it is given), bugs planted
in a copy, the verdict table and its plot, the AWS names in a file, and what a change touched."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from labkit.lessons.testing_lesson import (
    TierRun, aws_surface, changed_lines, junit_rows, plant, plot_tiers, pytest_table,
    read_files, run_pytest, second_endpoint, verdict_table)

# a pytest JUnit report: one test passed, one failed, one errored, one skipped
REPORT = (Path(__file__).parent / "data" / "junit_report_of_four_tests.xml").read_text()


def test_junit_rows_give_each_test_its_outcome_time_and_first_message_line():
    rows = junit_rows(REPORT)
    assert list(rows["test"]) == ["test_domain::test_ok", "test_domain::test_total",
                                  "test_adapters::test_put", "test_flow::test_later"]
    assert list(rows["outcome"]) == ["passed", "failed", "error", "skipped"]
    assert list(rows["seconds"]) == [0.01, 0.02, 1.5, 0.0]
    assert list(rows["message"]) == ["", "AssertionError: assert 550 == 1000",
                                     'failed on setup with "ClientError"', "no stage given"]


def test_an_empty_run_or_a_nonzero_exit_is_not_a_pass():
    empty = pd.DataFrame(columns=["test", "outcome", "seconds", "message"])
    assert not TierRun("unit", empty, 0.1, 0).passed           # nothing ran: proves nothing
    assert not TierRun("unit", junit_rows(REPORT).head(1), 0.1, 1).passed
    assert not TierRun("e2e", junit_rows(REPORT).tail(1), 0.1, 0).passed   # a skip proves nothing
    ok = TierRun("unit", junit_rows(REPORT).head(1), 0.1, 0)
    assert ok.passed and ok.summary() == "unit: passed (1 passed) in 0.1 s"
    table = pytest_table(ok, TierRun("e2e", junit_rows(REPORT).tail(2), 2.0, 1))
    assert list(table[""]) == ["✓", "✗", "–"] and list(table["run"]) == ["unit", "e2e", "e2e"]


def _project(tmp_path):
    """A code folder and a tests folder whose conftest.py sits above the test files, as the
    lesson's do."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pricing.py").write_text("def total(q, c):\n    return q * c\n")
    tests = tmp_path / "tests"
    (tests / "unit").mkdir(parents=True)
    (tests / "conftest.py").write_text(
        "import os, pytest\n\n@pytest.fixture\ndef marker():\n    return os.environ['LESSON_MARKER']\n")
    (tests / "unit" / "test_pricing.py").write_text(
        "from pricing import total\n\n"
        "def test_total(marker):\n    assert marker == 'given' and total(2, 450) == 900\n\n"
        "def test_wrong():\n    assert total(2, 450) == 450, 'quantity ignored?'\n")
    return tmp_path / "app", tests


def test_run_pytest_reads_the_conftest_above_and_the_environment_and_path_it_is_given(tmp_path, monkeypatch):
    app, tests = _project(tmp_path)
    monkeypatch.chdir(tmp_path.parent)        # the caller's folder does not matter
    run = run_pytest(tests, "unit", pythonpath=[app], env={"LESSON_MARKER": "given"}, label="unit")
    assert run.returncode == 1 and not run.passed and run.verdict == "FAILED"
    outcomes = dict(zip(run.tests["test"], run.tests["outcome"]))
    assert outcomes == {"test_pricing::test_total": "passed", "test_pricing::test_wrong": "failed"}
    assert "quantity ignored?" in run.tests.set_index("test").loc["test_pricing::test_wrong", "message"]
    assert run.seconds > 0 and "1 failed, 1 passed" in run.output


def test_run_pytest_passes_only_when_every_test_does_and_takes_relative_paths(tmp_path, monkeypatch):
    app, tests = _project(tmp_path)
    (tests / "unit" / "test_pricing.py").write_text(
        "from pricing import total\n\ndef test_total():\n    assert total(2, 450) == 900\n")
    monkeypatch.chdir(tmp_path)               # paths relative to the caller's folder, not pytest's
    run = run_pytest("tests", "unit", pythonpath=["app"], label="unit")
    assert run.passed and list(run.tests["outcome"]) == ["passed"]
    missing = run_pytest(tests, "unit", label="unit")       # the code is not on the path
    assert not missing.passed and "pricing" in missing.output


def test_plant_changes_one_copy_once_and_refuses_a_text_that_is_not_there_once(tmp_path):
    source = tmp_path / "app"
    source.mkdir()
    (source / "a.py").write_text("x = q * c\ny = 1\n")
    planted = plant(source, tmp_path / "bug", "a.py", "q * c", "c")
    assert (planted / "a.py").read_text() == "x = c\ny = 1\n"
    assert (source / "a.py").read_text() == "x = q * c\ny = 1\n"      # the original is untouched
    assert (plant(source, tmp_path / "copy") / "a.py").read_text() == "x = q * c\ny = 1\n"
    with pytest.raises(ValueError, match="0 times"):
        plant(source, tmp_path / "bug", "a.py", "absent", "x")
    (source / "a.py").write_text("q * c\nq * c\n")
    with pytest.raises(ValueError, match="2 times"):
        plant(source, tmp_path / "bug", "a.py", "q * c", "c")


ROWS = [{"bug": "none", "tier": "unit", "passed": True, "seconds": 1.0},
        {"bug": "none", "tier": "end-to-end", "passed": False, "seconds": 9.0},
        {"bug": "domain", "tier": "unit", "passed": False, "seconds": 1.2},
        {"bug": "domain", "tier": "end-to-end", "passed": True, "seconds": 8.0}]


def test_verdicts_name_caught_missed_and_false_alarms():
    table = verdict_table(ROWS)
    assert list(table.columns) == ["unit", "end-to-end"] and list(table.index) == ["none", "domain"]
    assert table.loc["domain"].tolist() == ["caught", "missed"]
    assert table.loc["none"].tolist() == ["passed", "FALSE ALARM"]   # a failing test without a bug
    assert verdict_table([]).empty


def test_the_plot_marks_each_tier_and_bug_with_its_verdict_and_time():
    fig = plot_tiers(ROWS, "emulated", "title")
    grid, bars = fig.axes
    texts = sorted(t.get_text() for t in grid.texts)
    assert texts == ["FAILS\n1.2 s", "FAILS\n9.0 s", "passes\n1.0 s", "passes\n8.0 s"]
    assert [t.get_text() for t in grid.get_xticklabels()] == ["unit", "end-to-end"]
    assert "emulated" in bars.get_xlabel()
    widths = sorted(round(p.get_width(), 1) for p in bars.patches)
    assert widths == [1.0, 1.2, 8.0, 9.0]
    plt.close(fig)


def test_aws_surface_counts_code_lines_naming_aws_without_docstrings_or_comments():
    files = {"domain.py": '"""Orders. No DynamoDB here."""\n# nor SQS\ndef total(q, c):\n    return q * c\n',
             "adapter.py": '"""Adapter,\nfor DynamoDB.\n"""\nimport boto3\n\ndef save(t, o):\n'
                           '    t.put_item(Item=o)\n    return o\n'}
    table = aws_surface(files)
    assert table.loc["domain.py"].tolist() == [2, 0, "0%"]
    assert table.loc["adapter.py"].tolist() == [4, 2, "50%"]


def test_changed_lines_show_new_changed_unchanged_and_deleted_files(tmp_path):
    before = {"domain.py": "a\nb\n", "handler.py": "x\ny\n", "old.py": "z\n"}
    after = {"domain.py": "a\nb\n", "handler.py": "x\nY\nw\n", "new.py": "1\n2\n"}
    table = changed_lines(before, after)
    assert table.to_dict("index") == {
        "domain.py": {"status": "unchanged", "lines added": 0, "lines removed": 0},
        "handler.py": {"status": "changed", "lines added": 2, "lines removed": 1},
        "old.py": {"status": "deleted", "lines added": 0, "lines removed": 1},
        "new.py": {"status": "new", "lines added": 2, "lines removed": 0}}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text("m")
    (tmp_path / "n.txt").write_text("n")
    assert read_files(tmp_path) == {"sub/m.py": "m"}


def test_the_second_endpoint_is_ministack_when_installed_and_not_current_else_embedded(monkeypatch):
    import labkit.emulator.server as server
    import labkit.ministack as ministack

    class Started:
        def __init__(self, kind):
            self.kind = kind

        def start(self):
            return self

    monkeypatch.setattr(ministack, "MiniStackProcess", lambda: Started("ministack"))
    monkeypatch.setattr(server, "ServerProcess", lambda: Started("embedded"))
    monkeypatch.setattr(ministack, "installed_version", lambda: "1.5.33")
    process, label = second_endpoint("embedded")
    assert process.kind == "ministack" and label == "MiniStack 1.5.33"
    assert second_endpoint("ministack")[0].kind == "embedded"      # never the same emulator twice
    monkeypatch.setattr(ministack, "installed_version", lambda: None)
    process, label = second_endpoint("embedded")
    assert process.kind == "embedded" and label == "a second embedded backend"
