"""Planted bug: the cache's age test is inverted, so a fresh configuration is loaded again
on every call (and a stale one would be kept). Caught by: init-once."""
import json
import os
import time

import boto3

PARAMETER = os.environ.get("TAX_RATES_PARAMETER", "/lab00/tax-rates")
LOAD_S = float(os.environ.get("CONFIG_LOAD_S", "0.5"))
TTL_S = float(os.environ.get("CONFIG_TTL_S", "300"))


def load_config(ssm):
    """The expensive part (given, do not change): fetch and parse the tax rates."""
    print(json.dumps({"kind": "config_loaded", "at": time.time()}))
    time.sleep(LOAD_S)   # stands for a large file, a secret, a connection handshake
    return json.loads(ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])


# Module level: runs once per execution environment (the Init phase), reused while warm.
ssm = boto3.client("ssm")
config = load_config(ssm)
loaded_at = time.time()


def current_config():
    """The cached configuration, loaded again once it is older than TTL_S."""
    global config, loaded_at
    if time.time() - loaded_at < TTL_S:
        config, loaded_at = load_config(ssm), time.time()
    return config


def handler(event, context):
    rates = current_config()
    country = event["country"]
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rates[country] / 100))}
