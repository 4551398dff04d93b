"""`labkit starters`: lab starter notebooks generated from their solutions (labkit/grading/starter.py)."""
from labkit.grading.starter import HELP, add_arguments, run  # noqa: F401 - the verb's interface
