"""The implementations lab 13's checks run the learner's tests against: the bookings service as
given (labkit/labs/lab_13_service), equivalent refactorings of it (the tests must pass them
too: they test behaviour, not the lines), and bugs, each one edit of one file. A tier's bugs
come in aspects (the rules of a price, of a valid booking, ...): every scenario plants one bug
of every aspect, so tests that leave an aspect out fail every scenario, public and hidden.

The end-to-end tier's bugs are wirings of the deployed stage (labkit.checks.lab_13_stage)."""
from __future__ import annotations

import random
from pathlib import Path
from tempfile import TemporaryDirectory

from labkit.checks.lab_13_stage import WIRING_BUGS
from labkit.labs.lab_13_testing_serverless_code import SERVICE
from labkit.lessons.testing_lesson import plant

AS_GIVEN = "the service as given"
DOMAIN, ADAPTERS = "bookings_domain.py", "bookings_adapters.py"

# name -> (file, old, new): what the refactoring or the bug changes
EDITS: dict[str, tuple[str, str, str]] = {
    # refactorings of the domain and the batch adapter (the unit tests' code)
    "the discount computed as 90 % rounded up": (
        DOMAIN, "return full - full // 10", "return (9 * full + 9) // 10"),
    "the refusal reworded": (
        DOMAIN, 'f"a booking takes 1 to {MAX_SEATS} seats, not {seats}"', 'f"{seats} seats: no"'),
    "the failures listed at the end": (
        ADAPTERS, "            failures.append({\"itemIdentifier\": record[\"messageId\"]})\n"
                  "    return {\"batchItemFailures\": failures}",
        "            failures.append(record)\n"
        "    return {\"batchItemFailures\": [{\"itemIdentifier\": r[\"messageId\"]} for r in failures]}"),
    # refactorings of the AWS adapters (the integration tests' code)
    "the item also holds its kind": (
        ADAPTERS, '"price_cents": booking.price_cents}', '"price_cents": booking.price_cents, "kind": "booking"}'),
    "the event sent with its keys sorted": (
        ADAPTERS, "MessageBody=json.dumps(event)", "MessageBody=json.dumps(event, sort_keys=True)"),
    # domain bugs: the price
    "group rate from 6 seats": (DOMAIN, "if seats >= GROUP_SEATS:", "if seats > GROUP_SEATS:"),
    "the price ignores the seats": (DOMAIN, "full = seats * seat_cents", "full = seat_cents"),
    "the discount rounded up": (DOMAIN, "return full - full // 10", "return full - -(-full // 10)"),
    # domain bugs: a valid booking
    "0 seats accepted": (DOMAIN, "if not 1 <= seats <= MAX_SEATS:", "if not 0 <= seats <= MAX_SEATS:"),
    "9 seats accepted": (DOMAIN, "if not 1 <= seats <= MAX_SEATS:", "if not 1 <= seats <= MAX_SEATS + 1:"),
    "free seats accepted": (DOMAIN, "if seat_cents <= 0:", "if seat_cents < 0:"),
    "a free booking saved, then refused": (
        DOMAIN, '    if seat_cents <= 0:\n        raise InvalidBooking("a seat has a price")\n'
                '    booking = Booking(request["booking_id"], request["show"], seats, price_cents(seats, seat_cents))\n'
                '    store.save(booking)\n',
        '    booking = Booking(request["booking_id"], request["show"], seats, price_cents(seats, seat_cents))\n'
        '    store.save(booking)\n'
        '    if seat_cents <= 0:\n        raise InvalidBooking("a seat has a price")\n'),
    # batch adapter bugs
    "a failure reports the whole batch": (
        ADAPTERS, 'return {"batchItemFailures": failures}',
        'return {"batchItemFailures": failures and [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}'),
    "a failure ends the batch": (
        ADAPTERS, 'failures.append({"itemIdentifier": record["messageId"]})',
        'failures.append({"itemIdentifier": record["messageId"]})\n            break'),
    "a failure reported by its body": (
        ADAPTERS, '{"itemIdentifier": record["messageId"]}', '{"itemIdentifier": record["body"]}'),
    # store bugs (DynamoDB): what a fake table accepts and DynamoDB refuses
    "read with a sort key the table lacks": (
        ADAPTERS, 'Key={"pk": f"BOOKING#{booking_id}"}', 'Key={"pk": f"BOOKING#{booking_id}", "sk": "BOOKING"}'),
    "the item keyed by booking_id": (
        ADAPTERS, '"pk": f"BOOKING#{booking.booking_id}", "show"', '"booking_id": booking.booking_id, "show"'),
    "the price stored as a float": (
        ADAPTERS, '"price_cents": booking.price_cents}', '"price_cents": booking.price_cents * 1.0}'),
    # notifier bugs (SQS)
    "the event sent as Python text": (ADAPTERS, "MessageBody=json.dumps(event)", "MessageBody=str(event)"),
    "the event sent without its type": (
        ADAPTERS, "MessageBody=json.dumps(event)",
        'MessageBody=json.dumps({k: v for k, v in event.items() if k != "type"})'),
}

# a rewrite: every refactoring of a tier at once (the hidden scenarios run it)
REWRITES = {
    "the rules and the batch adapter rewritten": ["the discount computed as 90 % rounded up",
                                                  "the refusal reworded", "the failures listed at the end"],
    "the AWS adapters rewritten": ["the item also holds its kind", "the event sent with its keys sorted"],
}
UNIT_VARIANTS = [AS_GIVEN, "the rules and the batch adapter rewritten"]
UNIT_BUGS = {   # aspect -> its bugs, the public scenario's first
    "price": ["group rate from 6 seats", "the price ignores the seats", "the discount rounded up"],
    "valid booking": ["0 seats accepted", "9 seats accepted", "free seats accepted",
                      "a free booking saved, then refused"],
    "batch": ["a failure reports the whole batch", "a failure ends the batch",
              "a failure reported by its body"],
}
INTEGRATION_VARIANTS = [AS_GIVEN, "the AWS adapters rewritten"]
INTEGRATION_BUGS = {
    "store": ["read with a sort key the table lacks", "the item keyed by booking_id",
              "the price stored as a float"],
    "notifier": ["the event sent as Python text", "the event sent without its type"],
}
END_TO_END_BUGS = {
    "dead letters": [WIRING_BUGS[0]],
    "wiring": list(WIRING_BUGS[1:]),
}


def public_bugs(aspects: dict[str, list[str]]) -> list[str]:
    return [bugs[0] for bugs in aspects.values()]


def drawn_bugs(r: random.Random, aspects: dict[str, list[str]]) -> list[str]:
    return [r.choice(bugs) for bugs in aspects.values()]


def write_service(implementation: str, folder: Path) -> Path:
    """The service's files in `folder`, with the implementation's edits (none: as given)."""
    edits = REWRITES.get(implementation, [] if implementation == AS_GIVEN else [implementation])
    with TemporaryDirectory(prefix="lab13-service-") as scratch:
        source = SERVICE
        for step, name in enumerate(edits):    # one edit a copy (plant plants one)
            source = plant(source, Path(scratch) / str(step), *EDITS[name])
        return plant(source, folder)
