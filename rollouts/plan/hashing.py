"""Names derived from content: the pod-template hash, the steps hash, and template equality for adoption.

Pure: no I/O, no clock, no logging.

Both hashes use Argo Rollouts' recipe: 32-bit FNV-1a over JSON, the decimal digits of the result, each digit
then swapped for a letter or digit by Kubernetes' "safe encoding" (so a hash never spells a word), e.g.
``"5d8f4b7c69"``. The pod-template hash is Argo's exactly: it hashes the bytes Go's ``json.Marshal`` writes
for the decoded PodTemplateSpec (:mod:`rollouts.plan.gojson`), so a Rollout handed back to Argo's controller
finds its ReplicaSets by name and redeploys nothing. The steps hash uses our canonical JSON below.

**Canonical form.** For equality, a template is reduced to a canonical form, so that every spelling the API
means the same way compares equal:

* the ``rollouts-pod-template-hash`` label is removed (the controller adds it to the ReplicaSet's copy);
* ``null``, ``[]`` and ``{}`` mean the same as an absent field. The one exception is an empty volume
  source such as ``emptyDir: {}``, whose presence chooses the kind of volume;
* ``""`` means absent too, except as a value in a string map (labels, annotations, nodeSelector, ...) and
  for ``storageClassName``, where ``""`` means "no storage class";
* ``false`` and ``0`` mean absent for plain Kubernetes fields the API server omits when zero (``hostNetwork``,
  ``readOnly``, ``hostPort``, ``initialDelaySeconds``, ...);
* resource quantities are compared by value, after the API server's rounding up to whole millis
  (``"0.5"`` and ``"500m"`` are the same CPU).

**Equality with a stored ReplicaSet.** The API server fills in defaults when it stores a ReplicaSet
(``imagePullPolicy``, ``terminationMessagePath``, ``dnsPolicy``, ``restartPolicy``, ``schedulerName``,
``terminationGracePeriodSeconds``, probe timings, port protocols, volume modes, ...) and copies
``serviceAccountName`` into the deprecated ``serviceAccount``. :func:`templates_equal_ignoring_hash` applies
the same defaults to both sides and ignores ``serviceAccount``, then compares canonical forms. The defaults
are the ones Kubernetes applies to a pod *template* (not to a Pod, which gets a few more).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from rollouts.api.labels import HASH_LABEL
from rollouts.plan import gojson

_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels, no 0/1/3: hashes cannot spell words
_FNV_OFFSET_BASIS = 0x811C9DC5
_FNV_PRIME = 0x01000193


# --- public API ----------------------------------------------------------------------------------------------


def pod_template_hash(template: Mapping[str, Any] | None, *, collision_count: int | None = None) -> str:
    """Argo Rollouts' ``rollouts-pod-template-hash`` of a Rollout's pod template (its ComputePodTemplateHash).

    ``collision_count`` is ``status.collisionCount``. When it is not None (0 included), it is mixed in as
    eight more bytes (the count as a little-endian uint32, then four zero bytes), so bumping it after a
    name collision yields a fresh ReplicaSet name. Like Argo's, the hash covers the template as given:
    key order and fields Go does not know never matter; ``null`` and, where Go omits them, empty values do
    not either. Raises ValueError naming the field when Go could not decode the template at all.

    Examples:
        pod_template_hash({"spec": {"containers": [{"name": "app", "image": "nginx"}]}}) == "5b947dfdc"
        pod_template_hash(t) != pod_template_hash(t, collision_count=0) != pod_template_hash(t, collision_count=1)
        every character is one of "456789bcdf" (the encodings of the digits 0-9)
    """
    data = gojson.pod_template_json(template)
    if collision_count is not None:
        data += (collision_count & 0xFFFF_FFFF).to_bytes(8, "little")
    return safe_encode(str(fnv1a_32(data)))


def steps_hash(steps: list[Any] | None) -> str:
    """Hash a canary's ``steps`` into ``status.currentStepHash``; a change restarts the steps.

    Only ``null`` values are dropped (they mean "absent"); empty objects stay, because ``pause: {}``
    (pause until promoted) is a step of its own. ``None`` hashes like ``[]``.
    """
    return safe_encode(str(fnv1a_32(_canonical_json(_without_nulls(steps or [])))))


def templates_equal_ignoring_hash(live: Mapping[str, Any] | None, desired: Mapping[str, Any] | None) -> bool:
    """Is the stored ReplicaSet template ``live`` the same pod template as the Rollout's ``desired`` one?

    Used to adopt an existing ReplicaSet whose hash label no longer matches (for example after the hash
    recipe changed). Both sides get the API server's defaults, lose the hash label and the deprecated
    ``serviceAccount``, and are compared in canonical form (see the module docstring). The comparison is
    symmetric. Metadata the controller injects itself (ephemeral canary/stable labels, anti-affinity) is the
    caller's to strip first.
    """
    return _comparable(live) == _comparable(desired)


def fnv1a_32(data: bytes) -> int:
    """32-bit FNV-1a of ``data``. ``fnv1a_32(b"a") == 0xE40C292C``."""
    value = _FNV_OFFSET_BASIS
    for byte in data:
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFF_FFFF
    return value


def safe_encode(text: str) -> str:
    """Kubernetes' ``rand.SafeEncodeString``: swap every character for one from a word-proof alphabet.

    ``safe_encode("0123456789") == "456789bcdf"``.
    """
    return "".join(_SAFE_ALPHABET[ord(char) % len(_SAFE_ALPHABET)] for char in text)


# --- canonical form ------------------------------------------------------------------------------------------

# Maps from a string key to a string value: an empty value there is a real value.
_STRING_MAPS = frozenset({"labels", "annotations", "nodeSelector", "matchLabels", "volumeAttributes", "options"})
# Maps from a resource name to a quantity.
_QUANTITY_MAPS = frozenset({"limits", "requests", "overhead"})
# Plain (non-pointer) Kubernetes fields that the API server leaves out when they are false or 0.
_ZERO_MEANS_ABSENT = frozenset(
    {"hostNetwork", "hostPID", "hostIPC", "stdin", "stdinOnce", "tty", "readOnly", "hostPort", "initialDelaySeconds"}
)


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _without_hash_label(template: Mapping[str, Any] | None) -> dict[str, Any]:
    template = dict(template or {})
    metadata = template.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("labels"), Mapping):
        labels = {key: value for key, value in metadata["labels"].items() if key != HASH_LABEL}
        template["metadata"] = {**metadata, "labels": labels}
    return template


def _canonical(node: Any, field: str = "") -> Any:
    """The canonical form of ``node``, found under the key ``field`` (list items inherit the list's key)."""
    if isinstance(node, Mapping):
        return _canonical_mapping(node, field)
    if isinstance(node, list):
        return [_canonical(item, field) for item in node]
    return node


def _canonical_mapping(mapping: Mapping[str, Any], field: str) -> dict[str, Any]:
    result = {}
    for key, raw in mapping.items():
        value = _canonical_quantity(raw) if field in _QUANTITY_MAPS or key == "sizeLimit" else _canonical(raw, key)
        if not _means_absent(key, value, parent=field):
            result[key] = value
    return result


def _means_absent(key: str, value: Any, *, parent: str) -> bool:
    if value is None or value == []:
        return True
    if value == {}:
        return parent != "volumes"  # a volume's source key picks its kind, even when empty
    if parent in _STRING_MAPS:
        return False
    if value == "":
        return key != "storageClassName"
    if key in _ZERO_MEANS_ABSENT:
        return value is False or (type(value) is int and value == 0)
    return False


def _without_nulls(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {key: _without_nulls(value) for key, value in node.items() if value is not None}
    if isinstance(node, list):
        return [_without_nulls(item) for item in node]
    return node


_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?")
_BINARY_SUFFIXES = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}  # powers of 10


def _canonical_quantity(value: Any) -> Any:
    """A Kubernetes quantity as whole millis (``"0.5"`` -> ``"500m"``); anything unparseable is left alone."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    match = _QUANTITY.fullmatch(str(value))
    if match is None:
        return value
    number, suffix = match.groups()
    try:
        amount = Decimal(number) * _scale(suffix or "")
    except (InvalidOperation, OverflowError):
        return value
    # The API server rounds quantities in a pod template up to whole millis.
    millis = (amount * 1000).to_integral_value(rounding=ROUND_CEILING)
    return f"{millis}m"


def _scale(suffix: str) -> Decimal:
    if suffix in _BINARY_SUFFIXES:
        return Decimal(1024) ** _BINARY_SUFFIXES[suffix]
    if suffix in _DECIMAL_SUFFIXES:
        return Decimal(10) ** _DECIMAL_SUFFIXES[suffix]
    if suffix:  # an exponent such as "e3"
        return Decimal(10) ** int(suffix[1:])
    return Decimal(1)


# --- what the API server stores ------------------------------------------------------------------------------

# Defaults whose value is "" (hostPath.type, grpc.service) are left out: the canonical form drops "" anyway.
_POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "terminationGracePeriodSeconds": 30,
}
_CONTAINER_DEFAULTS = {"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_HTTP_GET_DEFAULTS = {"path": "/", "scheme": "HTTP"}
_VOLUME_SOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "secret": {"defaultMode": 0o644},
    "configMap": {"defaultMode": 0o644},
    "downwardAPI": {"defaultMode": 0o644},
    "projected": {"defaultMode": 0o644},
    "iscsi": {"iscsiInterface": "default"},
    "rbd": {"pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"},
    "azureDisk": {"cachingMode": "ReadWrite", "fsType": "ext4", "readOnly": False, "kind": "Shared"},
    "scaleIO": {"storageMode": "ThinProvisioned", "fsType": "xfs"},
}
_FIELD_REF_DEFAULTS = {"apiVersion": "v1"}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _comparable(template: Mapping[str, Any] | None) -> object:
    return _canonical(_as_stored(_without_hash_label(template)))


def _as_stored(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with the defaults the API server fills in, minus the deprecated ``serviceAccount``."""
    template = copy.deepcopy(template)
    spec = template.get("spec")
    if not isinstance(spec, dict):
        return template
    spec.pop("serviceAccount", None)  # the server mirrors serviceAccountName into it
    _fill(spec, _POD_SPEC_DEFAULTS)
    for container in _items(spec, *_CONTAINER_LISTS):
        _default_container(container)
    for volume in _items(spec, "volumes"):
        _default_volume(volume)
    return template


def _default_container(container: dict[str, Any]) -> None:
    _fill(container, _CONTAINER_DEFAULTS)
    if _unset(container.get("imagePullPolicy")):
        container["imagePullPolicy"] = _default_pull_policy(container.get("image"))
    for port in _items(container, "ports"):
        _fill(port, {"protocol": "TCP"})
    for env in _items(container, "env"):
        _fill_at(env, "valueFrom", "fieldRef", defaults=_FIELD_REF_DEFAULTS)
        _fill_at(env, "valueFrom", "fileKeyRef", defaults={"optional": False})
    for probe in _PROBES:
        _fill_at(container, probe, defaults=_PROBE_DEFAULTS, zero_is_unset=True)
        _fill_at(container, probe, "httpGet", defaults=_HTTP_GET_DEFAULTS)
    for hook in ("postStart", "preStop"):
        _fill_at(container, "lifecycle", hook, "httpGet", defaults=_HTTP_GET_DEFAULTS)


def _default_volume(volume: dict[str, Any]) -> None:
    if all(value is None for key, value in volume.items() if key != "name"):
        volume["emptyDir"] = {}  # a volume without a source is an emptyDir
    for source, defaults in _VOLUME_SOURCE_DEFAULTS.items():
        _fill_at(volume, source, defaults=defaults)
    for item in _items(_dict_at(volume, "downwardAPI"), "items"):
        _fill_at(item, "fieldRef", defaults=_FIELD_REF_DEFAULTS)
    for projection in _items(_dict_at(volume, "projected"), "sources"):
        for item in _items(_dict_at(projection, "downwardAPI"), "items"):
            _fill_at(item, "fieldRef", defaults=_FIELD_REF_DEFAULTS)
        _fill_at(projection, "serviceAccountToken", defaults={"expirationSeconds": 3600})
    _fill_at(volume, "ephemeral", "volumeClaimTemplate", "spec", defaults={"volumeMode": "Filesystem"})
    image = _dict_at(volume, "image")
    if image is not None:
        _fill(image, {"pullPolicy": _default_pull_policy(image.get("reference"))})


def _default_pull_policy(image: Any) -> str:
    """``Always`` for ``:latest`` or an image with neither tag nor digest; otherwise ``IfNotPresent``.

    An image reference the server cannot parse (empty, or an upper-case repository path) has no tag to
    read, so it gets ``IfNotPresent``.
    """
    if not isinstance(image, str) or not image:
        return "IfNotPresent"
    name, _, digest = image.partition("@")
    components = name.split("/")
    first = components[0]
    has_registry = len(components) > 1 and (
        any(mark in first for mark in ".:") or first == "localhost" or first != first.lower()
    )
    path = components[1:] if has_registry else components
    repository_end, _, tag = path[-1].partition(":")
    if any(part != part.lower() for part in (*path[:-1], repository_end)):
        return "IfNotPresent"
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _unset(value: Any) -> bool:
    return value is None or value in ("", {}, [])


def _fill(target: dict[str, Any], defaults: Mapping[str, Any], *, zero_is_unset: bool = False) -> None:
    for key, default in defaults.items():
        value = target.get(key)
        if _unset(value) or (zero_is_unset and type(value) is int and value == 0):
            target[key] = default


def _fill_at(node: Any, *path: str, defaults: Mapping[str, Any], zero_is_unset: bool = False) -> None:
    """``_fill`` the dict at ``path`` under ``node``, if there is one."""
    target = _dict_at(node, *path)
    if target is not None:
        _fill(target, defaults, zero_is_unset=zero_is_unset)


def _dict_at(node: Any, *path: str) -> dict[str, Any] | None:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, dict) else None


def _items(node: Any, *keys: str) -> list[dict[str, Any]]:
    """The dict items of the lists under ``keys`` of ``node`` (missing or malformed lists give nothing)."""
    if not isinstance(node, dict):
        return []
    return [item for key in keys if isinstance(node.get(key), list) for item in node[key] if isinstance(item, dict)]
