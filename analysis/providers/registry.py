"""Pick the provider for a metric's `provider` field from an explicit table; anything else fails loudly.

`kind_of` is pure. `Providers` builds the table once per process, reading the environment only there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from analysis.providers import credentials, job, judge, prometheus, web
from analysis.providers.base import Provider
from rollouts.kube.client import Kube

SUPPORTED = ("job", "plugin", "prometheus", "web")


class UnsupportedProvider(ValueError):
    """The metric's `provider` names no kind, several kinds, or a kind this controller does not implement."""


def kind_of(metric_provider: Any) -> str:
    """The one kind set in a metric's `provider`; keys whose value is null count as unset.

    {"web": {...}} → "web"; {"datadog": {...}} → UnsupportedProvider naming "datadog" and the supported kinds.
    """
    supported = ", ".join(SUPPORTED)
    if not isinstance(metric_provider, Mapping):
        raise UnsupportedProvider(
            f"provider: expected an object with one of {supported}, got {type(metric_provider).__name__}"
        )
    kinds = sorted(str(kind) for kind, config in metric_provider.items() if config is not None)
    if not kinds:
        raise UnsupportedProvider(f"provider: no metric provider is set; supported: {supported}")
    if len(kinds) > 1:
        raise UnsupportedProvider(
            f"provider: exactly one metric provider may be set, found {', '.join(kinds)}; supported: {supported}"
        )
    if kinds[0] not in SUPPORTED:
        raise UnsupportedProvider(f'provider: unsupported metric provider "{kinds[0]}"; supported: {supported}')
    return kinds[0]


class Providers:
    """The controller's providers, built once: `kube` serves the job provider, `environ` supplies Argo's defaults.

    `overrides` replaces providers by kind (tests inject `base.FakeProvider` here); it cannot add new kinds.
    """

    def __init__(
        self,
        *,
        kube: Kube | None,
        environ: Mapping[str, str] = os.environ,
        overrides: Mapping[str, Provider] | None = None,
    ) -> None:
        unknown = sorted(set(overrides or {}) - set(SUPPORTED))
        if unknown:
            raise UnsupportedProvider(
                f"overrides: unknown provider kinds {', '.join(unknown)}; supported: {', '.join(SUPPORTED)}"
            )
        tokens = credentials.OAuth2Tokens()  # one OAuth2 token cache shared by every HTTP provider
        queries = prometheus.PrometheusProvider(
            default_address=environ.get(prometheus.ADDRESS_ENV), tokens=tokens, environ=environ
        )
        table: dict[str, Provider | None] = {
            "prometheus": queries,
            "plugin": judge.JudgeProvider(queries),  # the only plugin is our judge, "rollouts/judge"
            "web": web.WebProvider(tokens=tokens),
            "job": job.JobProvider(kube, namespace=environ.get(job.NAMESPACE_ENV)) if kube is not None else None,
        }
        table.update(overrides or {})
        self._table = table

    def provider_for(self, metric_provider: Any) -> tuple[str, Provider]:
        """(kind, provider) for a metric's `provider`; call the provider with `metric_provider[kind]`."""
        kind = kind_of(metric_provider)
        provider = self._table[kind]
        if provider is None:
            raise RuntimeError(f"the {kind} provider needs a Kubernetes client: build Providers(kube=...)")
        return kind, provider
