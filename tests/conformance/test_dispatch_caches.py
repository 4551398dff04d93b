"""The embedded backend's shortcuts around per-request work (labkit.emulator.http_serving, the
moto_random_strings patch) give the answers the long way gives: same parsed request, same
environ, same random strings, and the right resource when calls alternate between two."""
from __future__ import annotations

import http.client
import io
import uuid
from http.server import BaseHTTPRequestHandler

import pytest

from labkit.emulator.http_serving import http_date, parse_request_fast, read_headers

BOTO_HEADERS = (
    b"Host: 127.0.0.1:4566\r\nAccept-Encoding: identity\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\nUser-Agent: Boto3/1.44.5 md/Botocore#1.44.5\r\n"
    b"Authorization: AWS4-HMAC-SHA256 Credential=t/20261204/us-east-1/sqs/aws4_request, "
    b"SignedHeaders=host, Signature=d646f9\r\nContent-Length: 75\r\n\r\n")
HEADER_BLOCKS = [
    BOTO_HEADERS,
    b"Host: a\r\nX-Amz-Meta-My_Key: v\r\nx-dup: 1\r\nX-Dup: 2\r\nEmpty:\r\nTabbed:\t v \r\n\r\n",
    b"Host: a\nBare: newline\n\n",                        # LF-only line ends
    b"Host: a\r\nFolded: one\r\n two\r\n\r\n",            # obsolete line folding
    b" Leading: continuation\r\nHost: a\r\n\r\n",
    b"From someone\r\nHost: a\r\n\r\n",                  # a unix-from line
    b"Host: a\r\nNo colon here\r\n\r\n",
    b"Host: a\r\n: no name\r\n\r\n",
    b"Host: a\r\nCR: in\rvalue\r\n\r\n",
    b"Content-Type: multipart/form-data; boundary=x\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Host: a\r\nLatin: caf\xe9\r\n\r\n",
    b"Host: a\r\nCut: off",                               # the connection closed mid-headers
    b"\r\n",
]


def _message_state(message) -> dict:
    state = dict(vars(message))
    state["defects"] = [(type(d), str(d)) for d in message.defects]
    if isinstance(message._payload, list):  # message/* types: the parts, parsed
        state["_payload"] = [_message_state(part) for part in message._payload]
    return state


@pytest.mark.parametrize("block", HEADER_BLOCKS)
def test_headers_parse_as_the_standard_library_parses_them(block):
    ours, theirs = io.BytesIO(block + b"BODY"), io.BytesIO(block + b"BODY")
    mine = read_headers(ours, http.client.HTTPMessage)
    stdlib = http.client.parse_headers(theirs)
    assert _message_state(mine) == _message_state(stdlib)
    assert ours.read() == theirs.read()  # the body starts at the same byte


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, raw: bytes):  # no socket: a request already in a buffer
        line, _, rest = raw.partition(b"\r\n")
        self.raw_requestline, self.rfile, self.wfile = line + b"\r\n", io.BytesIO(rest), io.BytesIO()
        self.request_version = self.default_request_version

    def log_message(self, *args) -> None:
        pass


REQUESTS = [
    b"POST / HTTP/1.1\r\n" + BOTO_HEADERS,
    b"GET /x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
    b"PUT /b/k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
    b"GET //evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.0\r\nHost: a\r\n\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"GET /\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n",
    b"GET / HTTP/1.1\r\nLong: " + b"x" * 70000 + b"\r\n\r\n",
]


@pytest.mark.parametrize("raw", REQUESTS, ids=lambda raw: raw[:24].decode(errors="replace"))
def test_requests_parse_as_the_standard_library_parses_them(raw):
    mine, stdlib = _Handler(raw), _Handler(raw)
    fast = parse_request_fast(mine)
    ok = mine.parse_request() if fast is None else fast
    assert ok == stdlib.parse_request()
    for name in ("command", "path", "request_version", "requestline", "close_connection"):
        assert getattr(mine, name, None) == getattr(stdlib, name, None), name
    if ok:
        assert _message_state(mine.headers) == _message_state(stdlib.headers)
    assert mine.wfile.getvalue().split(b"\r\n")[0] == stdlib.wfile.getvalue().split(b"\r\n")[0]


def test_the_date_header_is_the_standard_librarys():
    for second in (0, 1_764_817_200, 1_764_817_259):
        assert http_date(second) == BaseHTTPRequestHandler.date_time_string(None, second)


def test_random_strings_are_the_same_draws_as_motos():
    from moto.moto_api._internal.moto_random import MotoRandom

    from labkit.emulator.patches.moto_random_strings import draws_as_moto, get_random_string

    assert draws_as_moto(MotoRandom.get_random_string)
    for seed in range(5):
        ours, theirs = MotoRandom(seed), MotoRandom(seed)
        assert ([get_random_string(ours, length=52) for _ in range(20)]
                == [MotoRandom.get_random_string(theirs, length=52) for _ in range(20)])


def test_flask_still_explains_missing_files_outside_moto():
    from flask import Flask, Request, debughelpers
    from moto.moto_server.werkzeug_app import BackendRequest
    from werkzeug.test import EnvironBuilder

    from labkit.emulator.http_serving import skip_flask_debug_files_class

    skip_flask_debug_files_class()
    environ = EnvironBuilder(method="POST", data=b"{}", content_type="application/json").get_environ()
    plain, moto_request = Request(environ), BackendRequest(dict(environ))
    with Flask(__name__).app_context():
        debughelpers.attach_enctype_error_multidict(plain)
        debughelpers.attach_enctype_error_multidict(moto_request)
    assert type(plain.files).__getitem__ is not type(moto_request.files).__getitem__
    with pytest.raises(KeyError):
        moto_request.files["missing"]


def test_alternating_queues_and_tables_get_their_own_answers(aws):
    sqs, ddb = aws("sqs"), aws("dynamodb")
    tag = uuid.uuid4().hex[:8]
    queues = [sqs.create_queue(QueueName=f"cache-{tag}-{i}")["QueueUrl"] for i in range(2)]
    for n in range(3):
        for i, queue in enumerate(queues):
            sqs.send_message(QueueUrl=queue, MessageBody=f"q{i}-m{n}")
    for i, queue in enumerate(queues):
        bodies = set()
        for _ in range(5):
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            bodies |= {m["Body"] for m in got}
        assert bodies == {f"q{i}-m{n}" for n in range(3)}
    tables = [f"cache-{tag}-{i}" for i in range(2)]
    for table in tables:
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for n in range(3):
        for table in tables:
            ddb.put_item(TableName=table, Item={"pk": {"S": f"k{n}"}, "t": {"S": f"{table}-{n}"}})
    for table in tables:
        items = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "k1"}})["Items"]
        assert items == [{"pk": {"S": "k1"}, "t": {"S": f"{table}-1"}}]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.put_item(TableName=f"cache-{tag}-missing", Item={"pk": {"S": "k"}})


def test_header_names_with_underscores_keep_their_spelling(aws):
    # such a request takes moto's own make_environ (S3 user metadata)
    s3 = aws("s3")
    bucket = f"cache-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"my_key": "1", "other-key": "2"})
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"my_key": "1", "other-key": "2"}
