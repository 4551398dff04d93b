"""Wrong design: the unit tests take their expected prices from the service's own price_cents
("the code knows the formula best"). A test whose oracle is the code under test agrees with
any bug in it: every pricing bug passes. Caught by: unit-tests."""

REPLACE = [
    ("""\
        assert placed.price_cents == 3000
""", """\
        from bookings_domain import price_cents
        assert placed.price_cents == price_cents(2, 1500)
"""),
    (""""price_cents": 3000}]""", """"price_cents": price_cents(2, 1500)}]"""),
    ("""\
        assert price(4, 1999) == 4 * 1999                   # just below the group
        assert price(5, 1999) == 9995 - 999                 # 10 % off, rounded down to a cent
        assert price(8, 1001) == 8008 - 800
""", """\
        from bookings_domain import price_cents
        for seats, seat_cents in [(4, 1999), (5, 1999), (8, 1001)]:
            assert price(seats, seat_cents) == price_cents(seats, seat_cents)
"""),
]
