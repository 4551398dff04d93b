"""labkit.emulator.access_guard, the backend's access guard: which key a request presents (SigV4 header,
presigned query, legacy SigV2, labkit's own X-Labkit-Key), and a real guarded backend
answering boto3 per protocol: 403 with AWS's own error codes for any other key, unless the
request comes from the process tree the backend trusts."""
from __future__ import annotations

import os
import socket
import subprocess
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import pytest

from labkit import backends
from labkit.emulator.server import ServerProcess
from labkit.emulator import access_guard as guard, access_peer as peer

KEY = "LKIAABCDEFGHIJKLMNOP"


def environ(path="/", query="", **headers):
    env = {"PATH_INFO": path, "QUERY_STRING": query}
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return env


def test_the_key_a_request_presents():
    sigv4 = ("AWS4-HMAC-SHA256 Credential=LKIAXYZ/20250101/us-east-1/sqs/aws4_request, "
             "SignedHeaders=host;x-amz-date, Signature=abc")
    assert guard.presented_key(environ(authorization=sigv4)) == "LKIAXYZ"
    presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=LKIAQ%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
    assert guard.presented_key(environ("/bucket/key", presigned)) == "LKIAQ"
    assert guard.presented_key(environ(authorization="AWS LKIAV2:c2lnbmF0dXJl")) == "LKIAV2"
    assert guard.presented_key(environ("/b/k", "AWSAccessKeyId=LKIAV2Q&Signature=x")) == "LKIAV2Q"
    assert guard.presented_key(environ()) is None
    # labkit's own routes: the X-Labkit-Key header or ?labkit_key=, never the AWS signature
    assert guard.presented_key(environ("/_labkit/reset", x_labkit_key=KEY)) == KEY
    assert guard.presented_key(environ("/_labkit/health", f"labkit_key={KEY}")) == KEY
    assert guard.presented_key(environ("/moto-api/reset", authorization=sigv4)) is None
    assert guard.is_own_path("/health") and not guard.is_own_path("/healthy-bucket/key")


def test_keys_are_random_and_never_look_like_real_aws_keys():
    keys = {guard.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 20 and k.startswith("LKIA") and k.isalnum() and k.isupper() for k in keys)
    assert guard.client_headers({"AWS_ACCESS_KEY_ID": KEY}) == {"X-Labkit-Key": KEY}
    assert guard.client_headers({"AWS_ACCESS_KEY_ID": "AKIAREALKEY"}) == {}   # never sent anywhere
    assert guard.client_headers({"AWS_ACCESS_KEY_ID": "test"}) == {}
    assert guard.from_environment({}) is None   # laptops, tests, grading: no guard at all


def test_connect_keeps_a_hub_key_but_never_a_real_one(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    backends._export(backends.Backend("embedded", "http://127.0.0.1:1"))
    assert os.environ["AWS_ACCESS_KEY_ID"] == KEY
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    backends._export(backends.Backend("embedded", "http://127.0.0.1:1"))
    assert os.environ["AWS_ACCESS_KEY_ID"] == "test"


def test_the_socket_table_names_the_process_holding_a_connection():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as client:
            conn, _ = listener.accept()
            with conn:
                ends = conn.getpeername(), conn.getsockname()
                assert peer.socket_owner(*ends) == (os.getuid(), os.fstat(client.fileno()).st_ino)
                assert peer.ProcessTree(os.getpid()).client_end_holder(*ends) == peer.OURS
                with subprocess.Popen(["sleep", "60"]) as stranger:
                    assert peer.ProcessTree(stranger.pid).client_end_holder(*ends) != peer.OURS
                    assert peer.ProcessTree(stranger.pid).client_end_holder(*ends) == peer.ANOTHER_PROCESS
                    stranger.kill()
                client.close()   # the sender is gone: nobody holds that end any more
                assert peer.ProcessTree(os.getpid()).client_end_holder(*ends) == peer.GONE


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A backend with a key that trusts only a `sleep` process's tree: this test is a stranger."""
    stranger = subprocess.Popen(["sleep", "600"])
    env = dict(os.environ, **{guard.KEY_ENV: KEY, guard.TRUSTED_PID_ENV: str(stranger.pid)})
    backend = ServerProcess(env=env, log_path=str(tmp_path_factory.mktemp("guarded") / "log")).start()
    try:
        yield backend.url
    finally:
        backend.stop()
        stranger.kill()
        stranger.wait()


def client(url, service, key):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key="anything")


@pytest.mark.parametrize("service, call, code", [
    ("sqs", lambda c: c.list_queues(), "UnrecognizedClientException"),            # JSON
    ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException"),      # REST-JSON
    ("sns", lambda c: c.list_topics(), "InvalidClientTokenId"),                   # query
    ("s3", lambda c: c.list_buckets(), "InvalidAccessKeyId"),                     # REST-XML
    ("cloudwatch", lambda c: c.describe_alarms(), "UnrecognizedClientException"), # CBOR
])
def test_another_key_gets_403_in_the_services_own_error_format(guarded, service, call, code):
    for key in ("test", "LKIAANOTHERLEARNER00"):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            call(client(guarded, service, key))
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert refused.value.response["Error"]["Code"] == code
    call(client(guarded, service, KEY))   # the backend's own key: answered


def test_labkit_routes_and_presigned_urls_need_the_key_too(guarded):
    def status(url, **headers):
        try:
            return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).status
        except urllib.error.HTTPError as answer:
            return answer.code

    assert status(guarded + "/_labkit/health") == 403
    assert status(guarded + "/moto-api/data.json") == 403
    assert status(guarded + "/_labkit/health", **{"X-Labkit-Key": KEY}) == 200
    assert status(f"{guarded}/_labkit/health?labkit_key={KEY}") == 200
    assert backends.fetch_json(guarded + "/_labkit/health") is None   # no hub key here
    client(guarded, "s3", KEY).create_bucket(Bucket="shared")
    for key, expected in (("LKIAANOTHERLEARNER00", 403), (KEY, 404)):
        url = client(guarded, "s3", key).generate_presigned_url(
            "get_object", Params={"Bucket": "shared", "Key": "missing"})
        assert status(url) == expected   # 404: past the guard, the object does not exist


def test_the_trusted_process_tree_gets_in_without_the_key(tmp_path):
    """labkit's checks and Lambda workers sign with "test": from the learner's own processes
    (here: this test process) the backend answers them."""
    env = dict(os.environ, **{guard.KEY_ENV: KEY, guard.TRUSTED_PID_ENV: str(os.getpid())})
    with ServerProcess(env=env, log_path=str(tmp_path / "log")) as backend:
        assert client(backend.url, "sqs", "test").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
