"""deploy_function from many threads at once shares one execution role without failing."""
from concurrent.futures import ThreadPoolExecutor

from labkit.deploy import ensure_role


def test_parallel_ensure_role_returns_one_role(aws):
    lam = aws("lambda")
    name = "race-role-test"
    with ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(lambda _: ensure_role(lam, name), range(16)))
    assert len(set(arns)) == 1 and arns[0].endswith(f"role/{name}")
