"""Wrong design: "the correlation id is one more field of the line": instead of
logger.set_correlation_id, each hop passes it with the line's other fields,
extra={..., "correlation_id": correlation_id}, on every logger.info it writes. The lines written
in the except blocks, logger.exception("order rejected") and logger.exception("notification
failed"), get no extra and so no id. Every happy line is found by the id, and exactly the lines
support is looking for, a failed request's errors, are not: its path shows the order picked up
and then nothing, and a query or metric filter on the id finds no failure.
Caught by: same-id-every-hop."""

REPLACE = [
    ("""\
    logger.set_correlation_id(correlation_id)
    logger.info("order received", extra={"order_id": order["order_id"]})
""",
     """\
    logger.info("order received", extra={"order_id": order["order_id"],
                                         "correlation_id": correlation_id})
"""),
    ("""\
    logger.info("order queued")
""",
     """\
    logger.info("order queued", extra={"correlation_id": correlation_id})
"""),
    ("""\
        logger.set_correlation_id(correlation_id)
        logger.info("order picked up", extra={"order_id": order["order_id"],
""",
     """\
        logger.info("order picked up", extra={"order_id": order["order_id"],
                    "correlation_id": correlation_id,
"""),
    ("""\
            logger.info("order accepted")
""",
     """\
            logger.info("order accepted", extra={"correlation_id": correlation_id})
"""),
    ("""\
        logger.set_correlation_id(correlation_id)
        logger.info("sending confirmation", extra={"order_id": order["order_id"],
""",
     """\
        logger.info("sending confirmation", extra={"order_id": order["order_id"],
                    "correlation_id": correlation_id,
"""),
    ("""\
            logger.info("confirmation sent")
""",
     """\
            logger.info("confirmation sent", extra={"correlation_id": correlation_id})
"""),
]
