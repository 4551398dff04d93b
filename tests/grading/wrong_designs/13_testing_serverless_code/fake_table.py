"""Wrong design: the integration tests run the DynamoDB store on an in-memory table ("no
backend needed, and much faster"). The fake accepts what DynamoDB refuses: a key the table's
schema lacks, a float where boto3 takes only Decimal. The store's contract with the real
service goes untested. Caught by: integration-tests."""

REPLACE = [
    ('''\
@pytest.fixture
def table():
    """A table of its own, from the definition production deploys, named with TEST_PREFIX."""
    ddb = boto3.resource("dynamodb")
    created = ddb.create_table(TableName=f"{os.environ['TEST_PREFIX']}-{uuid.uuid4().hex[:6]}",
                               **TABLE_DEFINITION)
    created.wait_until_exists()
    yield created
    created.delete()
''', '''\
class FakeTable:
    """Stands in for the boto3 Table: no backend needed, and much faster."""

    def __init__(self):
        self.items = {}

    def put_item(self, Item):
        self.items[Item.get("pk")] = dict(Item)

    def get_item(self, Key):
        item = self.items.get(Key.get("pk"))
        return {"Item": item} if item else {}


@pytest.fixture
def table():
    yield FakeTable()
'''),
]
