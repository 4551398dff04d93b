"""Planted bug: a transient error is logged and swallowed: the handler reports success, SQS
deletes the message and the order is neither processed nor parked.
Caught by: nothing-lost."""

REPLACE = [
    ("""\
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
""",
     """\
        except Exception as error:
            print("will not retry:", error)   # BUG: the message is deleted, the order lost
"""),
]
