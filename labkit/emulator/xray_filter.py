"""X-Ray filter expressions (GetTraceSummaries FilterExpression), the subset labs use.

AWS X-Ray Developer Guide, "Use filter expressions": an expression is ``keyword operator
value`` conditions combined with AND / OR and parentheses. Supported here:
  * boolean keywords ok, error, fault, throttle: alone, negated (``!fault``), or compared
    (``fault = true``, ``error != false``);
  * number keywords responsetime, duration (seconds): = != < <= > >=;
  * ``annotation.KEY`` / ``annotation[KEY]``: alone (the trace has it), = and != with a
    string, number or true/false, < <= > >= with numbers, CONTAINS / BEGINSWITH /
    ENDSWITH with strings;
  * ``service("name")`` and ``service(id(name: "name", type: "AWS::Lambda::Function"))``.
Anything else (http.*, user, edge(), rootcause..., json, group) raises FilterError naming
it: a filter we cannot evaluate must say so, never return a wrong answer.

parse(text) returns a predicate over one TraceSummary dict (AWS API shape: Annotations,
ResponseTime, Duration, HasError, HasFault, HasThrottle, ServiceIds).
"""
from __future__ import annotations

import operator
import re
from typing import Any, Callable

Predicate = Callable[[dict], bool]

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<annotation>annotation\[[^\]]*\])
    | (?P<word>[A-Za-z_][\w.]*)
    | (?P<op>>=|<=|!=|=|<|>|!|\(|\)|\{|\}|,|:)
    )""", re.VERBOSE | re.IGNORECASE)

_COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}
_STRING_OPS = {"contains": lambda a, b: b in a, "beginswith": str.startswith,
               "endswith": str.endswith}
_FLAGS = {"error": ("HasError",), "fault": ("HasFault",), "throttle": ("HasThrottle",),
          "ok": ()}
_NUMBERS = {"responsetime": "ResponseTime", "duration": "Duration"}


class FilterError(ValueError):
    """The expression is malformed or uses what this emulator does not evaluate."""


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError(f"Invalid filter expression: unexpected {text[position:].strip()!r}")
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        i = self.i + ahead
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text.lower() != value:
            raise FilterError(f"Invalid filter expression: expected {value!r}, found "
                              f"{text or 'the end'!r}")

    def is_word(self, *words: str) -> bool:
        kind, text = self.peek()
        return kind == "word" and text.lower() in words

    # expr := and (OR and)* ; and := unary (AND unary)* ; AND binds tighter
    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while self.is_word("or"):
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda s: any(t(s) for t in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while self.is_word("and"):
            self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda s: all(t(s) for t in terms))

    def unary(self) -> Predicate:
        if self.peek()[1] == "!":
            self.take()
            inner = self.unary()
            return lambda s: not inner(s)
        if self.peek()[1] == "(":
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        return self.condition()

    def condition(self) -> Predicate:
        kind, text = self.take()
        if kind == "annotation":
            return self.annotation(text[len("annotation["):-1])
        if kind != "word":
            raise FilterError(f"Invalid filter expression: expected a keyword, found "
                              f"{text or 'the end'!r}")
        word = text.lower()
        if word.startswith("annotation."):
            return self.annotation(text[len("annotation."):])
        if word in _FLAGS:
            return self.flag(word)
        if word in _NUMBERS:
            return self.number(_NUMBERS[word], word)
        if word == "service" and self.peek()[1] == "(":
            return self.service()
        raise FilterError(f"Unsupported filter expression keyword {text!r} (this emulator "
                          "evaluates annotation, responsetime, duration, ok, error, fault, "
                          "throttle and service())")

    def comparison(self) -> str | None:
        kind, text = self.peek()
        if kind == "op" and text in _COMPARE:
            return self.take()[1]
        if kind == "word" and text.lower() in _STRING_OPS:
            return self.take()[1].lower()
        return None

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return float(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise FilterError(f"Invalid filter expression: expected a value, found "
                          f"{text or 'the end'!r}")

    def flag(self, word: str) -> Predicate:
        fields = _FLAGS[word]
        if word == "ok":   # no error, fault or throttle
            test = lambda s: not any(s.get(f) for f in ("HasError", "HasFault", "HasThrottle"))
        else:
            test = lambda s: bool(s.get(fields[0]))
        op = self.comparison()
        if op is None:
            return test
        wanted = self.value()
        if op not in ("=", "!=") or not isinstance(wanted, bool):
            raise FilterError(f"Invalid filter expression: {word} compares with = or != "
                              "to true or false")
        return lambda s: (test(s) == wanted) == (op == "=")

    def number(self, field: str, word: str) -> Predicate:
        op = self.comparison()
        if op not in _COMPARE:
            raise FilterError(f"Invalid filter expression: {word} needs a comparison "
                              "(= != < <= > >=) with a number")
        wanted = self.value()
        if isinstance(wanted, bool) or not isinstance(wanted, float):
            raise FilterError(f"Invalid filter expression: {word} compares with a number")
        compare = _COMPARE[op]
        return lambda s: compare(float(s.get(field) or 0.0), wanted)

    def annotation(self, key: str) -> Predicate:
        if not key:
            raise FilterError("Invalid filter expression: annotation needs a key")
        op = self.comparison()
        if op is None:
            return lambda s: key in (s.get("Annotations") or {})
        wanted = self.value()
        if op in _STRING_OPS and not isinstance(wanted, str):
            raise FilterError(f"Invalid filter expression: {op.upper()} compares strings")
        if op in ("<", "<=", ">", ">=") and (isinstance(wanted, bool)
                                             or not isinstance(wanted, float)):
            raise FilterError(f"Invalid filter expression: {op} compares numbers")

        def test(summary: dict) -> bool:
            values = [_plain(v.get("AnnotationValue") or {})
                      for v in (summary.get("Annotations") or {}).get(key, [])]
            if not values:
                return False   # a trace without the annotation matches no condition on it
            if op == "!=":
                return not any(_same(v, wanted) for v in values)
            if op == "=":
                return any(_same(v, wanted) for v in values)
            if op in _STRING_OPS:
                return any(isinstance(v, str) and _STRING_OPS[op](v, wanted) for v in values)
            return any(_is_number(v) and _COMPARE[op](float(v), wanted) for v in values)

        return test

    def service(self) -> Predicate:
        self.expect("(")
        name = kind_name = None
        if self.peek()[0] == "string":
            name = self.value()
        elif self.is_word("id"):
            self.take()
            name, kind_name = self.service_id()
        self.expect(")")
        if self.peek()[1] == "{":
            raise FilterError("Unsupported filter expression: service() { ... } conditions")

        def test(summary: dict) -> bool:
            return any((name is None or name == s.get("Name") or name in (s.get("Names") or []))
                       and (kind_name is None or kind_name == s.get("Type"))
                       for s in summary.get("ServiceIds") or [])

        return test

    def service_id(self) -> tuple[str | None, str | None]:
        self.expect("(")
        fields: dict[str, str] = {}
        while self.peek()[1] != ")":
            kind, key = self.take()
            if key.lower() not in ("name", "type"):
                raise FilterError(f"Unsupported filter expression: id() field {key!r} "
                                  "(name and type are evaluated)")
            self.expect(":")
            value = self.value()
            if not isinstance(value, str):
                raise FilterError(f"Invalid filter expression: id() {key} is a string")
            fields[key.lower()] = value
            if self.peek()[1] == ",":
                self.take()
        self.expect(")")
        return fields.get("name"), fields.get("type")


def _plain(annotation_value: dict) -> Any:
    for field in ("StringValue", "NumberValue", "BooleanValue"):
        if field in annotation_value:
            return annotation_value[field]
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(wanted, bool) and value == wanted
    if isinstance(wanted, float):
        return _is_number(value) and float(value) == wanted
    return isinstance(value, str) and value == wanted


def parse(text: str) -> Predicate:
    """The predicate of filter expression ``text``; FilterError when it cannot be evaluated."""
    parser = _Parser(text)
    if not parser.tokens:
        raise FilterError("Invalid filter expression: it is empty")
    predicate = parser.expression()
    kind, rest = parser.peek()
    if kind != "end":
        raise FilterError(f"Invalid filter expression: unexpected {rest!r}")
    return predicate
