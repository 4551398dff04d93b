"""`labkit strip-outputs`: notebooks are committed without outputs (labkit/notebook_outputs.py)."""
from labkit.notebook_outputs import HELP, add_arguments, run  # noqa: F401 - the verb's interface
