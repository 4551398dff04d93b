"""Lesson 07 helpers: the power-tuning model, log volume, state transitions, the lesson's tables
and plumbing, and its live plots.
Expected numbers are worked out here from the AWS rules and prices quoted, not from the code."""
import pandas as pd
import pytest

from labkit.lessons import cost_lesson as cl

X86_GB_S = 0.0000166667       # aws.amazon.com/lambda/pricing
REQUEST = 0.20 / 1_000_000


def test_cpu_share_is_one_vcpu_at_1769_mb():
    """AWS Lambda Developer Guide ("Configure Lambda function memory"): at 1,769 MB a
    function has the equivalent of one vCPU; CPU is allocated in proportion to memory."""
    assert cl.vcpus(1769) == 1.0
    assert cl.vcpus(884.5) == pytest.approx(0.5)


def test_single_threaded_work_speeds_up_until_one_vcpu_then_stops():
    """Below 1,769 MB the same CPU work takes 1769/memory times longer; above, one thread
    cannot use the extra vCPUs; waiting time never changes."""
    assert cl.modelled_duration_ms(100, 1769) == pytest.approx(100)
    assert cl.modelled_duration_ms(100, 128) == pytest.approx(100 * 1769 / 128)
    assert cl.modelled_duration_ms(100, 3008, wait_ms=40) == pytest.approx(140)
    assert cl.modelled_duration_ms(0, 128, wait_ms=40) == pytest.approx(40)
    with pytest.raises(ValueError):
        cl.modelled_duration_ms(-1, 128)


def test_power_tuning_table_prices_each_memory_size():
    """Monthly cost = requests x $0.20/1M + requests x ceil(duration) ms x GB x $/GB-s."""
    table = cl.power_tuning_table(cpu_ms=200, wait_ms=0, requests_per_month=1_000_000,
                                  memories=(256, 1769))
    at_256 = table.set_index("memory_mb").loc[256]
    duration = 200 * 1769 / 256                              # 1382.03 ms
    expected = 1_000_000 * (REQUEST + 1383 / 1000 * 0.25 * X86_GB_S)
    assert at_256.duration_ms == pytest.approx(duration)
    assert at_256.monthly_usd == pytest.approx(expected, rel=1e-6)
    # CPU-bound: 7x the memory costs about the same GB-s and runs 7x faster
    at_1769 = table.set_index("memory_mb").loc[1769]
    assert at_1769.duration_ms == pytest.approx(200)
    assert at_1769.monthly_usd == pytest.approx(1_000_000 * (REQUEST + 0.2 * 1769 / 1024 * X86_GB_S),
                                                rel=1e-6)


def test_cheapest_within_a_latency_target():
    options = pd.DataFrame({"memory_mb": [128, 512, 1024], "duration_ms": [900, 240, 120],
                            "monthly_usd": [3.0, 2.5, 2.8]})
    assert cl.cheapest_within(options, 300).memory_mb == 512
    assert cl.cheapest_within(options, 150).memory_mb == 1024
    assert cl.cheapest_within(options, 1000).memory_mb == 512
    assert cl.cheapest_within(options, 100) is None


def test_ingested_bytes_counts_utf8_message_bytes():
    events = [{"message": "abc"}, {"message": "é"}, "REPORT x"]
    assert cl.ingested_bytes(events) == 3 + 2 + 8


def test_logs_monthly_usd_at_half_a_dollar_per_gb():
    """CloudWatch Logs standard ingestion: $0.50 per GB (aws.amazon.com/cloudwatch/pricing)."""
    assert cl.logs_monthly_usd(1024, 1024 ** 2) == pytest.approx(0.50)   # exactly 1 GB
    assert cl.logs_monthly_usd(1024, 1024 ** 2, free_tier=True) == 0     # within 5 GB free


def test_state_transitions_count_states_and_retries():
    """Step Functions Standard bills each state transition, and each retry is one more
    (aws.amazon.com/step-functions/pricing)."""
    history = [{"type": t} for t in (
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
        "LambdaFunctionScheduled", "LambdaFunctionFailed", "LambdaFunctionScheduled",
        "LambdaFunctionFailed", "LambdaFunctionScheduled", "LambdaFunctionSucceeded",
        "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded")]
    assert cl.state_transitions(history) == 3 + 2


def test_per_period_extrapolates_a_rate():
    assert cl.per_period(50, 5, 3600) == pytest.approx(36_000)
    with pytest.raises(ValueError):
        cl.per_period(1, 0, 10)


# -- the lesson's tables and plumbing --------------------------------------------------------------

GB_S = X86_GB_S
SQS_REQUEST = 0.40 / 1_000_000   # standard queue, aws.amazon.com/sqs/pricing


def test_usd_shows_cents_or_the_fraction_of_a_cent():
    assert cl.usd(1234.5) == "$1,234.50" and cl.usd(0) == "$0.00"
    assert cl.usd(0.0000123) == "$0.000012"


def test_send_in_bursts_runs_a_burst_at_once_and_the_rest_in_turn():
    import threading
    import time

    in_flight, peaks, lock = [0], [], threading.Lock()

    def call(i):
        with lock:
            in_flight[0] += 1
            peaks.append((i, in_flight[0]))
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1

    assert cl.send_in_bursts(call, [("burst", 4), ("sequential", 3)]) == 7
    numbers = sorted(i for i, _ in peaks)
    assert numbers == list(range(7))
    assert max(p for i, p in peaks if i < 4) > 1                 # the burst overlapped
    assert all(p == 1 for i, p in peaks if i >= 4)               # the sequential calls did not
    with pytest.raises(ValueError):
        cl.send_in_bursts(call, [("sometimes", 1)])


def _reports():
    """Two cold starts billed 300 ms (250 of them INIT) and two warm ones billed 50 ms, 256 MB."""
    return pd.DataFrame({"cold": [True, True, False, False], "billed_ms": [300.0, 300, 50, 50],
                         "init_ms": [250.0, 250, float("nan"), float("nan")],
                         "memory_mb": [256] * 4})


def test_init_share_of_gb_s():
    assert cl.init_share_of_gb_s(_reports()) == pytest.approx(500 / 700)


def test_init_billing_table_prices_the_mix_with_and_without_init():
    """Half cold: mean billed 0.5 x 300 + 0.5 x 50 = 175 ms with INIT, 0.5 x 50 + 0.5 x 50 = 50 ms
    without; a million requests at 256 MB."""
    table = cl.init_billing_table(_reports(), 1_000_000, memory_mb=256, cold_shares=(0.5, 0.0))
    assert table["cold-start share"].tolist() == ["50%", "50%", "0%", "0%"]
    assert table["INIT billed"].tolist() == ["yes (since 1 Aug 2025)", "no (before)"] * 2
    expected = [1e6 * (REQUEST + ms / 1000 * 0.25 * GB_S) for ms in (175, 50, 50, 50)]
    assert table["monthly USD"].tolist() == [round(x, 2) for x in expected]


def test_memory_sweep_table_sets_the_medians_next_to_the_model():
    reports = {128: pd.DataFrame({"duration_ms": [1400.0, 1380, 1390], "billed_ms": [1400, 1380, 1390]}),
               1769: pd.DataFrame({"duration_ms": [100.0, 120, 110], "billed_ms": [100, 120, 110]})}
    cpu_rows = [{"memory_mb": m, "cpu_ms": c} for m, c in
                [(128, 99), (128, 100), (128, 101), (1769, 100), (1769, 100), (1769, 102)]]
    table, cpu_ms = cl.memory_sweep_table(reports, cpu_rows)
    assert cpu_ms == 100
    assert table.loc[128, "duration_ms"] == 1390 and table.loc[1769, "billed_ms"] == 110
    assert table.loc[128, "modelled_ms"] == pytest.approx(100 * 1769 / 128)
    assert table.loc[1769, "usd_per_million (measured)"] == pytest.approx(
        REQUEST * 1e6 + 0.110 * 1769 / 1024 * GB_S * 1e6)
    assert table.loc[1769, "usd_per_million (modelled)"] == pytest.approx(
        REQUEST * 1e6 + 0.100 * 1769 / 1024 * GB_S * 1e6)


def test_extras_charge_per_month_and_per_request():
    assert cl.flat_monthly("estimates", 23.0)(10 ** 9).total_usd == 23.0
    assert cl.per_request("other", 7.7)(3_000_000).total_usd == pytest.approx(23.1)


def test_outage_bill_waits_the_timeout_on_every_call():
    """15 calls and 5 invocations per order: each invocation waits 3 x 10 s at 1 GB; SQS takes a
    send per order and a receive and a delete per invocation."""
    storm = pd.DataFrame({"calls per order": [15.0], "invocations per order": [5.0]}, index=["storm"])
    bill = cl.outage_bill(storm, orders=1000, timeout_s=10, memory_mb=1024).loc["storm"]
    assert bill["downstream calls"] == 15_000 and bill["invocations"] == 5000
    expected = 5000 * REQUEST + 5000 * 30 * 1.0 * GB_S + (2 * 5000 + 1000) * SQS_REQUEST
    assert bill["USD for the outage"] == round(expected, 2)


def test_log_level_bills_price_the_function_and_its_bytes():
    report = ("REPORT RequestId: r{} Duration: 9.50 ms Billed Duration: 10 ms "
              "Memory Size: 1024 MB Max Memory Used: 41 MB")
    events = [{"message": report.format(i)} for i in (1, 2)] + [{"message": "x" * 1000}]
    row = cl.log_level_bills({"DEBUG": events}, invocations=2, monthly_requests=1_000_000).loc["DEBUG"]
    per_invocation = (2 * len(report.format(1)) + 1000) / 2
    lambda_usd = 1e6 * (REQUEST + 0.010 * GB_S)
    logs_usd = per_invocation * 1e6 / 1024 ** 3 * 0.50
    assert row["bytes per invocation"] == round(per_invocation)
    assert row["Lambda USD/month"] == round(lambda_usd, 2)
    assert row["Logs USD/month"] == round(logs_usd, 2)
    assert row["logs / Lambda"] == round(logs_usd / lambda_usd, 1)


def test_queue_triggered_function_delivers_the_queue_to_the_function(aws):
    """The function gets its queue's URL, and a message sent there invokes it."""
    import time

    from labkit.lessons import run_prefix, wait_for_json_lines

    lam, sqs, logs = aws("lambda"), aws("sqs"), aws("logs")
    name = run_prefix("t-l07-queue")
    source = ("import json, os\n\ndef handler(event, context):\n"
              "    for r in event['Records']:\n"
              "        print(json.dumps({'kind': 'got', 'body': r['body'], 'url': os.environ['QUEUE_URL']}))\n")
    function, url = cl.queue_triggered_function(lam, sqs, name, source, env={"X": "1"}, visibility_s=7)
    assert function == name and url.endswith(name)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "7"
    assert lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]["X"] == "1"
    since = time.time() - 1
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    (line,) = wait_for_json_lines(logs, name, 1, since=since, kind="got").to_dict("records")
    assert line["body"] == "hello" and line["url"] == url


# -- the live plots draw every branch ------------------------------------------------------------

def test_power_tuning_plot_draws_and_names_the_cheapest_memory(capsys):
    from labkit.lessons import cost_figures

    sweep = pd.DataFrame({"duration_ms": [1400.0, 100.0]}, index=pd.Index([128, 1769], name="memory_mb"))
    common = dict(wait_ms=0, requests_per_month=3e6, arch="arm64")
    cost_figures.plot_power_tuning(sweep, 100, "emulated", "modelled", cpu_ms=100,
                                   latency_target_ms=200, **common)
    assert "cheapest memory meeting 200 ms" in capsys.readouterr().out
    cost_figures.plot_power_tuning(sweep, 100, "emulated", "modelled", cpu_ms=100,
                                   latency_target_ms=10, **common)
    assert "no memory size meets 10 ms" in capsys.readouterr().out


def test_break_even_plot_says_when_there_is_no_crossing(capsys):
    from labkit.lessons import cost_figures

    workload = dict(duration_ms=200, memory_mb=512, api="http", other_per_million=7.7,
                    free_tier=True, arch="x86_64")
    cost_figures.plot_break_even([1_000, 100_000], "modelled", vps_usd=17.49, nat_gateway=True, **workload)
    assert "costs more than the VPS even with no traffic" in capsys.readouterr().out
    cost_figures.plot_break_even([1_000], "modelled", vps_usd=17.49, nat_gateway=False, **workload)
    assert "no traffic" not in capsys.readouterr().out
