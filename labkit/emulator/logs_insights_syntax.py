"""CloudWatch Logs Insights expressions: tokens, a precedence parser and their evaluation.

AWS source: CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax" (comparison
= != < <= > >=, and / or / not, like and =~ with "substring" or /regex/, arithmetic
+ - * / % ^, functions such as ispresent, concat, strlen, abs, bin(5m)). An expression is
parsed once into a tuple tree and evaluated per log record (a dict of field -> value).
Used by labkit/emulator/logs_insights.py.
"""
from __future__ import annotations

import math
import re
from typing import Any

TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<backtick>`[^`]*`)
  | (?P<period>\d+(?:\.\d+)?(?:ms|s|m|h|d)\b)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<op>=~|!=|<=|>=|[=<>+\-*/%^(),\[\]])
  | (?P<name>[@A-Za-z_][@A-Za-z0-9_.]*)
)""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}
PERIOD_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
COMPARISONS = {"=", "!=", "<", "<=", ">", ">=", "like", "=~", "in"}
BINARY = {"or": 1, "and": 2, **{op: 4 for op in COMPARISONS}, "+": 5, "-": 5,
          "*": 6, "/": 6, "%": 6, "^": 7}


class Timestamp(float):
    """Milliseconds since the epoch, shown as a date in results (@timestamp, bin(5m))."""


class QueryError(ValueError):
    """Not a valid query (AWS: MalformedQueryException)."""


def tokenize(text: str) -> list[tuple[str, Any, int, int]]:
    """(kind, value, start, end); a '/' where an operand is expected opens a /regex/."""
    out, i = [], 0
    while text[i:].strip():
        expects_operand = not out or out[-1][0] == "keyword" or out[-1][1] in COMPARISONS | {
            "(", ",", "[", "+", "-", "*", "/", "%", "^"} and out[-1][0] == "op"
        start = len(text[i:]) - len(text[i:].lstrip()) + i
        if text[start] == "/" and expects_operand:
            end = start + 1
            while end < len(text) and text[end] != "/":
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise QueryError("Unterminated regular expression")
            out.append(("regex", compile_regex(text[start + 1:end]), start, end + 1))
            i = end + 1
            continue
        m = TOKEN.match(text, i)
        if not m or m.end() == i:
            raise QueryError(f"Unexpected character at {text[start:start + 10]!r}")
        kind = m.lastgroup
        raw = m.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif kind == "backtick":
            kind, value = "name", raw[1:-1]
        elif kind == "period":
            unit = re.search(r"[a-z]+$", raw).group()
            value = float(raw[:-len(unit)]) * PERIOD_MS[unit]
        elif kind == "number":
            value = float(raw)
        elif kind == "name" and raw.lower() in KEYWORDS:
            kind, value = "keyword", raw.lower()
        else:
            value = raw
        out.append((kind, value, m.start(m.lastgroup), m.end()))
        i = m.end()
    return out


def compile_regex(body: str) -> re.Pattern:
    # Insights writes named groups as (?<name>...) (Java style); Python wants (?P<name>...)
    try:
        return re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", body))
    except re.error as exc:
        raise QueryError(f"Invalid regular expression /{body}/: {exc}") from None


class Parser:
    """Precedence climbing: or < and < not < comparisons < + - < * / % < ^ < unary minus."""

    def __init__(self, items: list):
        self.items, self.pos = items, 0

    def peek(self, offset: int = 0):
        at = self.pos + offset
        return self.items[at] if at < len(self.items) else (None, None, -1, -1)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise QueryError(f"Expected {value or 'more'}, found {tok[1]!r}")
        self.pos += 1
        return tok

    def at(self, *values) -> bool:
        return self.peek()[0] in ("op", "keyword") and self.peek()[1] in values

    def expression(self, floor: int = 0):
        if self.at("not"):
            self.take()
            left = ("not", self.expression(3))
        elif self.at("-"):
            self.take()
            left = ("neg", self.expression(8))
        else:
            left = self.operand()
        while True:
            negate = self.at("not") and self.peek(1)[1] in ("like", "in")
            op = self.peek(1 if negate else 0)[1]
            if self.peek()[0] not in ("op", "keyword") or op not in BINARY or BINARY[op] < floor:
                return left
            self.pos += 2 if negate else 1
            if op == "in":
                right = self.list_literal()
            else:
                right = self.expression(BINARY[op] + (0 if op == "^" else 1))
            left = ("binary", op, left, right)
            if negate:
                left = ("not", left)

    def list_literal(self):
        self.take("[")
        items = [] if self.at("]") else [self.expression()]
        while self.at(","):
            self.take()
            items.append(self.expression())
        self.take("]")
        return ("list", items)

    def operand(self):
        kind, value, _, _ = self.take()
        if kind in ("string", "number", "period"):
            return ("literal", value)
        if kind == "regex":
            return ("regex", value)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "op" and value == "*":
            return ("star",)                     # count(*)
        if kind == "name":
            if self.at("("):
                self.take()
                args = [] if self.at(")") else [self.expression()]
                while self.at(","):
                    self.take()
                    args.append(self.expression())
                self.take(")")
                return ("call", value.lower(), args)
            return ("field", value)
        raise QueryError(f"Unexpected {value!r}")


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("like", "=~"):
        if isinstance(right, re.Pattern):
            return left is not None and right.search(text(left)) is not None
        return left is not None and text(right) in text(left)   # "substring" match
    if op == "in":
        return any(_compare("=", left, item) for item in right)
    if left is None or right is None:
        return False
    a, b = number(left), number(right)
    if a is None or b is None:
        a, b = text(left), text(right)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b if b else None, "%": lambda a, b: a % b if b else None,
              "^": lambda a, b: a ** b}


def evaluate(node: tuple, record: dict) -> Any:
    kind = node[0]
    if kind == "field":
        return record.get(node[1])
    if kind in ("literal", "regex"):
        return node[1]
    if kind == "list":
        return [evaluate(item, record) for item in node[1]]
    if kind == "not":
        return not evaluate(node[1], record)
    if kind == "neg":
        value = number(evaluate(node[1], record))
        return None if value is None else -value
    if kind == "call":
        return call(node[1], [evaluate(arg, record) for arg in node[2]], record)
    if kind == "star":
        return True
    op, left, right = node[1], evaluate(node[2], record), evaluate(node[3], record)
    if op == "and":
        return bool(left) and bool(right)
    if op == "or":
        return bool(left) or bool(right)
    if op in COMPARISONS:
        return _compare(op, left, right)
    a, b = number(left), number(right)
    return None if a is None or b is None else ARITHMETIC[op](a, b)


def _floor_time(ms: Any, period: Any) -> float | None:
    ms, period = number(ms), number(period)
    return None if ms is None or not period else Timestamp(ms - ms % period)


FUNCTIONS = {
    "ispresent": lambda a, r: a[0] is not None,
    "isempty": lambda a, r: a[0] is None or text(a[0]) == "",
    "isblank": lambda a, r: a[0] is None or text(a[0]).strip() == "",
    "coalesce": lambda a, r: next((v for v in a if v is not None), None),
    "concat": lambda a, r: "".join(text(v) for v in a),
    "strlen": lambda a, r: float(len(text(a[0]))),
    "toupper": lambda a, r: text(a[0]).upper(),
    "tolower": lambda a, r: text(a[0]).lower(),
    "trim": lambda a, r: text(a[0]).strip(*(text(v) for v in a[1:])),
    "strcontains": lambda a, r: 1.0 if text(a[1]) in text(a[0]) else 0.0,
    "replace": lambda a, r: text(a[0]).replace(text(a[1]), text(a[2])),
    "abs": lambda a, r: None if number(a[0]) is None else abs(number(a[0])),
    "ceil": lambda a, r: None if number(a[0]) is None else float(math.ceil(number(a[0]))),
    "floor": lambda a, r: None if number(a[0]) is None else float(math.floor(number(a[0]))),
    "greatest": lambda a, r: max((number(v) for v in a if number(v) is not None), default=None),
    "least": lambda a, r: min((number(v) for v in a if number(v) is not None), default=None),
    # bin(period): "Rounds the value of @timestamp to the given period and then truncates"
    "bin": lambda a, r: _floor_time(r.get("@timestamp"), a[0]),
    "datefloor": lambda a, r: _floor_time(a[0], a[1]),
}


def call(name: str, args: list, record: dict) -> Any:
    if name not in FUNCTIONS:
        raise QueryError(f"Unknown function {name}")
    return FUNCTIONS[name](args, record)
