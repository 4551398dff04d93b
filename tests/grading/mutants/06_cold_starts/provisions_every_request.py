"""Planted bug: provisions one environment per recorded request instead of the peak in flight. Caught by: right-sized."""
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}


def handler(event, context):
    if event.get("warmer"):           # a scheduled warming ping: answer at once
        return {"warmed": True}
    if event.get("action") == "report":
        return sales_report(event["sales"])
    item = event["item"]
    return {"item": item, "price": PRICES[item]}


def sales_report(sales):
    import pandas as pd   # lazy: only reports pay for pandas, once per environment (cached)

    frame = pd.DataFrame(sales, columns=["item", "qty"])
    frame["revenue"] = frame["item"].map(PRICES) * frame["qty"]
    by_item = frame.groupby("item")["revenue"].sum()
    return {"revenue": {item: int(cents) for item, cents in by_item.items()},
            "total": int(by_item.sum())}


def provisioned_for(event, context):
    """The most requests in flight at once in a recorded burst."""
    return {"provisioned": len(event["requests"])}   # one environment per request
