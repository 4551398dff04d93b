"""Keeping learner code in its lane: resource limits and an unprivileged user for the
processes that run it (the grader's kernels and backends, the checks' handler processes), the
process flags that go with them (prctl), atomic file writes, so that a process killed
mid-write leaves no half file, and the free ports of the servers labkit starts. Used by
labkit.checks and labkit.grading alike, so it sits below both."""
