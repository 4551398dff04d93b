"""`labkit cost` command line contract (issue 9)."""
import json
import subprocess
import sys

import pytest

from labkit.cli import main

X86_GB_S = 0.0000166667


def run(capsys, *argv):
    code = main(["cost", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lambda_json_has_total_usd(capsys):
    """Seed 002's workload, no free tier: 100,000 x $0.20/1M + 12,500 GB-s x $0.0000166667."""
    code, out, _ = run(capsys, "lambda", "--requests", "100000", "--duration-ms", "1000",
                       "--memory-mb", "128", "--no-free-tier", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total_usd"] == pytest.approx(0.02 + 12_500 * X86_GB_S)
    assert {i["item"] for i in data["items"]} >= {"requests", "duration x86_64 (handler)"}


def test_lambda_free_tier_and_arch_flags(capsys):
    _, free_out, _ = run(capsys, "lambda", "--requests", "100000", "--duration-ms", "1000",
                         "--memory-mb", "128", "--json")
    assert json.loads(free_out)["total_usd"] == 0
    _, arm_out, _ = run(capsys, "lambda", "--requests", "100000", "--duration-ms", "1000",
                        "--memory-mb", "128", "--arch", "arm64", "--no-free-tier", "--json")
    assert json.loads(arm_out)["total_usd"] == pytest.approx(0.02 + 12_500 * 0.0000133334)


def test_lambda_plain_output_is_a_table_with_items_and_price_date(capsys):
    code, out, _ = run(capsys, "lambda", "--requests", "2000000", "--duration-ms", "120",
                       "--memory-mb", "512", "--cold-starts", "1000", "--init-ms", "400")
    assert code == 0
    for text in ("requests", "duration x86_64 (handler)", "duration x86_64 (INIT phase)",
                 "total", "$0.20 per 1M requests", "https://aws.amazon.com/lambda/pricing/",
                 "checked 2026-"):
        assert text in out, text


def test_provisioned_json(capsys):
    """5 x 512 MB for 730 h: 6,570,000 GB-s x $0.0000041667 (seed 003's ~$27)."""
    code, out, _ = run(capsys, "provisioned", "--concurrency", "5", "--memory-mb", "512",
                       "--hours", "730", "--json")
    assert code == 0
    assert json.loads(out)["total_usd"] == pytest.approx(6_570_000 * 0.0000041667)


def test_provisioned_plain(capsys):
    code, out, _ = run(capsys, "provisioned", "--concurrency", "2", "--memory-mb", "1024",
                       "--hours", "24")
    assert code == 0 and "provisioned concurrency x86_64 (configured)" in out and "total" in out


def test_bad_input_is_a_clear_error(capsys):
    code, out, err = run(capsys, "lambda", "--requests", "10", "--duration-ms", "1",
                         "--memory-mb", "64")
    assert code == 2 and "memory_mb must be 128..10240" in err and out == ""
    with pytest.raises(SystemExit):
        main(["cost", "lambda", "--requests", "10"])  # --duration-ms and --memory-mb missing


def test_installed_entry_point_runs():
    """The same contract through a real process, as a learner types it."""
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "cost", "lambda", "--requests",
                           "1000000", "--duration-ms", "50", "--memory-mb", "256", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total_usd"] == 0  # 1M requests, 12,500 GB-s: free tier
