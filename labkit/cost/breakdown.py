"""What every cost function returns: a bill with one line per charge, not just a number."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from labkit.cost.prices import PRICES_CHECKED, REGION, Price, Tier


@dataclass(frozen=True)
class LineItem:
    """One line of a bill: `quantity` units, of which `free` were covered by a free tier."""

    service: str
    item: str
    quantity: float
    unit: str
    usd: float
    price: Price | None = None
    free: float = 0.0

    def to_dict(self) -> dict:
        return {
            "service": self.service, "item": self.item, "quantity": self.quantity,
            "unit": self.unit, "free": self.free, "usd": self.usd,
            "price": self.price.describe() if self.price else None,
            "source": self.price.source if self.price else None,
            "checked": self.price.checked if self.price else None,
        }


@dataclass
class CostBreakdown:
    """A bill. `total_usd` is the sum of its line items; `notes` say what was assumed."""

    title: str
    items: list[LineItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        return sum(i.usd for i in self.items)

    def usd(self, service: str | None = None, item_contains: str = "") -> float:
        """Sum of the lines of one service (and whose item mentions `item_contains`)."""
        return sum(i.usd for i in self.items
                   if (service is None or i.service == service) and item_contains in i.item)

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        """Bills add up: lambda_cost(...) + sqs_cost(...) is the bill of both.
        Free tiers are applied per call, so add bills of different services only."""
        return CostBreakdown(f"{self.title} + {other.title}", self.items + other.items,
                             self.notes + [n for n in other.notes if n not in self.notes])

    def to_dict(self) -> dict:
        return {"title": self.title, "total_usd": self.total_usd,
                "prices_checked": PRICES_CHECKED, "notes": list(self.notes),
                "items": [i.to_dict() for i in self.items]}

    def to_frame(self):
        import pandas as pd  # only when asked: keeps `labkit cost` quick to start

        return pd.DataFrame([i.to_dict() for i in self.items])

    def table(self) -> str:
        """A readable bill, one line per charge, with the price and its source date."""
        header = ("service", "item", "quantity", "unit", "free", "price", "USD")
        rows = [(i.service, i.item, _number(i.quantity), i.unit,
                 _number(i.free) if i.free else "-",
                 i.price.describe() if i.price else "-", f"{i.usd:,.6f}") for i in self.items]
        rows.append(("total", "", "", "", "", "", f"{self.total_usd:,.6f}"))
        widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
        right_aligned = {2, 4, 6}  # numbers

        def line(cells) -> str:
            return "  ".join(cell.rjust(w) if c in right_aligned else cell.ljust(w)
                             for c, (cell, w) in enumerate(zip(cells, widths))).rstrip()

        rule = "  ".join("-" * w for w in widths)
        out = [self.title, "", line(header), rule, *map(line, rows[:-1]), rule, line(rows[-1]), ""]
        sources = sorted({(i.price.source, i.price.checked) for i in self.items if i.price})
        out += [f"prices ({REGION}): {src} (checked {day})" for src, day in sources]
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


def _number(x: float) -> str:
    """12,500 / 0.5 / 6,000,400,000: whole numbers with separators, fractions kept short."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4f}".rstrip("0")


def take_free(quantity: float, allowance: float) -> tuple[float, float]:
    """Split `quantity` into (billable, free) given what is left of a free allowance."""
    free = min(max(quantity, 0.0), max(allowance, 0.0))
    return quantity - free, free


def tiered_items(service: str, item: str, quantity: float, tiers: tuple[Tier, ...],
                 already_used: float = 0.0, free: float = 0.0) -> list[LineItem]:
    """Price `quantity` units through volume tiers, one line per tier it reaches.

    `already_used` units were billed earlier this month and have used up that much of
    the first (dearest) tiers, so pricing A then B (already_used=A) equals pricing A+B.
    `free` units were covered by a free tier and are shown on the first line only.
    """
    lines: list[LineItem] = []
    tier_start = 0.0
    remaining = quantity
    position = already_used
    for n, tier in enumerate(tiers):
        tier_end = tier_start + tier.size
        in_tier = max(0.0, min(remaining, tier_end - position)) if position < tier_end else 0.0
        if in_tier > 0 or (n == 0 and quantity == 0):
            label = item if len(tiers) == 1 or (n == 0 and position + remaining <= tier_end) \
                else f"{item}, tier {n + 1} ({_tier_label(tier_start, tier_end, tier.price.unit)})"
            lines.append(LineItem(service, label, in_tier, tier.price.unit,
                                  tier.price.cost(in_tier), tier.price))
            remaining -= in_tier
            position += in_tier
        tier_start = tier_end
        if remaining <= 0:
            break
    if free and lines:
        first = lines[0]
        lines[0] = LineItem(first.service, first.item, first.quantity + free, first.unit,
                            first.usd, first.price, free)
    return lines


def _tier_label(start: float, end: float, unit: str) -> str:
    if math.isinf(end):
        return f"over {_short(start)} {unit}"
    return f"{_short(start)}-{_short(end)} {unit}"


def _short(n: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            return f"{n / size:g}{suffix}"
    return f"{n:g}"
