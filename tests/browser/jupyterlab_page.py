"""Driving one notebook in JupyterLab as a person would: open, Run All, wait, move a widget.

The waits read what the page shows (the status bar's kernel state, the `[*]` prompts),
always with a deadline; nothing sleeps a fixed time.
"""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

# How long the page may take to react to one action (open, a click, a save). Generous: it only
# fails a page that is stuck. CI's busy machine once took over 30 s (Playwright's default) to
# load JupyterLab.
UI_REACTION_S = 120

KERNEL_IDLE_JS = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  const text = bar ? bar.innerText : '';
  const busy = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
      .some(e => e.textContent.includes('*'));
  return /\\| Idle/.test(text) && !busy;
}"""

# How many cells show a finished prompt, `[n]`: the progress of a Run All.
FINISHED_CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
    .filter(e => /\\[\\d+\\]/.test(e.textContent)).length"""

# What the running cell (the first whose prompt is `[*]`: Run All queues the rest behind it) has
# shown so far, its printed text and how far its progress bars have filled: a change is progress.
RUNNING_CELL_SHOWS_JS = """() => {
  const running = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].find(c => {
    const prompt = c.querySelector('.jp-InputPrompt');
    return prompt && prompt.textContent.includes('*');
  });
  const out = running && running.querySelector('.jp-Cell-outputWrapper');
  if (!out) return '';
  const bars = [...out.querySelectorAll('.progress-bar')].map(b => b.style.width + b.style.height);
  return out.innerText + '|' + bars.join(',');
}"""

# What the widget cell shows besides the controls themselves: plots, printed output, tables,
# and the error tracebacks a callback printed into its Output widget.
OUTPUT_STATE_JS = """(cellIndex) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
  if (!cell) return {images: [], texts: [], errors: [], undecoded: 0};
  const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img')];
  const images = imgs.map(i => i.getAttribute('src'));
  // a big PNG can still be decoding on a loaded machine: it shows half-painted
  const undecoded = imgs.filter(i => !i.complete || i.naturalWidth === 0).length;
  const texts = [...cell.querySelectorAll('.widget-output .jp-OutputArea-output, .jp-OutputArea-output pre, '
                                          + '.widget-html-content, table')]
      .filter(e => !e.closest('.widget-slider')).map(e => e.innerText);
  const errors = [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map(e => e.innerText).filter(t => /Traceback|Error/.test(t));
  return {images, texts, errors, undecoded};
}"""

# The value a learner reads next to each slider.
SLIDER_READOUTS_JS = """(cellIndex) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
  return cell ? [...cell.querySelectorAll('.widget-slider .widget-readout')].map(e => e.innerText) : [];
}"""


class NotebookPage:
    def __init__(self, page, base_url: str, path: str):
        self.page, self.base_url, self.path = page, base_url, path

    def open(self, deadline_s: float = UI_REACTION_S) -> None:
        """One deadline for the whole opening. The page is ready when the notebook shows and its
        kernel is idle, not when the browser's `load` event fires: that waits for JupyterLab's
        whole bundle under Playwright's own 30 s limit, which CI's busy machine once exceeded.
        A page that never reports ready is loaded once more: CI once saw the notebook element
        present and visible while the wait for it ran out (a renderer starved on a busy machine);
        the notebook has not run yet, so opening again hides nothing about it."""
        from playwright.sync_api import TimeoutError as PageTimeout
        try:
            self._open_once(deadline_s)
        except PageTimeout as first:
            print(f"{self.path}: the page was not ready in {deadline_s:.0f} s ({first.message.splitlines()[0]});"
                  " opening it again", flush=True)
            self._open_once(deadline_s)

    def _open_once(self, deadline_s: float) -> None:
        end = time.monotonic() + deadline_s

        def left_ms() -> float:
            return max(1.0, end - time.monotonic()) * 1000

        self.page.goto(f"{self.base_url}/lab/tree/{urllib.parse.quote(self.path)}?reset",
                       wait_until="commit", timeout=left_ms())
        # Polled on a timer, not on animation frames, which a starved renderer may not draw.
        self.page.wait_for_function("() => !!document.querySelector('.jp-Notebook')",
                                    polling=500, timeout=left_ms())
        # Wait for the *status bar* to say Idle: the toolbar says idle too early (design.md).
        self.page.wait_for_function(KERNEL_IDLE_JS, polling=500, timeout=left_ms())

    def run_all(self, progress_deadline_s: float) -> None:
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # The first cell must start before "idle" means "finished".
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
            ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))", timeout=UI_REACTION_S * 1000)
        self.wait_idle(progress_deadline_s)

    def wait_idle(self, progress_deadline_s: float) -> None:
        """Until the kernel is idle. The deadline runs from the last progress seen: a cell that
        finished, or the running cell showing something new (a line printed, a progress bar
        moved). So a busy machine that runs every cell slowly passes, and a cell that hangs
        fails. (One deadline for a whole Run All was a guess of the machine's speed: CI's busy
        machine took over 180 s for a lesson that runs in 43 s on a quiet one; so was one per
        cell: lesson 13's planted bugs, 31 s on a quiet machine, took over 180 s in run 27a.)"""
        seen, since = None, time.monotonic()
        while not self.page.evaluate(KERNEL_IDLE_JS):
            now = (self.page.evaluate(FINISHED_CELLS_JS), self.page.evaluate(RUNNING_CELL_SHOWS_JS))
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since > progress_deadline_s:
                raise AssertionError(f"the kernel is still busy, and for {progress_deadline_s:.0f} s no "
                                     f"cell has finished and the running one has shown nothing new "
                                     f"({seen[0]} cells finished)")
            self.page.wait_for_timeout(250)

    def save(self) -> None:
        self.page.keyboard.press("Control+s")
        # The tab's "dirty" dot disappears once the contents API has the file.
        self.page.wait_for_function(
            "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=UI_REACTION_S * 1000)

    def saved_notebook(self, deadline_s: float = 60.0) -> dict:
        """The notebook as saved, from the contents API. A server error is asked again until
        the deadline (the server, not the notebook, failed), then reported with its body."""
        url = f"{self.base_url}/api/contents/{urllib.parse.quote(self.path)}?content=1"
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    return json.loads(resp.read())["content"]
            except urllib.error.HTTPError as error:
                if error.code < 500 or time.monotonic() > deadline:
                    raise AssertionError(f"GET {url}: {error.code} "
                                         f"{error.read().decode(errors='replace')[-1500:]}") from None
            time.sleep(1.0)

    def widget_cell_index(self) -> tuple[int, str] | None:
        """(index of the first cell with a slider or button, which kind), or None.
        Kind is 'slider', 'button', or 'slider+button' (a slider, then a Run button)."""
        return self.page.evaluate("""() => {
          const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
          for (let i = 0; i < cells.length; i++) {
            const slider = cells[i].querySelector('.widget-slider .noUi-handle');
            const button = cells[i].querySelector('button.widget-button');
            if (slider && button) return [i, 'slider+button'];
            if (slider) return [i, 'slider'];
            if (button) return [i, 'button'];
          }
          return null;
        }""")

    def output_state(self, cell_index: int) -> dict:
        return self.page.evaluate(OUTPUT_STATE_JS, cell_index)

    def move_widget(self, cell_index: int, kind: str, deadline_s: float = UI_REACTION_S) -> None:
        cell = self.page.locator(".jp-Notebook .jp-Cell").nth(cell_index)
        cell.scroll_into_view_if_needed()
        if "slider" in kind:
            readouts = self.page.evaluate(SLIDER_READOUTS_JS, cell_index)
            handle = cell.locator(".widget-slider .noUi-handle").first
            handle.scroll_into_view_if_needed()
            box = handle.bounding_box()
            track = cell.locator(".widget-slider .noUi-target").first.bounding_box()
            # One step, as a learner moves a focused slider with the arrow keys, towards whichever
            # end is further away: the value surely changes and the experiment stays about as
            # big as the default one (a drag of a fixed share of the track made lesson 09's
            # backlog 4x bigger and its redraw slower than the deadline on a busy machine).
            right = box["x"] + box["width"] / 2 < track["x"] + track["width"] / 2
            handle.focus()
            handle.press("ArrowRight" if right else "ArrowLeft")
            self.page.wait_for_function(f"(before) => JSON.stringify(({SLIDER_READOUTS_JS})({cell_index})) "
                                        "!== JSON.stringify(before)", arg=readouts,
                                        timeout=deadline_s * 1000, polling=200)
        if "button" in kind:  # a Run button applies the new setting, as a learner would press it
            # (button.widget-button: a Button; ToggleButtons' options are .widget-toggle-button)
            cell.locator("button.widget-button").first.click()

    def wait_widget_result(self, cell_index: int, before: dict, deadline_s: float) -> dict:
        """Wait until the cell shows a *finished* new result: the kernel is idle, the output differs
        from `before`, has at least as many plots, and stays the same over three polls (a redraw
        clears the output first, then draws). Fails on a traceback in the cell."""
        end = time.monotonic() + deadline_s
        last, same = None, 0
        while time.monotonic() < end:
            now = self.output_state(cell_index)
            assert not now["errors"], f"moving the widget printed an error: {now['errors'][0][-1500:]}"
            changed = (now["images"], now["texts"]) != (before["images"], before["texts"])
            complete = (changed and len(now["images"]) >= len(before["images"]) and not now["undecoded"]
                        and (now["images"] or now["texts"]))
            if complete and self.page.evaluate(KERNEL_IDLE_JS):
                same = same + 1 if now == last else 0
                if same >= 2:
                    return now
            last = now
            self.page.wait_for_timeout(300)
        raise AssertionError(f"moving the widget did not redraw the cell's output within {deadline_s:.0f}s")

    def run_new_cell(self, code: str, deadline_s: float) -> str:
        """Add a code cell at the end, type `code`, run it (as a learner would), return its output."""
        cells = self.page.locator(".jp-Notebook .jp-Cell")
        count = cells.count()
        last = cells.nth(count - 1)
        last.scroll_into_view_if_needed()
        last.locator(".jp-InputPrompt").first.click()   # selects the cell without editing it
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("b")                     # command mode: insert a cell below
        self.page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length > {count}",
                                    timeout=UI_REACTION_S * 1000)
        self.page.keyboard.press("Enter")                 # edit it
        self.page.keyboard.type(code)
        self.page.keyboard.press("Shift+Enter")
        new = cells.nth(count)
        new.locator(".jp-InputPrompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=deadline_s * 1000)
        self.wait_idle(deadline_s)
        return new.locator(".jp-OutputArea").inner_text()

    def shown_tracebacks(self) -> list[str]:
        """Tracebacks on the page, including those inside widget Output areas, which the saved
        notebook's cell outputs do not hold."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
            .map(e => e.innerText).filter(t => /Traceback|Error/.test(t))""")

    def log_console_text(self) -> str:
        """What JupyterLab's log console holds (output a kernel sent outside any cell, e.g. from a
        background thread or a widget callback without an Output widget); '' when it is empty."""
        item = self.page.locator(".jp-LogConsoleStatusItem")
        if item.count() == 0 or not re.search(r"\d", item.first.inner_text()):
            return ""
        item.first.click()
        panel = self.page.locator(".jp-LogConsolePanel").first
        panel.wait_for(timeout=UI_REACTION_S * 1000)
        self.page.wait_for_function("() => document.querySelector('.jp-LogConsolePanel .jp-OutputArea-output')",
                                    timeout=UI_REACTION_S * 1000)   # the panel fills in after it opens
        return panel.inner_text()

    def screenshot_cell(self, cell_index: int, path) -> None:
        """The cell's outputs (controls and what they drew) at the top of the tall viewport,
        after the last lines of its code."""
        output = self.page.locator(".jp-Notebook .jp-Cell").nth(cell_index).locator(".jp-Cell-outputWrapper")
        output.evaluate("e => { e.scrollIntoView({block: 'start'}); "
                        "e.closest('.jp-WindowedPanel-outer, .jp-Notebook').scrollBy(0, -240); }")
        self._screenshot(path)

    def screenshot_end(self, path) -> None:
        last = self.page.locator(".jp-Notebook .jp-Cell").last
        last.evaluate("e => e.scrollIntoView({block: 'end'})")
        self._screenshot(path)

    def _screenshot(self, path) -> None:
        # Plots are base64 PNGs: let the browser finish decoding them, then paint.
        self.page.evaluate("() => Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.page.screenshot(path=str(path))


def error_outputs(nb: dict) -> list[str]:
    """'cell N: Ename: value' for every error output in a saved notebook, with the end of what
    the cell printed before it (an assertion without a message says little on its own, and CI
    shows only this log)."""
    errors = []
    for i, cell in enumerate(nb.get("cells", [])):
        outputs = cell.get("outputs", []) or []
        for out in outputs:
            if out.get("output_type") == "error":
                printed = "".join("".join(o.get("text", "")) for o in outputs
                                  if o.get("output_type") == "stream").strip()
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
                              + (f" (it printed: ...{printed[-600:]})" if printed else ""))
    return errors
