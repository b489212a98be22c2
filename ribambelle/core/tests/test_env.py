import pytest
from django.core.exceptions import ImproperlyConfigured

from ribambelle.core.env import Env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_bool(raw, expected):
    assert Env({"X": raw}).bool("X") is expected


def test_defaults():
    env = Env({})
    assert env.bool("X", True) is True
    assert env.int("X", 5) == 5
    assert env.str("X", "d") == "d"
    assert env.list("X", ["a"]) == ["a"]
    assert env.choice("X", ("a", "b"), "b") == "b"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.bool("X"), "X='maybe': expected a boolean"),
        (lambda e: e.int("X", 1), "X='maybe': expected an integer"),
        (lambda e: e.choice("X", ("a", "b"), "a"), "X='maybe': expected one of a, b"),
    ],
)
def test_bad_values_fail_clearly(call, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        call(Env({"X": "maybe"}))


def test_int_minimum_and_required():
    with pytest.raises(ImproperlyConfigured, match="integer >= 1"):
        Env({"X": "0"}).int("X", 5, minimum=1)
    with pytest.raises(ImproperlyConfigured, match="X is required"):
        Env({}).str("X", required=True)


def test_list():
    assert Env({"X": "a.fr, b.fr,,"}).list("X") == ["a.fr", "b.fr"]


def test_empty_boolean_means_default():
    assert Env({"X": ""}).bool("X", True) is True
    assert Env({"X": " "}).bool("X", False) is False
