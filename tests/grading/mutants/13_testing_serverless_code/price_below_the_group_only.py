"""Planted bug (in the learner's tests): the price is tested below the group rate only, so a
group rate that starts at 6 seats instead of 5 passes every test. Caught by: unit-tests."""

REPLACE = [
    ("""\
        assert price(5, 1999) == 9995 - 999                 # 10 % off, rounded down to a cent
        assert price(8, 1001) == 8008 - 800
""", ""),
]
