"""What the browser suite reports of a notebook's errors: each error output, with the end of what
its cell printed (CI shows only the log, and an assertion without a message says little)."""
from __future__ import annotations

from tests.browser import jupyterlab_page


def test_an_error_comes_with_what_its_cell_printed():
    nb = {"cells": [{"outputs": [{"output_type": "stream", "text": ["p50 in ms: ", "{'sync': 300}\n"]},
                                 {"output_type": "error", "ename": "AssertionError", "evalue": ""}]},
                    {"outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'cold'"}]}]}
    assert jupyterlab_page.error_outputs(nb) == [
        "cell 0: AssertionError:  (it printed: ...p50 in ms: {'sync': 300})", "cell 1: KeyError: 'cold'"]
