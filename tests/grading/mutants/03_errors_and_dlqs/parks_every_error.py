"""Planted bug: every exception is treated as permanent, so a payment timeout is parked on its
first attempt instead of being retried.
Caught by: transient-retried."""

REPLACE = [
    ("""\
        except PERMANENT as error:
            park(record, error, attempt)     # handled: SQS deletes the original
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
""",
     """\
        except Exception as error:   # BUG: a timeout is not bad data
            park(record, error, attempt)
"""),
]
