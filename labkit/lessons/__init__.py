"""Small helpers the lesson notebooks share: polling, reading Lambda logs, progress, names.

Everything here talks to the backend through plain boto3 clients passed in by the caller,
so a lesson behaves the same on the embedded backend, on LocalStack and on AWS.
"""
from labkit.lessons.cold_start import force_cold_start
from labkit.lessons.figures import show_figure
from labkit.lessons.logs import (
    parse_report_line, read_json_lines, read_log_messages, read_report_lines, wait_for_json_lines,
    wait_for_reports,
)
from labkit.lessons.names import run_prefix
from labkit.lessons.polling import wait_until
from labkit.lessons.progress_bar import Progress
from labkit.lessons.threadsafe_mathtext import install as _install_threadsafe_mathtext

_install_threadsafe_mathtext()  # every lesson imports this package before it draws

__all__ = [
    "force_cold_start", "parse_report_line", "read_json_lines", "read_log_messages",
    "read_report_lines", "wait_for_json_lines", "wait_for_reports", "run_prefix", "wait_until",
    "Progress", "show_figure",
]
