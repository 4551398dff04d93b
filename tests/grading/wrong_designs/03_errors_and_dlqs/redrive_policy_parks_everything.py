"""Wrong design: "the DLQ is the backstop" - the student reports every error in
batchItemFailures, bad data included, and lets the redrive policy do the parking (the lesson's
ON_PERMANENT=retry worker). Nothing is lost and the DLQ does fill up, but each EU, malformed or
amount-less order is retried maxReceiveCount times first (billed invocations that can never
succeed) and lands there with no error_type or error_message to say why.
Caught by: permanent-parked."""

REPLACE = [
    ("""\
        except PERMANENT as error:
            park(record, error, attempt)     # handled: SQS deletes the original
        except Exception:
""",
     """\
        except Exception:   # any failure: SQS retries it, then the redrive policy parks it
"""),
]
