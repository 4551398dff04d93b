"""CloudWatch Logs Insights queries over moto's stored log events (pure: no moto import).

AWS sources: CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax" (commands
fields, filter, stats, sort, limit, parse, display, separated by |) and "Supported logs and
discovered fields" (@timestamp, @message, @logStream, @log, @ingestionTime; Lambda's
@requestId, @type, @duration, @billedDuration, @initDuration, @memorySize, @maxMemoryUsed;
JSON fields in dot notation). ``run(query, records, limit)`` -> (rows, records matched).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from labkit.emulator.logs_insights_syntax import (
    FUNCTIONS, Parser, QueryError, Timestamp, compile_regex, evaluate, number, text, tokenize,
)

AGGREGATES = {"count", "count_distinct", "sum", "avg", "min", "max", "pct", "stddev"}
DEFAULT_LIMIT = 10_000       # API Reference, StartQuery limit: "The default is 10,000."
MAX_JSON_FIELDS = 100        # guide: "can extract a maximum of 100 log event fields"
REPORT_FIELDS = {            # REPORT line -> field; memory in bytes, as Insights reports it
    "Duration": ("@duration", 1), "Billed Duration": ("@billedDuration", 1),
    "Init Duration": ("@initDuration", 1), "Memory Size": ("@memorySize", 1_000_000),
    "Max Memory Used": ("@maxMemoryUsed", 1_000_000)}
REQUEST_ID = re.compile(r"RequestId: ([0-9A-Za-z-]+)|\t([0-9a-f]{8}-[0-9a-f-]{27})\t")


# -- discovered fields ---------------------------------------------------------------------
def discover(message: str) -> dict[str, Any]:
    """The fields Insights finds in one message: Lambda platform lines and the first
    embedded JSON object ("only for the first embedded JSON fragment in each log event")."""
    fields: dict[str, Any] = {}
    kind = message.split(" ", 1)[0]
    if kind in ("START", "END", "REPORT", "INIT_START", "INIT_REPORT"):
        fields["@type"] = kind
    if (m := REQUEST_ID.search(message)):
        fields["@requestId"] = m.group(1) or m.group(2)
    if kind == "REPORT":
        for part in message.split("\t"):
            name, _, value = part.partition(":")
            if name.strip() in REPORT_FIELDS and (v := number(value.split()[0] if value.split()
                                                              else None)) is not None:
                field, scale = REPORT_FIELDS[name.strip()]
                fields[field] = v * scale
    start = message.find("{")
    if start >= 0:
        try:
            document, _ = json.JSONDecoder().raw_decode(message[start:])
        except ValueError:
            document = None
        if isinstance(document, dict):
            _flatten(document, "", fields)
    return fields


def _flatten(node: Any, prefix: str, out: dict) -> None:
    # guide: nested fields in dot notation (userIdentity.type), arrays by index (items.0.id)
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in children:
        name = f"{prefix}{key}"
        if isinstance(value, (dict, list)):
            _flatten(value, name + ".", out)
        elif len(out) < MAX_JSON_FIELDS:
            out[f"@{name}" if name.startswith("@") else name] = value   # "@@example.com"


# -- commands ------------------------------------------------------------------------------
REGEX_OPENS_AFTER = re.compile(r"(\blike|=~|[(,=\[]|^\s*parse\s+\S+)\s*$", re.IGNORECASE)


def split_commands(query: str) -> list[tuple[str, str]]:
    """[(command, argument text)] split on | outside quotes, backticks and /regex/."""
    parts, current, quote, escaped = [], "", None, False
    for ch in query:
        if quote:
            quote = None if ch == quote and not escaped else quote
            escaped = ch == "\\" and not escaped
        elif ch in "\"'`" or (ch == "/" and REGEX_OPENS_AFTER.search(current)):
            quote = ch
        elif ch == "|":
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    out = []
    for part in (p.strip() for p in parts):
        if not part:
            raise QueryError("Empty command between |")
        name, _, rest = part.partition(" ")
        out.append((name.lower(), rest.strip()))
    return out


def _items(arg: str, allow_alias: bool = True) -> list[tuple[tuple, str]]:
    """Comma-separated expressions -> [(tree, column name)]; 'expr as alias' names it."""
    tokens = tokenize(arg)
    parser, out = Parser(tokens), []
    while True:
        start = parser.peek()[2]
        tree = parser.expression()
        name = arg[start:tokens[parser.pos - 1][3]].strip()
        if tree[0] == "field":
            name = tree[1]
        if allow_alias and parser.at("as"):
            parser.take()
            name = parser.take()[1]
        out.append((tree, name))
        if not parser.at(","):
            break
        parser.take()
    if parser.peek()[0] is not None:
        raise QueryError(f"Unexpected {parser.peek()[1]!r}")
    return out


def _check(tree: tuple, aggregates_allowed: bool) -> None:
    if tree[0] == "call":
        known = tree[1] in FUNCTIONS or (aggregates_allowed and tree[1] in AGGREGATES)
        if not known:
            raise QueryError(f"Unknown function {tree[1]}")
        for arg in tree[2]:
            _check(arg, False)
    for part in tree[1:]:
        if isinstance(part, tuple):
            _check(part, aggregates_allowed)
        elif isinstance(part, list):
            for item in part:
                _check(item, aggregates_allowed)


def _expression(arg: str) -> tuple:
    parser = Parser(tokenize(arg))
    tree = parser.expression()
    if parser.peek()[0] is not None:
        raise QueryError(f"Unexpected {parser.peek()[1]!r}")
    _check(tree, False)
    return tree


def _parse_pattern(arg: str) -> tuple[str, re.Pattern, list[str]]:
    """parse FIELD "glob with * captures" as a, b | parse FIELD /(?<name>regex)/."""
    m = re.match(r"\s*(`[^`]*`|\S+)\s+(.*)$", arg, re.DOTALL)
    if not m:
        raise QueryError("parse needs a field and a pattern")
    source, rest = m.group(1).strip("`"), m.group(2).strip()
    if rest.startswith("/") and rest.rfind("/") > 0:
        regex = compile_regex(rest[1:rest.rfind("/")])
        return source, regex, list(regex.groupindex)
    parser = Parser(tokenize(rest))
    kind, value, _, _ = parser.take()
    if kind != "string":
        raise QueryError("parse needs a \"glob\" or a /regex/")
    # each * captures; a trailing * takes the rest of the value
    pieces = value.split("*")
    regex = re.compile("".join(
        re.escape(p) + ("" if i == len(pieces) - 1 else "(.*)" if i == len(pieces) - 2 and
                        not pieces[-1] else "(.*?)") for i, p in enumerate(pieces)))
    parser.take("as")
    names = [parser.take()[1]]
    while parser.at(","):
        parser.take()
        names.append(parser.take()[1])
    if len(names) != len(pieces) - 1:
        raise QueryError("parse: as many names as * are needed")
    return source, regex, names


def _stats(arg: str) -> tuple[list, list]:
    match = re.search(r"\s+by\s+", arg, re.IGNORECASE)
    aggregates = _items(arg[:match.start()] if match else arg)
    groups = _items(arg[match.end():], allow_alias=True) if match else []
    for tree, _ in aggregates:
        if tree[0] != "call" or tree[1] not in AGGREGATES:
            raise QueryError("stats needs aggregation functions such as count(*), avg(field)")
        _check(tree, True)
    return aggregates, groups


def _aggregate(tree: tuple, rows: list[dict]) -> Any:
    name, args = tree[1], tree[2]
    values = [evaluate(args[0], r) for r in rows] if args and args[0][0] != "star" else rows
    present = [v for v in values if v is not None]
    if name == "count":
        return float(len(present))
    if name == "count_distinct":
        return float(len({text(v) for v in present}))
    nums = sorted(n for v in present if (n := number(v)) is not None)
    if not nums:
        return None
    if name == "sum":
        return sum(nums)
    if name == "avg":
        return sum(nums) / len(nums)
    if name == "min":
        return nums[0]
    if name == "max":
        return nums[-1]
    if name == "stddev":
        mean = sum(nums) / len(nums)
        return (sum((n - mean) ** 2 for n in nums) / len(nums)) ** 0.5
    rank = number(evaluate(args[1], {})) or 0.0          # pct(field, 95): nearest rank
    return nums[max(0, min(len(nums) - 1, int(-(-rank * len(nums) // 100)) - 1))]


def run(query: str, records: list[dict], limit: int | None = None) -> tuple[list[dict], int]:
    """Execute ``query`` over ``records`` (dicts of fields, @timestamp in ms). Returns the
    result rows (field -> value, only fields present) and the number of records matched."""
    commands = split_commands(query)
    rows, columns, sort, stats_seen = [dict(r) for r in records], None, None, False
    matched, row_limit = None, limit or DEFAULT_LIMIT
    for name, arg in commands:
        if name in ("fields", "display"):
            items = _items(arg)
            for tree, _ in items:
                _check(tree, False)
            for row in rows:
                row.update({col: evaluate(tree, row) for tree, col in items})
            columns = [col for _, col in items] if name == "display" or columns is None else \
                columns + [col for _, col in items if col not in columns]
        elif name == "filter":
            tree = _expression(arg)
            rows = [r for r in rows if evaluate(tree, r)]
        elif name == "parse":
            source, regex, names = _parse_pattern(arg)
            for row in rows:
                if (m := regex.search(text(row.get(source)))):
                    row.update(zip(names, m.groups()) if regex.groupindex == {} else
                               m.groupdict().items())
        elif name == "stats":
            aggregates, groups = _stats(arg)
            matched, stats_seen = len(rows), True
            buckets: dict[tuple, list] = {}
            for row in rows:
                key = tuple(text(evaluate(tree, row)) for tree, _ in groups)
                buckets.setdefault(key, []).append(row)
            rows = []
            for key in sorted(buckets):
                first = buckets[key][0]
                out = {col: evaluate(tree, first) for tree, col in groups}
                out.update({col: _aggregate(tree, buckets[key]) for tree, col in aggregates})
                rows.append(out)
            columns = [col for _, col in groups] + [col for _, col in aggregates]
        elif name == "sort":
            sort = _sort_items(arg)
            for tree, descending in reversed(sort):
                rows.sort(key=lambda r, t=tree: _sort_key(evaluate(t, r)), reverse=descending)
        elif name == "limit":
            if not arg.isdigit():
                raise QueryError(f"limit needs a number, found {arg!r}")
            row_limit = min(row_limit, int(arg))
        else:
            raise QueryError(f"Unknown command {name}")
    if matched is None:
        matched = len(rows)
    if sort is None and not stats_seen:          # newest first, as the console shows
        rows.sort(key=lambda r: r.get("@timestamp") or 0, reverse=True)
    columns = columns or ["@timestamp", "@message"]
    if not stats_seen and "@ptr" not in columns:
        columns = columns + ["@ptr"]
    return [{c: r[c] for c in columns if r.get(c) is not None} for r in rows[:row_limit]], matched


def _sort_items(arg: str) -> list[tuple[tuple, bool]]:
    """sort f1 desc, f2 -> [(tree, descending)]; ascending unless desc is written."""
    out = []
    for piece in arg.split(","):
        words = piece.split()
        descending = bool(words) and words[-1].lower() == "desc"
        if words and words[-1].lower() in ("asc", "desc"):
            words = words[:-1]
        out.append((_expression(" ".join(words)), descending))
    return out


def _sort_key(value: Any) -> tuple:
    num = number(value)
    return (0, num, "") if num is not None else (1, 0.0, text(value))


def format_value(value: Any) -> str:
    """Result values are strings; timestamps as '2026-01-01 12:00:00.000'."""
    if isinstance(value, Timestamp):
        moment = datetime.fromtimestamp(float(value) / 1000, tz=timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return text(value)
