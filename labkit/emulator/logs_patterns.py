"""CloudWatch Logs filter patterns: the grammar FilterLogEvents, metric filters and Live Tail use.

AWS source: Amazon CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail" and its three pages "Using filter
patterns to match terms in unstructured log events" / "... in JSON log events" / "... with
space-delimited log events". Pure Python, no moto: ``compile_pattern(text).match(message)``.

Three forms, chosen by the first character:
  * terms     ``ERROR "exact phrase" -excluded ?either ?or %regex%`` (case-sensitive substrings)
  * JSON      ``{ $.level = "ERROR" && ($.latency > 500 || $.user.id IS NULL) }``
  * delimited ``[ip, user, ..., status = 4*, bytes > 1000]`` over space-delimited fields
Values may use ``*`` at their start and/or end (prefix, suffix, contains) or be ``%regex%``.
No package on PyPI implements this grammar, hence this module.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from labkit.emulator.logs_pattern_syntax import (
    PatternError, Parser, as_text, compare, make_value, quoted_literal, tokens,
)

BARE_TERM = re.compile(r"[A-Za-z0-9_]+")       # other characters need double quotes (AWS)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SELECTOR_STEP = re.compile(r"\.([A-Za-z0-9_\-]+|\*)|\[(\d+|\*)\]")


@dataclass
class Match:
    """A matching event: its extracted values and a way to read ``$.field`` / ``$field``."""
    extracted: dict[str, str] = field(default_factory=dict)
    lookup: Callable[[str], Any] = lambda reference: None

    def value(self, reference: str) -> Any:
        return self.lookup(reference)


@dataclass
class Pattern:
    text: str
    kind: str                                   # "all" | "terms" | "json" | "delimited"
    match: Callable[[str], Match | None]

    def matches(self, message: str) -> bool:
        return self.match(message) is not None


@lru_cache(maxsize=512)
def compile_pattern(text: str | None) -> Pattern:
    """Parse ``text`` once; raise PatternError when AWS would answer 'Invalid filter pattern'."""
    stripped = (text or "").strip()
    if stripped in ("", '" "'):  # AWS: an empty pattern, or " ", matches every event
        return Pattern(text or "", "all", lambda message: Match())
    if stripped.startswith("{"):
        if not stripped.endswith("}"):
            raise PatternError("If a filter pattern starts with '{' it must end with '}'")
        return Pattern(text, "json", _json_pattern(stripped[1:-1]))
    if stripped.startswith("["):
        if not stripped.endswith("]"):
            raise PatternError("If a filter pattern starts with '[' it must end with ']'")
        return Pattern(text, "delimited", _delimited_pattern(stripped[1:-1]))
    return Pattern(text, "terms", _terms_pattern(stripped))


# -- terms ---------------------------------------------------------------------------------
def _terms_pattern(text: str) -> Callable[[str], Match | None]:
    include, exclude, optional = [], [], []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        bucket = include
        if text[i] in "-?":
            bucket = exclude if text[i] == "-" else optional
            i += 1
            while i < len(text) and text[i].isspace():  # the guide writes "ERROR" - "Exiting"
                i += 1
        if i < len(text) and text[i] in '"%':
            kind, term, i = quoted_literal(text, i)
            if kind == "string" and term == "":
                raise PatternError("Invalid character(s) in term '\"\"'")
        else:
            found = BARE_TERM.match(text, i)
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            if not found or found.end() != end:
                raise PatternError(f"Invalid character(s) in term '{text[i:end]}'")
            kind, term, i = "string", text[i:end], end
        bucket.append(make_value(kind, term).regex.search if kind == "regex"
                      else lambda message, term=term: term in message)
        # a bare or quoted term is a case-sensitive substring of the message (AWS examples:
        # ERROR matches "Exiting with ERRORCODE: -1")

    def match(message: str) -> Match | None:
        if include or exclude:
            # The guide documents ?terms on their own ("?ERROR ?WARN"); beside plain or -terms
            # they are ignored here (not documented by AWS either way)
            ok = all(t(message) for t in include) and not any(t(message) for t in exclude)
        else:
            ok = any(t(message) for t in optional)
        return Match() if ok else None

    return match


# -- JSON ----------------------------------------------------------------------------------
def _selector(text: str) -> list[str]:
    # AWS: "Property selectors always start with dollar sign ($) ... alphanumeric strings that
    # also support '-' and '_' characters. Array elements are denoted with [NUMBER] syntax"
    if not text.startswith("$"):
        raise PatternError(f"A JSON selector starts with $: {text!r}")
    steps, i = [], 1
    while i < len(text):
        m = SELECTOR_STEP.match(text, i)
        if not m:
            raise PatternError(f"Invalid selector {text!r}")
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2))
                     if m.group(2) != "*" else "*")
        i = m.end()
    if not steps:
        raise PatternError("A selector needs a property: $.name")
    return steps


def resolve(document: Any, steps: list) -> list:
    """Every node the selector points at ([*] and .* fan out); [] when it does not exist."""
    nodes = [document]
    for step in steps:
        nxt = []
        for node in nodes:
            if step == "*":
                nxt += (list(node.values()) if isinstance(node, dict)
                        else node if isinstance(node, list) else [])
            elif isinstance(step, int):
                if isinstance(node, list) and step < len(node):
                    nxt.append(node[step])
            elif isinstance(node, dict) and step in node:
                nxt.append(node[step])
        nodes = nxt
    return nodes


def _scalar(node: Any) -> bool:
    # AWS: "The SELECTOR must point to a value node (string or number) ... If it points to an
    # array or object, the filter will not be applied"
    return not isinstance(node, (dict, list)) and node is not None


def _json_atom(selectors: dict):
    def atom(p: Parser):
        text = p.take("word")[1]
        steps = selectors.setdefault(text, _selector(text))
        kind, word = p.take()
        keyword = word.upper() if kind == "word" else None
        if keyword == "IS":
            state = p.take("word")[1].upper()
            wanted = {"NULL": None, "TRUE": True, "FALSE": False}
            if state not in wanted:
                raise PatternError("IS must be followed by NULL, TRUE or FALSE")
            return lambda doc: any(n is wanted[state] for n in resolve(doc, steps))
        if keyword == "NOT":
            if p.take("word")[1].upper() != "EXISTS":
                raise PatternError("NOT must be followed by EXISTS")
            return lambda doc: not resolve(doc, steps)
        if keyword == "EXISTS":
            return lambda doc: bool(resolve(doc, steps))
        if kind != "op":
            raise PatternError(f"Expected an operator after {text}, found {word!r}")
        value = p.literal(word)
        return lambda doc: any(_scalar(n) and compare(word, value, n) for n in resolve(doc, steps))
    return atom


def _json_pattern(body: str) -> Callable[[str], Match | None]:
    selectors: dict[str, list] = {}
    parser = Parser(tokens(body), _json_atom(selectors))
    test = parser.expr()
    if parser.peek() is not None:
        raise PatternError(f"Unexpected {parser.peek()[1]!r}")

    def match(message: str) -> Match | None:
        text = message.strip()
        if not text.startswith(("{", "[")):
            return None                         # non-JSON events never match a JSON pattern
        try:
            document = json.loads(text)
        except ValueError:
            return None
        if not test(document):
            return None
        extracted = {}
        for name, steps in selectors.items():
            found = [n for n in resolve(document, steps) if _scalar(n)]
            if found:
                extracted[name] = as_text(found[0])
        return Match(extracted, lambda ref: _json_lookup(document, ref))

    return match


def _json_lookup(document: Any, reference: str) -> Any:
    try:
        found = [n for n in resolve(document, _selector(reference)) if _scalar(n)]
    except PatternError:
        return None
    return found[0] if found else None


# -- space-delimited -----------------------------------------------------------------------
def split_fields(message: str) -> list[str]:
    """AWS: "The characters between a pair of square brackets [] or two double quotes ("")
    are treated as a single field." """
    fields, i, n = [], 0, len(message)
    while i < n:
        if message[i].isspace():
            i += 1
            continue
        close = {'"': '"', "[": "]"}.get(message[i])
        if close:
            end = message.find(close, i + 1)
            end = n if end < 0 else end
            fields.append(message[i + 1:end])
            i = end + 1
        else:
            end = i
            while end < n and not message[end].isspace():
                end += 1
            fields.append(message[i:end])
            i = end
    return fields


def _delimited_atom(p: Parser):
    name = p.take("word")[1]
    if not NAME.fullmatch(name):
        raise PatternError(f"Invalid field name {name!r}")
    p.names.append(name)
    if not (p.peek() and p.peek()[0] == "op"):
        return lambda bound: name in bound
    op = p.take()[1]
    value = p.literal(op)
    return lambda bound: name in bound and compare(op, value, bound[name])


def _delimited_pattern(body: str) -> Callable[[str], Match | None]:
    slots: list = []                            # "..." | (name or None, test or None)
    groups: list[list] = [[]]
    for tok in tokens(body):
        if tok[0] == ",":
            groups.append([])
        else:
            groups[-1].append(tok)
    for group in groups:
        if group == [("...", "...")]:
            slots.append("...")
        elif not group:
            if len(groups) == 1:
                raise PatternError("A space-delimited pattern needs at least one field")
            slots.append((None, None))          # "[..., status_code=4*,]": an unnamed field
        else:
            parser = Parser(group, _delimited_atom)
            test = parser.expr()
            if parser.peek() is not None:
                raise PatternError(f"Unexpected {parser.peek()[1]!r}")
            slots.append((parser.names[0], test))

    def match(message: str) -> Match | None:
        fields = split_fields(message)
        for names in _alignments(slots, len(fields)):
            bound = {name: fields[i] for i, name in names.items()}
            if all(slot[1] is None or slot[1](bound) for slot in slots if slot != "..."):
                # AWS: named fields are "$name", the others "$<position>" ("$7": "1534")
                extracted = {f"${names.get(i, i + 1)}": v for i, v in enumerate(fields)}
                return Match(extracted, extracted.get)
        return None

    return match


def _alignments(slots: list, count: int, at: int = 0, field_at: int = 0):
    """Yield {field index: slot name} for each way the slots cover exactly ``count`` fields
    ("..." covers any number of fields, including none)."""
    if at == len(slots):
        if field_at == count:
            yield {}
        return
    slot = slots[at]
    if slot == "...":
        for skip in range(count - field_at + 1):
            yield from _alignments(slots, count, at + 1, field_at + skip)
        return
    if field_at < count:
        for rest in _alignments(slots, count, at + 1, field_at + 1):
            yield {**rest, field_at: slot[0]} if slot[0] else rest
