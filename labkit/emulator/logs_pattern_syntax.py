"""The pieces CloudWatch Logs filter patterns share: values, operators, tokens, && / || / ().

AWS source: Amazon CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail". Used by labkit/emulator/logs_patterns.py
(JSON and space-delimited patterns); pure Python.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# AWS: "An integer with an optional + or - sign, a decimal with an optional + or - sign, or a
# number in scientific notation"
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class PatternError(ValueError):
    """The pattern does not follow the documented syntax (AWS: InvalidParameterException)."""


# -- values: "quoted", bare, *wildcards*, numbers and %regex% ---------------------------------
@dataclass(frozen=True)
class Value:
    text: str
    regex: re.Pattern | None = None
    number: float | None = None                 # set for an unquoted number literal

    def equals(self, actual: Any) -> bool:
        """actual: a JSON scalar or a delimited field (str)."""
        if self.regex is not None:
            return self.regex.search(as_text(actual)) is not None
        if self.number is not None and (num := as_number(actual)) is not None:
            return num == self.number
        return glob(self.text, as_text(actual))


def make_value(kind: str, text: str) -> Value:
    if kind == "regex":
        try:
            return Value(text, regex=re.compile(text))
        except re.error as exc:
            raise PatternError(f"Invalid regular expression %{text}%: {exc}") from None
    number = float(text) if kind == "word" and NUMBER.fullmatch(text) else None
    return Value(text, number=number)


def glob(pattern: str, text: str) -> bool:
    # AWS: '*' matches any text at the start or the end of a value ("*Event", "Event*",
    # "*html*"); "Ev*ent will only match the actual string Ev*ent".
    if pattern == "*":
        return True
    head, tail = pattern.startswith("*"), pattern.endswith("*")
    core = pattern[1 if head else 0:len(pattern) - 1 if tail else len(pattern)]
    if head and tail:
        return core in text
    if head:
        return text.endswith(core)
    if tail:
        return text.startswith(core)
    return text == core


def as_text(actual: Any) -> str:
    if isinstance(actual, bool):
        return "true" if actual else "false"
    return actual if isinstance(actual, str) else json.dumps(actual)


def as_number(actual: Any) -> float | None:
    if isinstance(actual, bool) or actual is None:
        return None
    if isinstance(actual, (int, float)):
        return float(actual)
    if isinstance(actual, str) and NUMBER.fullmatch(actual.strip()):
        return float(actual)
    return None


COMPARE = {"<": lambda a, b: a < b, ">": lambda a, b: a > b,
           "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def compare(op: str, value: Value, actual: Any) -> bool:
    if op == "=":
        return value.equals(actual)
    if op == "!=":
        return not value.equals(actual)
    num = as_number(actual)
    return num is not None and COMPARE[op](num, value.number)


def quoted_literal(text: str, i: int) -> tuple[str, str, int]:
    """A "quoted string" (\\" escapes) or a %regex% starting at text[i]; -> (kind, body, end)."""
    close = text[i]
    out, j = [], i + 1
    while j < len(text) and text[j] != close:
        if close == '"' and text[j] == "\\" and j + 1 < len(text):
            j += 1
        out.append(text[j])
        j += 1
    if j >= len(text):
        raise PatternError("Unterminated " + ("string" if close == '"' else "regular expression"))
    return ("string" if close == '"' else "regex"), "".join(out), j + 1


# -- tokens shared by JSON and delimited patterns ------------------------------------------
TOKEN = re.compile(r"\s*(\.\.\.|&&|\|\||!=|<=|>=|[=<>(),]|\"|%|[^\s&|=!<>(),\"%]+)")
OPERATORS = ("=", "!=", "<", ">", "<=", ">=")


def tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = TOKEN.match(text, i)
        if not m:
            raise PatternError(f"Unexpected character {text[i]!r}")
        tok = m.group(1)
        if tok in ('"', "%"):
            kind, body, i = quoted_literal(text, m.start(1))
            out.append((kind, body))
            continue
        out.append(("op" if tok in OPERATORS else tok if tok in ("&&", "||", "(", ")", ",", "...")
                    else "word", tok))
        i = m.end()
    return out


class Parser:
    """expr := and ('||' and)* ; and := unary ('&&' unary)* ; unary := '(' expr ')' | atom.
    AWS: "Parenthesis are allowed and the syntax follows standard order of operations
    () > && > ||"."""

    def __init__(self, items: list[tuple[str, str]], atom):
        self.tokens, self.pos, self.atom = items, 0, atom
        self.names: list[str] = []              # field names met (space-delimited patterns)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (kind and tok[0] != kind):
            raise PatternError(f"Expected {kind or 'more'} at {tok[1] if tok else 'the end'}")
        self.pos += 1
        return tok

    def expr(self):
        parts = [self.conjunction()]
        while self.peek() and self.peek()[0] == "||":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda ctx: any(p(ctx) for p in parts)

    def conjunction(self):
        parts = [self.unary()]
        while self.peek() and self.peek()[0] == "&&":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else lambda ctx: all(p(ctx) for p in parts)

    def unary(self):
        if self.peek() and self.peek()[0] == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        return self.atom(self)

    def literal(self, op: str) -> Value:
        kind, text = self.take()
        if kind not in ("word", "string", "regex"):
            raise PatternError(f"Expected a value after {op}, found {text!r}")
        value = make_value(kind, text)
        if op in COMPARE and value.number is None:
            raise PatternError(f"Operator {op} needs a number, found {text!r}")
        return value
