"""Wrong design: the function remembers the keys it has seen in a module-level set, as a cache
would. It works when one warm environment serves every send; but a resend that arrives while
the first send still waits on the provider is served by another execution environment, which
has never seen the key, and charges again. Caught by: retry-charges-once."""

REPLACE = [
    ('''\
def claim(key):
    """True for the first claim of a key, False for every later one (atomic)."""
    try:
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": key}},
                          ConditionExpression="attribute_not_exists(pk)")
        return True
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
''',
     '''\
seen = set()


def claim(key):
    """True the first time this environment sees the key."""
    if key in seen:
        return False
    seen.add(key)
    return True
'''),
]
