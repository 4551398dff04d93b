import json, os, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor

DOWNSTREAM = os.environ["DOWNSTREAM_URL"]
CONNECTIONS = int(os.environ["CONNECTIONS"])
pool = ThreadPoolExecutor(CONNECTIONS)


def call(message_id, part):
    request = urllib.request.Request(f"{DOWNSTREAM}/work?id={message_id}-{part}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
        return True
    except (urllib.error.HTTPError, OSError):
        return False


def process(message_id):
    """One message = CONNECTIONS downstream calls at the same time (e.g. fetch and write).
    Every call ends before the next message: all() over the map would stop at the first
    failure and leave the others in flight, holding more connections than CONNECTIONS."""
    return all(list(pool.map(lambda part: call(message_id, part), range(CONNECTIONS))))


def handler(event, context):
    started = time.time()
    replay = "Records" not in event          # invoked directly with old orders, not by the mapping
    records = [{"messageId": m} for m in event["replay"]] if replay else event["Records"]
    failed = [r["messageId"] for r in records if not process(r["messageId"])]
    print(json.dumps({"kind": "invocation", "started": started, "ended": time.time(),
                      "replay": replay, "messages": len(records), "failed": len(failed)}))
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
