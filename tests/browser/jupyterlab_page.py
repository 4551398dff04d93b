"""Driving one notebook in JupyterLab as a person would: open, Run All, wait, move a widget.

The waits read what the page shows (the status bar's kernel state, the `[*]` prompts),
always with a deadline; nothing sleeps a fixed time.
"""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

KERNEL_IDLE_JS = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  const text = bar ? bar.innerText : '';
  const busy = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
      .some(e => e.textContent.includes('*'));
  return /\\| Idle/.test(text) && !busy;
}"""

# What the widget cell shows besides the controls themselves: plots and printed output.
OUTPUT_SIGNATURE_JS = """(cellIndex) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
  if (!cell) return '';
  const parts = [];
  cell.querySelectorAll('.jp-OutputArea-output img').forEach(i => parts.push(i.getAttribute('src')));
  cell.querySelectorAll('.widget-output, .jp-OutputArea-output pre, .widget-html-content, table')
      .forEach(e => { if (!e.closest('.widget-slider')) parts.push(e.innerText); });
  return parts.join('\\n');
}"""


class NotebookPage:
    def __init__(self, page, base_url: str, path: str):
        self.page, self.base_url, self.path = page, base_url, path

    def open(self, deadline_s: float = 90) -> None:
        self.page.goto(f"{self.base_url}/lab/tree/{urllib.parse.quote(self.path)}?reset")
        self.page.wait_for_selector(".jp-Notebook", timeout=deadline_s * 1000)
        # Wait for the *status bar* to say Idle: the toolbar says idle too early (design.md).
        self.page.wait_for_function(KERNEL_IDLE_JS, timeout=deadline_s * 1000)

    def run_all(self, deadline_s: float) -> None:
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # The first cell must start before "idle" means "finished".
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
            ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))", timeout=30_000)
        self.wait_idle(deadline_s)

    def wait_idle(self, deadline_s: float) -> None:
        self.page.wait_for_function(KERNEL_IDLE_JS, timeout=deadline_s * 1000, polling=250)

    def save(self) -> None:
        self.page.keyboard.press("Control+s")
        # The tab's "dirty" dot disappears once the contents API has the file.
        self.page.wait_for_function(
            "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=30_000)

    def saved_notebook(self) -> dict:
        url = f"{self.base_url}/api/contents/{urllib.parse.quote(self.path)}?content=1"
        with urllib.request.urlopen(url, timeout=30) as resp:
            return json.loads(resp.read())["content"]

    def widget_cell_index(self) -> tuple[int, str] | None:
        """(index of the first cell with a slider or button, which kind), or None.
        Kind is 'slider', 'button', or 'slider+button' (a slider, then a Run button)."""
        return self.page.evaluate("""() => {
          const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
          for (let i = 0; i < cells.length; i++) {
            const slider = cells[i].querySelector('.widget-slider .noUi-handle');
            const button = cells[i].querySelector('button.widget-button, .jupyter-button');
            if (slider && button) return [i, 'slider+button'];
            if (slider) return [i, 'slider'];
            if (button) return [i, 'button'];
          }
          return null;
        }""")

    def output_signature(self, cell_index: int) -> str:
        return self.page.evaluate(OUTPUT_SIGNATURE_JS, cell_index)

    def move_widget(self, cell_index: int, kind: str) -> None:
        cell = self.page.locator(".jp-Notebook .jp-Cell").nth(cell_index)
        cell.scroll_into_view_if_needed()
        if "slider" in kind:
            handle = cell.locator(".widget-slider .noUi-handle").first
            box = handle.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            track = cell.locator(".widget-slider .noUi-target").first.bounding_box()
            # Drag towards whichever end is further away, so the value surely changes.
            target = track["x"] + (track["width"] * 0.9 if x < track["x"] + track["width"] / 2 else track["width"] * 0.1)
            self.page.mouse.move(x, y)
            self.page.mouse.down()
            self.page.mouse.move(target, y, steps=12)
            self.page.mouse.up()
        if "button" in kind:  # a Run button applies the new setting, as a learner would press it
            cell.locator("button.widget-button, .jupyter-button").first.click()

    def wait_output_change(self, cell_index: int, before: str, deadline_s: float) -> str:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            now = self.output_signature(cell_index)
            if now and now != before:
                return now
            self.page.wait_for_timeout(200)
        raise AssertionError(f"moving the widget did not change the cell's output within {deadline_s:.0f}s")

    def screenshot(self, path) -> None:
        self.page.screenshot(path=str(path), full_page=True)


def error_outputs(nb: dict) -> list[str]:
    """'cell N: Ename: value' for every error output in a saved notebook."""
    errors = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return errors
