"""Backend selection contract (README: Backends)."""
import pytest

from labkit.backends import BackendError, resolve


def test_endpoint_url_wins_for_embedded():
    b = resolve({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert (b.name, b.endpoint_url) == ("embedded", "http://127.0.0.1:5000")


def test_nothing_set_means_embedded_on_default_port():
    b = resolve({})
    assert (b.name, b.endpoint_url) == ("embedded", "http://127.0.0.1:4566")


def test_localstack_explicit():
    b = resolve({"LABKIT_BACKEND": "localstack"})
    assert b.name == "localstack" and b.endpoint_url == "http://localhost:4566"


def test_aws_refuses_without_confirmation():
    with pytest.raises(BackendError, match="LABKIT_AWS_CONFIRM=1"):
        resolve({"LABKIT_BACKEND": "aws"})


def test_aws_with_confirmation_has_no_endpoint():
    b = resolve({"LABKIT_BACKEND": "aws", "LABKIT_AWS_CONFIRM": "1"})
    assert b.name == "aws" and b.endpoint_url is None


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(BackendError, match="not one of"):
        resolve({"LABKIT_BACKEND": "azure"})
