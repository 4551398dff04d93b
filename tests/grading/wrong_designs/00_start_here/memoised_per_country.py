"""Wrong design: "cache the expensive call" - the student memoises with functools.lru_cache, but
on the function they already had, the rate lookup, whose argument is the country. The cache
key is the country, not the environment: every environment loads the whole configuration once
for each country it is asked about (and never refreshes any of them).
Caught by: init-once."""

REPLACE = [
    ("""\
import json
""",
     """\
import functools
import json
"""),
    ("""\
# Module level: runs once per execution environment (the Init phase), reused while warm.
ssm = boto3.client("ssm")
config = load_config(ssm)
loaded_at = time.time()


def current_config():
    \"\"\"The cached configuration, loaded again once it is older than TTL_S.\"\"\"
    global config, loaded_at
    if time.time() - loaded_at > TTL_S:
        config, loaded_at = load_config(ssm), time.time()
    return config


def handler(event, context):
    rates = current_config()
    country = event["country"]
    if country not in rates:
        return {"country": country, "error": "no tax rate"}
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rates[country] / 100))}
""",
     """\
ssm = boto3.client("ssm")


@functools.lru_cache(maxsize=None)
def rate_for(country):
    \"\"\"Cached: the expensive load runs once, then the answer comes from memory.\"\"\"
    return load_config(ssm).get(country)


def handler(event, context):
    country = event["country"]
    rate = rate_for(country)
    if rate is None:
        return {"country": country, "error": "no tax rate"}
    return {"country": country, "gross_cents": round(event["net_cents"] * (1 + rate / 100))}
"""),
]
