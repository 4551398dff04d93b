"""Per-learner feedback (DIR/feedback/LEARNER-LAB.html) and the class report (DIR/report.html).

Feedback for a hidden scenario shows its outcome and the hint, never its parameters (the fault
schedule): learners cannot tune their code to the instructor's cases. Feedback keeps every tier
of a failing check (observed, expected, lesson section, concrete hint) and says which tasks'
hints the notebook revealed; the class report counts, per check, the learners who passed it
with its task's hint revealed.
"""
from __future__ import annotations

import base64
import html
import io
from typing import Any

STYLE = ("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
         "vertical-align:top}.pass{color:#1a7f37;font-weight:bold}"
         ".fail{color:#cf222e;font-weight:bold}</style>")


def feedback_html(result: dict[str, Any]) -> str:
    e = html.escape
    revealed = result.get("hints_revealed", [])
    rows = []
    for c in result["checks"]:
        lesson = _lesson(result["lab"], c["task"])
        if c["passed"]:
            detail = f"passed {c['scenarios']} scenario(s)"
        elif c["hidden"]:
            detail = (f"failed {c['failed_scenarios']} of {c['scenarios']} hidden scenarios"
                      f"{lesson}<br><b>hint</b> {e(c['hint'])}")
        else:
            detail = (f"<b>observed</b> {e(c['observed'])}<br><b>expected</b> "
                      f"{e(c['expected'])}{lesson}<br><b>hint</b> {e(c['hint'])}")
        kind = "hidden" if c["hidden"] else "public"
        mark = "<span class=pass>PASS</span>" if c["passed"] else "<span class=fail>FAIL</span>"
        asked = "yes" if c["task"] in revealed else ""
        rows.append(f"<tr><td>{e(c['task'])}</td><td>{e(c['title'])}</td><td>{kind}</td>"
                    f"<td>{c['points']}/{c['max_points']}</td><td>{mark}</td><td>{asked}</td>"
                    f"<td>{detail}</td></tr>")
    status = result["status"]
    hints = ", ".join(revealed) if revealed else "none"
    return (f"<!doctype html><meta charset=utf-8><title>{e(result['learner'])} - lab "
            f"{e(result['lab'])}</title>{STYLE}"
            f"<h1>Lab {e(result['lab'])}: {result['score']}/{result['max']} points</h1>"
            f"<p>Learner: <b>{e(result['learner'])}</b>. Notebook run: "
            f"<b>{e(status)}</b>{_policy_note(status)}</p>"
            f"<p>Hints revealed (<code>check(..., hint=True)</code> in the notebook): "
            f"<b>{e(hints)}</b>.</p>"
            "<table><tr><th>task</th><th>check</th><th>scenarios</th><th>points</th>"
            f"<th>result</th><th>hint revealed</th><th>details</th></tr>{''.join(rows)}</table>"
            "<p>Public checks are the ones <code>check()</code> runs in your notebook. Hidden "
            "checks run the same invariants under other fault schedules.</p>")


def _lesson(lab: str, task: str) -> str:
    """The lesson section a failing check's task practises, as a detail line."""
    from labkit.checks import get_lab
    from labkit.checks.report import lesson_pointer

    try:
        return f"<br><b>lesson</b> {html.escape(lesson_pointer(get_lab(lab), task))}"
    except (KeyError, ValueError):   # not a lab with checks
        return ""


def _policy_note(status: str) -> str:
    if status == "ok":
        return ""
    return (" (every cell still ran unless the kernel died; the checks ran on the handler file "
            "your notebook wrote)")


def _plot(draw) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    draw(ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return f"<img alt='plot' src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'>"


def report_html(results: list[dict[str, Any]]) -> str:
    """The class view: score distribution, pass rate per check (what to re-teach), statuses."""
    e = html.escape
    parts = [f"<!doctype html><meta charset=utf-8><title>labkit grading report</title>{STYLE}",
             f"<h1>Grading report</h1><p>{len(results)} submission(s).</p>"]
    for lab in sorted({r["lab"] for r in results}):
        mine = [r for r in results if r["lab"] == lab]
        scores = [r["score"] for r in mine]
        top = max([r["max"] for r in mine] + [1])
        parts.append(f"<h2>Lab {e(lab)}</h2><p>mean {sum(scores) / len(scores):.1f} / {top}, "
                     f"{sum(1 for r in mine if r['status'] == 'ok')} of {len(mine)} notebooks "
                     f"ran cleanly, {sum(1 for r in mine if r.get('hints_revealed'))} revealed "
                     f"at least one task's hint.</p>")
        parts.append(_plot(lambda ax: (ax.hist(scores, bins=range(0, top + 2), color="#4c72b0",
                                               edgecolor="white"),
                                       ax.set_xlabel("score"), ax.set_ylabel("learners"),
                                       ax.set_title(f"lab {lab}: score distribution"))))
        rates = _pass_rates(mine)
        if rates:
            labels = [name for name, _ in rates]
            values = [rate for _, rate in rates]
            parts.append(_plot(lambda ax: (ax.barh(labels, values, color="#55a868"),
                                           ax.set_xlim(0, 100), ax.set_xlabel("% passed"),
                                           ax.invert_yaxis(),
                                           ax.set_title("pass rate per check (lowest: re-teach)"))))
            with_hint = _passed_with_hint(mine)
            parts.append("<table><tr><th>check</th><th>% passed</th><th>passed with the "
                         "task's hint revealed</th></tr>" + "".join(
                             f"<tr><td>{e(n)}</td><td>{v:.0f}</td>"
                             f"<td>{with_hint[n][0]} of {with_hint[n][1]} who passed</td></tr>"
                             for n, v in rates) + "</table>")
    parts.append("<h2>Submissions</h2><table><tr><th>learner</th><th>lab</th><th>score</th>"
                 "<th>status</th></tr>" + "".join(
                     f"<tr><td>{e(r['learner'])}</td><td>{e(r['lab'])}</td><td>{r['score']}/"
                     f"{r['max']}</td><td>{e(r['status'])}</td></tr>" for r in results)
                 + "</table>")
    return "".join(parts)


def _pass_rates(results: list[dict[str, Any]]) -> list[tuple[str, float]]:
    counts: dict[str, list[int]] = {}
    for r in results:
        for c in r["checks"]:
            name = f"{c['task']} {c['check']}" + (" (hidden)" if c["hidden"] else "")
            passed_total = counts.setdefault(name, [0, 0])
            passed_total[0] += int(c["passed"])
            passed_total[1] += 1
    rates = [(name, 100.0 * p / t) for name, (p, t) in counts.items() if t]
    return sorted(rates, key=lambda item: item[1])


def _passed_with_hint(results: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per check row (as in _pass_rates): (passed with its task's hint revealed, passed)."""
    counts: dict[str, tuple[int, int]] = {}
    for r in results:
        revealed = set(r.get("hints_revealed", []))
        for c in r["checks"]:
            name = f"{c['task']} {c['check']}" + (" (hidden)" if c["hidden"] else "")
            with_hint, passed = counts.get(name, (0, 0))
            counts[name] = (with_hint + int(c["passed"] and c["task"] in revealed),
                            passed + int(c["passed"]))
    return counts
