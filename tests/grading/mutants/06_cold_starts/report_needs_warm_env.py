"""Planted bug: pandas is loaded by the first price request, so a report that is the first request of a new environment fails. Caught by: answers-unchanged."""
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}


def handler(event, context):
    if event.get("warmer"):           # a scheduled warming ping: answer at once
        return {"warmed": True}
    if event.get("action") == "report":
        return sales_report(event["sales"])
    global pd
    import pandas as pd   # "warm up" pandas on the first price request
    item = event["item"]
    return {"item": item, "price": PRICES[item]}


pd = None


def sales_report(sales):
    frame = pd.DataFrame(sales, columns=["item", "qty"])
    frame["revenue"] = frame["item"].map(PRICES) * frame["qty"]
    by_item = frame.groupby("item")["revenue"].sum()
    return {"revenue": {item: int(cents) for item, cents in by_item.items()},
            "total": int(by_item.sum())}


def provisioned_for(event, context):
    """The most requests in flight at once in a recorded burst."""
    changes = [(start, +1) for start, _ in event["requests"]]
    changes += [(end, -1) for _, end in event["requests"]]
    in_flight = peak = 0
    for _, change in sorted(changes):   # at a tie, an end (-1) sorts before a start (+1)
        in_flight += change
        peak = max(peak, in_flight)
    return {"provisioned": peak}
