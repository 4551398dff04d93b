### BEGIN SOLUTION
### BEGIN SOLUTION
"""Price look-ups (most requests) and a daily sales report (rare)."""
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
    changes = [(start, +1) for start, _ in event["requests"]]
    changes += [(end, -1) for _, end in event["requests"]]
    in_flight = peak = 0
    for _, change in sorted(changes):   # at a tie, an end (-1) sorts before a start (+1)
        in_flight += change
        peak = max(peak, in_flight)
    return {"provisioned": peak}
### END SOLUTION
### STARTER: """Price look-ups (most requests) and a daily sales report (rare)."""
### STARTER: import numpy as np
### STARTER: import pandas as pd

### STARTER: PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}


### STARTER: def handler(event, context):
### STARTER:     if event.get("action") == "report":
### STARTER:         sales = pd.DataFrame(event["sales"], columns=["item", "qty"])
### STARTER:         sales["revenue"] = sales["item"].map(PRICES) * sales["qty"]
### STARTER:         by_item = sales.groupby("item")["revenue"].sum()
### STARTER:         return {"revenue": {item: int(cents) for item, cents in by_item.items()},
### STARTER:                 "total": int(np.sum(by_item.to_numpy()))}
### STARTER:     item = event["item"]
### STARTER:     return {"item": item, "price": PRICES[item]}


### STARTER: def provisioned_for(event, context):
### STARTER:     """Task 3: how many environments to provision for this recorded burst."""
### STARTER:     return {"provisioned": 0}
### END SOLUTION
### STARTER: """Price look-ups (most requests) and a daily sales report (rare)."""
### STARTER: import numpy as np
### STARTER: import pandas as pd

### STARTER: PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}


### STARTER: def handler(event, context):
### STARTER:     if event.get("action") == "report":
### STARTER:         sales = pd.DataFrame(event["sales"], columns=["item", "qty"])
### STARTER:         sales["revenue"] = sales["item"].map(PRICES) * sales["qty"]
### STARTER:         by_item = sales.groupby("item")["revenue"].sum()
### STARTER:         return {"revenue": {item: int(cents) for item, cents in by_item.items()},
### STARTER:                 "total": int(np.sum(by_item.to_numpy()))}
### STARTER:     item = event["item"]
### STARTER:     return {"item": item, "price": PRICES[item]}


### STARTER: def provisioned_for(event, context):
### STARTER:     """Task 3: how many environments to provision for this recorded burst."""
### STARTER:     return {"provisioned": 0}
