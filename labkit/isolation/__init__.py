"""Keeping learner code in its lane: resource limits and an unprivileged user for the
processes that run it (the grader's kernels and backends, the checks' handler processes).
Used by labkit.checks and labkit.grading alike, so it sits below both."""
