"""moto's requests answered without Flask (moto_without_flask.MotoWithoutFlask) get
the answer Flask gives: the same status line, the same headers in the same order, the same
body, all but what the clock puts in them.

Two backends run side by side, one with the fast path and one without
(LABKIT_MOTO_FAST_PATH=0), both seeded alike (moto's /moto-api/seed), and every request,
made by boto3 or written by hand, goes to both as the same bytes; each pair of replies must
match. In-process tests check which requests take the fast path and what an exception
raised by moto does there.
"""
from __future__ import annotations

import http.client
import io
import re
import time
import uuid
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import AWSResponse

from tests.runtime.conftest import make_client, start_server

# Values the two backends cannot share, whichever path answers, are read off the clock:
#  * the Date header, and S3's Last-Modified (an object's time), to the second;
#  * a time in a body: epoch seconds or milliseconds (SQS CreatedTimestamp, DynamoDB
#    CreationDateTime, logs creationTime, ...) or ISO 8601 (S3, SNS, ...), masked below;
#  * DynamoDB's X-Amz-Crc32 (a checksum of the body) and Content-Length, when the body holds
#    such a time: then compared with each backend's own body instead.
# Request ids and every other generated id come from moto's generator, seeded alike, so they
# are compared as they are.
VOLATILE_HEADERS = {"date", "last-modified"}
BODY_CLOCK = re.compile(
    rb"(?<![\w.])1[5-9]\d{8}(?:\d{3})?(?:\.\d+)?(?![\w.])"               # epoch s or ms
    rb"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")  # ISO 8601
BODY_DERIVED_HEADERS = {"x-amz-crc32", "content-length"}
SQS_JSON = "application/x-amz-json-1.0"
IDLE_S = 1.0  # well under the backend's idle timeout (http_serving.IDLE_CONNECTION_S)


def _signed(service: str) -> dict[str, str]:  # how moto tells the service (credential scope)
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/{service}/"
                             "aws4_request, SignedHeaders=host, Signature=00"}


@dataclass
class Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def _mask_clock(body: bytes) -> bytes:
    return BODY_CLOCK.sub(b"<clock>", body)


def _derived(header: str, body: bytes) -> str:
    return str(len(body) if header == "content-length" else zlib.crc32(body))


def assert_same(flask: Reply, fast: Reply) -> None:
    assert (fast.status, fast.reason) == (flask.status, flask.reason)
    assert [name for name, _ in fast.headers] == [name for name, _ in flask.headers]
    same_body = fast.body == flask.body
    for (name, theirs), (_, ours) in zip(flask.headers, fast.headers):
        lower = name.lower()
        if lower in VOLATILE_HEADERS:
            continue
        if lower in BODY_DERIVED_HEADERS and not same_body:  # the bodies hold different times
            assert (name, ours) == (name, _derived(lower, fast.body))
            assert (name, theirs) == (name, _derived(lower, flask.body))
            continue
        assert (name, ours) == (name, theirs)
    assert _mask_clock(fast.body) == _mask_clock(flask.body)


class _Raw(io.BytesIO):
    """What botocore reads a reply's body from (urllib3's response: read, stream)."""

    def stream(self, **_):
        yield self.getvalue()


class Twins:
    """Two backends, one through Flask and one through the fast path, sent the same bytes."""

    def __init__(self, flask_url: str, fast_url: str):
        self.url = flask_url  # boto3 addresses this one: the Host header both receive
        self.connections, self.last_used = {}, {}
        for name, url in (("flask", flask_url), ("fast", fast_url)):
            parts = urlsplit(url)
            self.connections[name] = http.client.HTTPConnection(parts.hostname, parts.port,
                                                                timeout=120)

    def send(self, method: str, target: str, body: bytes | None = None,
             headers: dict | None = None) -> Reply:
        """Send one request to both; assert the replies match; return the fast path's."""
        headers = dict(headers or {})
        if not any(name.lower() == "host" for name in headers):
            headers["Host"] = urlsplit(self.url).netloc  # both get the same (boto3 sends none)
        replies = {}
        for name, connection in self.connections.items():
            if time.monotonic() - self.last_used.get(name, 0) > IDLE_S:
                connection.close()  # the server may be closing it: the next request opens one
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            replies[name] = Reply(response.status, response.reason, response.getheaders(),
                                  response.read())
            if response.will_close:
                connection.close()
            self.last_used[name] = time.monotonic()
        assert_same(replies["flask"], replies["fast"])
        return replies["fast"]

    def client(self, service: str):
        """A boto3 client whose every request goes to both backends."""
        client = make_client(self.url, service)
        client.meta.events.register("before-send", self._send_from_boto3)
        return client

    def _send_from_boto3(self, request, **_) -> AWSResponse:
        parts = urlsplit(request.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body.read() if hasattr(request.body, "read") else request.body
        reply = self.send(request.method, target, body, dict(request.headers.items()))
        headers: dict[str, str] = {}
        for name, value in reply.headers:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return AWSResponse(request.url, reply.status, headers, _Raw(reply.body))

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    quiet = {"LABKIT_WARM_UP_STEP_FUNCTIONS": "0"}
    flask = start_server(tmp_path_factory, LABKIT_MOTO_FAST_PATH="0", **quiet)
    try:
        fast = start_server(tmp_path_factory, LABKIT_MOTO_FAST_PATH="1", **quiet)
        pair = Twins(flask.url, fast.url)
        try:
            yield pair
        finally:
            pair.close()
            fast.stop()
    finally:
        flask.stop()


@pytest.fixture
def seeded(twins):
    """Both backends' generators in the same state (ids, request ids) before a test."""
    twins.send("POST", "/moto-api/seed?a=42")
    return twins


def test_sqs_answers_match(seeded):
    sqs = seeded.client("sqs")
    name = f"fast-{uuid.uuid4().hex[:8]}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"body {n}",
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(n)}})
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                              MessageAttributeNames=["All"])["Messages"]
    assert {m["Body"] for m in got} <= {"body 0", "body 1", "body 2"} and got
    sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=got[0]["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=queue + "-missing", MessageBody="x")
    # the query protocol, as older SDKs send it: a form POST
    form = f"Action=SendMessage&QueueUrl={queue}&MessageBody=form%20body&Version=2012-11-05"
    reply = seeded.send("POST", "/", form.encode(), {
        **_signed("sqs"), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status == 200 and b"<SendMessageResponse" in reply.body
    reply = seeded.send("POST", "/", b"Action=GetQueueUrl&QueueName=nope&Version=2012-11-05", {
        **_signed("sqs"), "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400 and b"NonExistentQueue" in reply.body


def _pk_sk_table(ddb, prefix: str) -> str:
    """A new on-demand table keyed by (pk, sk), both strings; -> its name."""
    table = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    return table


def test_dynamodb_answers_match(seeded):
    ddb = seeded.client("dynamodb")
    table = _pk_sk_table(ddb, "fast")
    for n in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": str(n)},
                                            "v": {"N": str(n)}})
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "p"}})["Items"]
    assert len(items) == 3
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "1"}})["Item"]
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "1"}},
                     ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName=table + "-missing", Key={"pk": {"S": "p"}, "sk": {"S": "1"}})
    ddb.describe_table(TableName=table)


EVERY_KIND = {   # every AttributeValue type, nested too; binaries go through moto's serializer
    "s": {"S": "text"}, "empty": {"S": ""}, "n": {"N": "-12.5"}, "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"x", b"y"]},
    "null": {"NULL": True}, "yes": {"BOOL": True}, "no": {"BOOL": False},
    "m": {"M": {"inner": {"S": "x"}, "deep": {"M": {"n": {"N": "1"}, "l": {"L": [{"S": "y"}]}}}}},
    "l": {"L": [{"N": "1"}, {"M": {"k": {"BOOL": False}}}, {"L": []}, {"NULL": True}]},
    "mixed": {"M": {"blob": {"B": b"z"}, "s": {"S": "s"}}}, "blobs": {"L": [{"B": b"q"}]},
}


def test_dynamodb_attributes_of_every_kind_answer_alike(seeded):
    """Items are answered as stored (http_serving.answer_attribute_values_as_stored) by every
    call that returns attributes: the same bytes as moto's serializer gives."""
    ddb = seeded.client("dynamodb")
    table = _pk_sk_table(ddb, "kinds")
    key = {"pk": {"S": "p"}, "sk": {"S": "1"}}
    ddb.put_item(TableName=table, Item={**key, **EVERY_KIND})
    ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "2"}, **EVERY_KIND},
                 ReturnValues="ALL_OLD")
    assert ddb.get_item(TableName=table, Key=key)["Item"]["b"] == {"B": b"\x00\xffbytes"}
    ddb.query(TableName=table, KeyConditionExpression="pk = :p",
              ExpressionAttributeValues={":p": {"S": "p"}})
    ddb.scan(TableName=table)
    ddb.batch_get_item(RequestItems={table: {"Keys": [key]}})
    ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}])
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET s = :s",
                    ExpressionAttributeValues={":s": {"S": "new"}}, ReturnValues="ALL_NEW")
    ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")


def test_other_services_answers_match(seeded):
    lam, logs, sns = seeded.client("lambda"), seeded.client("logs"), seeded.client("sns")
    sfn, cloudwatch = seeded.client("stepfunctions"), seeded.client("cloudwatch")
    lam.list_functions()
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="fast-path-missing")
    group = f"/fast/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    logs.describe_log_groups(logGroupNamePrefix=group)
    topic = sns.create_topic(Name=f"fast-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.publish(TopicArn=topic, Message="hello")
    sfn.list_state_machines()
    cloudwatch.put_metric_data(Namespace="Fast", MetricData=[{"MetricName": "m", "Value": 1.0}])
    cloudwatch.list_metrics(Namespace="Fast")


def test_s3_answers_match(seeded):
    s3 = seeded.client("s3")
    bucket = f"fast-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a key/é.txt", Body=b"hello", Metadata={"my_key": "1"})
    assert s3.get_object(Bucket=bucket, Key="a key/é.txt")["Body"].read() == b"hello"
    assert s3.head_object(Bucket=bucket, Key="a key/é.txt")["ContentLength"] == 5
    s3.list_objects_v2(Bucket=bucket)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="missing")
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="missing")


def test_what_flask_answers_matches(seeded):
    # an Origin header: Flask (flask-cors) answers, with the CORS headers for that origin
    reply = seeded.send("POST", "/", b"{}", {
        **_signed("sqs"), "X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": SQS_JSON,
        "Origin": "http://localhost:3000"})
    assert ("Access-Control-Allow-Origin", "http://localhost:3000") in reply.headers
    reply = seeded.send("OPTIONS", "/", None, {
        **_signed("sqs"), "Origin": "http://localhost:3000",
        "Access-Control-Request-Method": "POST"})
    assert any(name == "Access-Control-Allow-Methods" for name, _ in reply.headers)
    # a path no rule of the service matches
    reply = seeded.send("GET", "/no/such/path", None, _signed("lambda"))
    assert reply.status == 404
    # moto's own API (a page rendered in Flask's app context)
    reply = seeded.send("GET", "/moto-api/")
    assert reply.status == 200


def test_what_moto_fails_on_matches(seeded):
    # moto raises (not a ClientError): both answer 500 and close the connection
    reply = seeded.send("POST", "/", b"not json", {
        **_signed("dynamodb"), "X-Amz-Target": "DynamoDB_20120810.PutItem",
        "Content-Type": SQS_JSON})
    assert reply.status == 500 and ("Connection", "close") in reply.headers
    reply = seeded.send("POST", "/", b"{}", {
        **_signed("sqs"), "X-Amz-Target": "AmazonSQS.NoSuchAction", "Content-Type": SQS_JSON})
    assert reply.status == 500
    seeded.send("POST", "/2015-03-31/functions", b"{", {
        **_signed("lambda"), "Content-Type": "application/json"})


# -- in process: which requests skip Flask, and exceptions ------------------------------

@pytest.fixture
def dispatch(monkeypatch):
    """(fast path app, the dispatcher it wraps, list of requests Flask answered)."""
    from flask import Flask
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from labkit.emulator.moto_without_flask import MotoWithoutFlask

    through_flask = []
    wsgi_app = Flask.wsgi_app

    def counted(app, environ, start_response):
        through_flask.append(environ["PATH_INFO"])
        return wsgi_app(app, environ, start_response)

    monkeypatch.setattr(Flask, "wsgi_app", counted)
    dispatcher = DomainDispatcherApplication(create_backend_app)
    return MotoWithoutFlask(dispatcher), dispatcher, through_flask


def _environ(method="GET", path="/2015-03-31/functions/", service="lambda", data=b"", **headers):
    from werkzeug.test import EnvironBuilder

    headers = {**_signed(service), **{k.replace("_", "-"): v for k, v in headers.items()}}
    return EnvironBuilder(method=method, path=path, headers=headers, data=data).get_environ()


def _call(app, environ):
    from werkzeug.test import run_wsgi_app

    app_iter, status, headers = run_wsgi_app(app, environ)
    return status, list(headers), b"".join(app_iter)


@pytest.mark.parametrize("flask_answers, kwargs", [
    (False, {}),                                                     # Lambda ListFunctions
    (False, {"method": "POST", "path": "/", "service": "sqs", "data": b"{}",
             "X_Amz_Target": "AmazonSQS.ListQueues", "Content_Type": SQS_JSON}),
    (True, {"Origin": "http://localhost:3000"}),
    (True, {"method": "OPTIONS"}),
    (True, {"Access_Control_Request_Private_Network": "true"}),
    (True, {"path": "/no/such/path"}),
    (True, {"method": "TRACE"}),                                     # 405
    (True, {"path": "/moto-api/data.json"}),
], ids=["lambda", "sqs", "origin", "options", "private-network", "404", "405", "moto-api"])
def test_which_requests_flask_answers(dispatch, flask_answers, kwargs):
    fast, dispatcher, through_flask = dispatch
    status = _call(fast, _environ(**kwargs))[0]
    assert through_flask == ([kwargs.get("path", "/2015-03-31/functions/")]
                             if flask_answers else [])
    assert status == _call(dispatcher, _environ(**kwargs))[0]


def _make_moto_raise(dispatcher, exception) -> None:
    """Every view of this dispatcher's Lambda app (its own Flask app) raises exception."""
    def callback(request, url, headers):
        raise exception

    for view in dispatcher.get_application(_environ()).view_functions.values():
        if hasattr(view, "callback"):  # moto's convert_to_flask_response
            view.callback = callback


def _outcome(wsgi):
    try:
        return _call(wsgi, _environ())
    except Exception as raised:  # Flask in debug mode propagates it: the server answers 500
        return raised


@pytest.mark.parametrize("exception", ["runtime", "key", "not found", "rest", "bad request key"])
def test_an_exception_from_moto_does_what_it_does_through_flask(dispatch, exception):
    from moto.core.exceptions import JsonRESTError
    from werkzeug.exceptions import BadRequestKeyError, NotFound

    exception = {"runtime": RuntimeError("moto failed"), "key": KeyError("x"),
                 "not found": NotFound("gone"), "rest": JsonRESTError("Nope", "no way"),
                 "bad request key": BadRequestKeyError("k")}[exception]
    fast, dispatcher, through_flask = dispatch
    _make_moto_raise(dispatcher, exception)
    flask_outcome, fast_outcome = _outcome(dispatcher), _outcome(fast)
    if isinstance(exception, (RuntimeError, KeyError)):  # BadRequestKeyError: trapped in debug
        assert flask_outcome is exception and fast_outcome is exception
    else:  # an HTTPException: its own response, with flask-cors's header
        assert fast_outcome == flask_outcome
        assert ("Access-Control-Allow-Origin", "*") in flask_outcome[1]
    assert through_flask == ["/2015-03-31/functions/"]  # the fast path did not use Flask


def test_a_client_error_is_a_400_with_its_message(dispatch):
    from botocore.exceptions import ClientError

    fast, dispatcher, through_flask = dispatch
    _make_moto_raise(dispatcher, ClientError(
        {"Error": {"Code": "Boom", "Message": "it broke"}}, "ListFunctions"))
    flask_outcome, fast_outcome = _outcome(dispatcher), _outcome(fast)
    assert fast_outcome == flask_outcome
    assert flask_outcome[0] == "400 BAD REQUEST" and flask_outcome[2] == b"it broke"
    assert through_flask == ["/2015-03-31/functions/"]


def test_a_remembered_route_is_the_one_flask_finds(dispatch):
    fast, dispatcher, through_flask = dispatch
    calls = [("GET", "/2015-03-31/functions/"), ("TRACE", "/2015-03-31/functions/"),
             ("GET", "/2015-03-31/functions/"), ("GET", "/no/such/path"),
             ("GET", "/no/such/path"), ("GET", "/2015-03-31/functions/")]
    for method, path in calls:
        assert (_call(fast, _environ(method=method, path=path))[0]
                == _call(dispatcher, _environ(method=method, path=path))[0])
    fast_calls = [path for method, path in calls if method == "GET" and "functions" in path]
    assert len(through_flask) == 2 * len(calls) - len(fast_calls)  # the dispatcher's, 405, 404s


@pytest.mark.parametrize("status", [200, 400, 404, 500, 204, 304, 599, True])
@pytest.mark.parametrize("headers", [
    {},
    {"Content-Type": "application/x-amz-json-1.0", "x-amzn-requestid": "r", "status": 400},
    {"server": "amazon.com", "content-type": "text/xml", "X-Dup": "1", "x-dup": "2"},
    {"Access-Control-Allow-Origin": "", "ETag": '"abc"', "x-int": 7, "x-bool": True},
    {"Content-Length": "3"}, {"Location": "/é"}, {"x-list": ["a", "b"]}, {"x-bad": "a\r\nb"},
], ids=["none", "json", "xml-dup", "odd-values", "length", "location", "list", "newline"])
@pytest.mark.parametrize("content", ["", "plain é", b"\x00bytes", ["chunk"]],
                         ids=["empty", "str", "bytes", "list"])
def test_a_plain_answer_is_what_flask_response_sends(status, headers, content):
    import flask
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import run_wsgi_app

    from labkit.emulator.moto_without_flask import MotoWithoutFlask

    plain = MotoWithoutFlask(DomainDispatcherApplication(create_backend_app))._plain_answer(
        status, dict(headers), content)
    if plain is None:  # the Response answers
        assert (status in (True, 204, 304, 599) or type(content) is list
                or headers.keys() & {"Content-Length", "Location", "x-list", "x-bad", "x-bool"})
        return
    response = flask.Response(response=content, status=status, headers=dict(headers))
    app_iter, status_line, sent = run_wsgi_app(response, _environ(method="POST"))
    assert plain == (status_line, list(sent), b"".join(app_iter))
