"""One module per `labkit` verb (see labkit/cli.py)."""
