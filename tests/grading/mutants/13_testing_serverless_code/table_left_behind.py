"""Planted bug (in the learner's tests): the table fixture never deletes its table, so every run
leaves one behind. Caught by: integration-tests."""

REPLACE = [
    ("""\
    yield created
    created.delete()
""", """\
    yield created
"""),
]
