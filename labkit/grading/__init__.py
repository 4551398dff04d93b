"""Instructor grading: `labkit grade` (run.py) executes each submission in a fresh kernel
against a fresh embedded backend (executor.py, notebook_runner.py, limits.py), runs the
public and hidden checks, and writes the gradebook (gradebook.py, feedback.py)."""
