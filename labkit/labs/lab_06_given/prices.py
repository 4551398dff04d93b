"""Price look-ups (most requests) and a daily sales report (rare)."""
import numpy as np
import pandas as pd

PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}


def handler(event, context):
    if event.get("action") == "report":
        sales = pd.DataFrame(event["sales"], columns=["item", "qty"])
        sales["revenue"] = sales["item"].map(PRICES) * sales["qty"]
        by_item = sales.groupby("item")["revenue"].sum()
        return {"revenue": {item: int(cents) for item, cents in by_item.items()},
                "total": int(np.sum(by_item.to_numpy()))}
    item = event["item"]
    return {"item": item, "price": PRICES[item]}
