"""ObjectKey: string form, parsing, and reading keys from raw objects. Pure; no I/O."""

import pytest

from rollouts.machinery import keys


@pytest.mark.parametrize(
    ("key", "text"),
    [
        pytest.param(keys.ObjectKey("prod", "checkout"), "prod/checkout", id="namespaced"),
        pytest.param(keys.ObjectKey("", "istio-system"), "istio-system", id="cluster-scoped"),
    ],
)
def test_string_form_round_trips(key: keys.ObjectKey, text: str) -> None:
    assert str(key) == text
    assert keys.ObjectKey.parse(text) == key


@pytest.mark.parametrize(
    "text", [pytest.param("", id="empty"), pytest.param("a/b/c", id="two-slashes"), pytest.param("ns/", id="no-name")]
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected 'namespace/name' or 'name'"):
        keys.ObjectKey.parse(text)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            {"metadata": {"namespace": "prod", "name": "web"}}, keys.ObjectKey("prod", "web"), id="namespaced"
        ),
        pytest.param({"metadata": {"name": "node-1"}}, keys.ObjectKey("", "node-1"), id="cluster-scoped"),
    ],
)
def test_key_of(obj: dict, expected: keys.ObjectKey) -> None:
    assert keys.key_of(obj) == expected


@pytest.mark.parametrize(
    "obj", [pytest.param({}, id="no-metadata"), pytest.param({"metadata": {"namespace": "x"}}, id="no-name")]
)
def test_key_of_needs_a_name(obj: dict) -> None:
    with pytest.raises(ValueError, match=r"no metadata\.name"):
        keys.key_of(obj)


def test_keys_are_hashable_and_ordered() -> None:
    a, b = keys.ObjectKey("a", "z"), keys.ObjectKey("b", "a")
    assert sorted([b, a]) == [a, b]
    assert len({a, keys.ObjectKey("a", "z")}) == 1
