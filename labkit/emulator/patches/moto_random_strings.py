"""moto's random strings, drawn from the same random numbers without random.choice's overhead.

moto gives every response a request id, `get_random_string(length=52)` (moto 5.2.5,
moto_api/_internal/moto_random.py, via utilities/aws_headers.gen_amzn_requestid_long), and
builds it with one `random.choice` call per character: 52 Python calls each through
`_randbelow`, ~30 us of a SendMessage's ~750 us of server CPU (measured). Here the same
draws run in one loop: `choice(pool)` is `pool[_randbelow(len(pool))]`, and `_randbelow` asks
`getrandbits(k)` until the number is below len(pool) (CPython's random.py). So a seeded
generator (moto's `/moto-api/seed`) gives exactly the strings it gave before; apply() checks
that on this interpreter and leaves moto's method in place if it does not hold.
"""
from __future__ import annotations

import random
import string

NAME = "moto_random_strings"
AWS_BEHAVIOUR = (
    "None changed: every response's request id and every generated identifier stay what "
    "moto draws, for the same seed (moto's /moto-api/seed); only the per-call cost drops."
)


def get_random_string(self, length: int = 20, include_digits: bool = True,
                      lower_case: bool = False) -> str:
    """MotoRandom.get_random_string: the same characters from the same draws."""
    pool = string.ascii_letters + string.digits if include_digits else string.ascii_letters
    size, getrandbits = len(pool), self.getrandbits
    bits = size.bit_length()
    chars = []
    for _ in range(length):
        r = getrandbits(bits)
        while r >= size:  # as random.Random._randbelow_with_getrandbits
            r = getrandbits(bits)
        chars.append(pool[r])
    text = "".join(chars)
    return text.lower() if lower_case else text


def draws_as_moto(original) -> bool:
    """The same strings as moto's method, from the same seed (False: keep moto's)."""
    from moto.moto_api._internal.moto_random import MotoRandom

    for kwargs in ({"length": 52}, {"length": 20, "include_digits": False},
                   {"length": 9, "lower_case": True}):
        ours, theirs = MotoRandom(7), MotoRandom(7)
        for _ in range(40):
            if get_random_string(ours, **kwargs) != original(theirs, **kwargs):
                return False
        if ours.getstate() != theirs.getstate():
            return False
    return True


def apply(ctx) -> None:
    from moto.moto_api._internal.moto_random import MotoRandom

    original = MotoRandom.get_random_string
    if original is get_random_string:
        return
    if MotoRandom._randbelow is not random.Random._randbelow_with_getrandbits:
        return  # a MotoRandom that draws differently: nothing to reproduce
    if draws_as_moto(original):
        MotoRandom.get_random_string = get_random_string
