"""`labkit lab`: the embedded backend and JupyterLab at the first lesson (labkit/lab_launcher.py)."""
from labkit.lab_launcher import HELP, add_arguments, run  # noqa: F401 - the verb's interface
