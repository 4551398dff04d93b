"""Planted bug (in the learner's tests): the notifier test counts the messages on the queue but
never decodes one, so an event sent as Python text instead of JSON passes.
Caught by: integration-tests."""

REPLACE = [
    ("""assert [json.loads(m["Body"]) for m in messages] == [event]""", "assert len(messages) == 1"),
]
