"""CloudWatch metric math: the expression of a metric-math alarm, evaluated period by period.

A series is a dict {period start (epoch seconds): value}; a period without a key has no
datapoint. The expression is parsed with Python's `ast` and only the nodes below are walked;
anything else is a ValueError naming it (nothing is ever passed to eval()).

AWS behaviour implemented (CloudWatch User Guide, "Using math expressions with CloudWatch
metrics", sections "Metric math syntax and functions" and "Using IF expressions"; CloudWatch
API Reference, "MetricDataQuery"):
- Numbers, ids of the alarm's other queries (an expression may use another expression's id),
  parentheses, unary minus and the arithmetic operators + - * /. "Missing values in a time
  series are treated as 0. If the value of a data point causes a function to attempt to divide
  by zero, the data point is dropped."
- Comparison operators == != <= >= < > and logical operators AND or &&, OR or || give 1 (true)
  or 0 (false) per datapoint; "When comparison operators are used between two time series, and
  only one of the time series has a value for a particular time stamp, the function treats the
  missing value in the other time series as 0."
- IF(condition, trueValue[, falseValue]): the condition is false where it is 0 and true
  otherwise, per period. Where it is true the result is trueValue, or 0 if trueValue (a series)
  has no datapoint there; where it is false the result is falseValue, and the datapoint is
  dropped if falseValue has none there or is omitted; no condition datapoint, no result. With a
  number as condition the result is trueValue or falseValue (an empty series if omitted).
- FILL(series, value) "Fills the missing values of a time series".
- An alarm's expression "must return a single time series", not a number.

Simplifications (where the pages say less, the simplest rule): the "treated as 0" rule applies
between two series only, so a series combined with a number has results only where the series
has datapoints; a period has a result between two series when at least one of them has a
datapoint there; FILL fills with a number only (not REPEAT, LINEAR or a series) in every
period of the evaluation range; a division by zero between two numbers is an error; no other
functions (METRICS, SUM, ABS, ...) and no ^ operator.
"""
from __future__ import annotations

import ast
import keyword
import operator
import re
from typing import Callable, Mapping, Sequence

from labkit import thread_safe_ast

Series = dict[int, float]
Value = float | Series

ARITHMETIC: dict[type, Callable[[float, float], float | None]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else None,  # None: the datapoint is dropped
}
COMPARISONS = {ast.Gt: operator.gt, ast.Lt: operator.lt, ast.GtE: operator.ge,
               ast.LtE: operator.le, ast.Eq: operator.eq, ast.NotEq: operator.ne}
LOGICAL = {ast.And: lambda a, b: bool(a) and bool(b), ast.Or: lambda a, b: bool(a) or bool(b)}
FUNCTIONS = {"IF": (2, 3), "FILL": (2, 2)}  # name: (fewest, most) arguments


def evaluate(expression: str, ids: Mapping[str, Series | str], starts: Sequence[int]) -> Series:
    """The series `expression` gives over the period starts `starts`.

    `ids` maps each id the expression may use to its series (a metric) or to its expression
    text (another expression of the same alarm).
    """
    return _Evaluation(ids, starts).series(expression)


def parse(expression: str) -> ast.expr:
    """The Python syntax tree of a metric math expression (AND/OR/&&/|| as and/or)."""
    for word in re.findall(r"[A-Za-z_]\w*", expression):
        if keyword.iskeyword(word):  # Python's words (lambda, not, and, ...): not metric math
            raise ValueError(f"metric math does not support {word!r} (in {expression!r})")
    text = re.sub(r"&&|\bAND\b", " and ", expression)
    text = re.sub(r"\|\||\bOR\b", " or ", text)
    try:
        return thread_safe_ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"not a metric math expression: {expression!r} ({exc.msg})") from None


class _Evaluation:
    def __init__(self, ids: Mapping[str, Series | str], starts: Sequence[int]):
        self.ids, self.starts = ids, list(starts)
        self.done: dict[str, Series] = {}
        self.pending: set[str] = set()

    def series(self, expression: str) -> Series:
        value = self.walk(parse(expression))
        if not isinstance(value, dict):
            raise ValueError(f"{expression!r} gives a single number; an alarm needs a time series")
        return value

    def lookup(self, name: str) -> Series:
        if name not in self.ids:
            raise ValueError(f"unknown id {name!r} in metric math expression")
        found = self.ids[name]
        if not isinstance(found, str):
            return found
        if name not in self.done:
            if name in self.pending:
                raise ValueError(f"expression {name!r} depends on itself")
            self.pending.add(name)
            self.done[name] = self.series(found)
        return self.done[name]

    def walk(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.walk(node.operand)
            return {k: -v for k, v in value.items()} if isinstance(value, dict) else -value
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            return _combine(ARITHMETIC[type(node.op)], self.walk(node.left), self.walk(node.right))
        if (isinstance(node, ast.Compare) and len(node.ops) == 1
                and type(node.ops[0]) in COMPARISONS):
            test = COMPARISONS[type(node.ops[0])]
            return _combine(lambda a, b: float(test(a, b)),
                            self.walk(node.left), self.walk(node.comparators[0]))
        if isinstance(node, ast.BoolOp):
            test, (value, *rest) = LOGICAL[type(node.op)], [self.walk(v) for v in node.values]
            for other in rest:
                value = _combine(lambda a, b: float(test(a, b)), value, other)
            return value
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ValueError(f"metric math does not support {ast.unparse(node)!r}")

    def call(self, node: ast.Call) -> Value:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in FUNCTIONS:
            raise ValueError(f"metric math function {name} is not supported (only IF and FILL)")
        fewest, most = FUNCTIONS[name]
        if node.keywords or not fewest <= len(node.args) <= most:
            raise ValueError(f"{name} takes {fewest}" + (f" or {most}" if most > fewest else "")
                             + f" arguments: {ast.unparse(node)!r}")
        filler = node.args[1] if name == "FILL" else None
        if isinstance(filler, ast.Name) and filler.id in ("REPEAT", "LINEAR"):
            raise ValueError(f"FILL with {filler.id} is not supported (only a number)")
        args = [self.walk(a) for a in node.args]
        return _if(*args) if name == "IF" else self.fill(*args)

    def fill(self, series: Value, value: Value) -> Series:
        if not isinstance(series, dict) or isinstance(value, dict):
            raise ValueError("FILL takes a time series and a number")
        return {**{start: value for start in self.starts}, **series}


def _combine(op: Callable[[float, float], float | None], a: Value, b: Value) -> Value:
    """`op` applied datapoint by datapoint; a None result drops the datapoint."""
    if not isinstance(a, dict) and not isinstance(b, dict):
        value = op(a, b)
        if value is None:
            raise ValueError("division by zero in metric math expression")
        return value
    if isinstance(a, dict) and isinstance(b, dict):  # a value missing in one series counts as 0
        pairs = {k: (a.get(k, 0.0), b.get(k, 0.0)) for k in a.keys() | b.keys()}
    elif isinstance(a, dict):
        pairs = {k: (v, b) for k, v in a.items()}
    else:
        pairs = {k: (a, v) for k, v in b.items()}
    results = {k: op(x, y) for k, (x, y) in pairs.items()}
    return {k: float(v) for k, v in results.items() if v is not None}


def _if(condition: Value, yes: Value, no: Value | None = None) -> Value:
    if not isinstance(condition, dict):
        chosen = yes if condition else no
        return {} if chosen is None else chosen
    result: Series = {}
    for k, c in condition.items():
        if c:
            result[k] = yes.get(k, 0.0) if isinstance(yes, dict) else yes
        elif isinstance(no, dict):
            if k in no:
                result[k] = no[k]
        elif no is not None:
            result[k] = no
    return result
