"""Wrong design: a global secondary index keyed by a constant partition ("ORDER") and the date,
queried for the range with the customer as a filter: a Query on an index, no Scan, the right
orders; but it reads every customer's orders in the range (one hot partition, too). Caught by:
range-without-scan."""

REPLACE = [
    ("""\
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])
""",
     """\
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                              for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        GlobalSecondaryIndexes=[{"IndexName": "by-date", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                               {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}])
"""),
    ("""\
        item["sk"] = {"S": f"ORDER#{order['date']}#{order['order_id']}"}
""",
     """\
        item["sk"] = {"S": f"ORDER#{order['date']}#{order['order_id']}"}
        item["gsi1pk"] = {"S": "ORDER"}
        item["gsi1sk"] = {"S": f"{order['date']}#{order['order_id']}"}
"""),
    ("""\
    params = {"TableName": event["table_name"],
              "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
              "ExpressionAttributeValues": {
                  ":pk": {"S": f"CUSTOMER#{event['customer']}"},
                  ":start": {"S": f"ORDER#{event['from']}"},
                  ":end": {"S": f"ORDER#{event['to']}#~"}}}     # "~" sorts after any order id
""",
     """\
    params = {"TableName": event["table_name"], "IndexName": "by-date",
              "KeyConditionExpression": "gsi1pk = :all AND gsi1sk BETWEEN :start AND :end",
              "FilterExpression": "pk = :pk",
              "ExpressionAttributeValues": {
                  ":all": {"S": "ORDER"}, ":pk": {"S": f"CUSTOMER#{event['customer']}"},
                  ":start": {"S": event["from"]}, ":end": {"S": f"{event['to']}#~"}}}
"""),
]
