"""Descriptors for the API resources we read and write, and the URL paths they live at."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from rollouts.api.labels import GROUP, VERSION


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
        """`/api/v1/namespaces/ns/pods/name/status`-style path; no namespace on a namespaced kind means all of them."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        parts = [root]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{quote(namespace, safe='')}")
        parts.append(self.plural)
        if name:
            parts.append(quote(name, safe=""))
        if subresource:
            parts.append(subresource)
        return "/".join(parts)


ROLLOUTS = Resource(GROUP, VERSION, "rollouts", "Rollout")
ANALYSIS_TEMPLATES = Resource(GROUP, VERSION, "analysistemplates", "AnalysisTemplate")
CLUSTER_ANALYSIS_TEMPLATES = Resource(
    GROUP, VERSION, "clusteranalysistemplates", "ClusterAnalysisTemplate", namespaced=False
)
ANALYSIS_RUNS = Resource(GROUP, VERSION, "analysisruns", "AnalysisRun")
EXPERIMENTS = Resource(GROUP, VERSION, "experiments", "Experiment")

PODS = Resource("", "v1", "pods", "Pod")
SERVICES = Resource("", "v1", "services", "Service")
SECRETS = Resource("", "v1", "secrets", "Secret")
EVENTS = Resource("", "v1", "events", "Event")
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
NODES = Resource("", "v1", "nodes", "Node", namespaced=False)
REPLICASETS = Resource("apps", "v1", "replicasets", "ReplicaSet")
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
JOBS = Resource("batch", "v1", "jobs", "Job")
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")
ENDPOINT_SLICES = Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice")
CRDS = Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced=False)

# Istio's v1alpha3 is what Argo Rollouts uses by default and what every Istio release still serves.
VIRTUAL_SERVICES = Resource("networking.istio.io", "v1alpha3", "virtualservices", "VirtualService")
DESTINATION_RULES = Resource("networking.istio.io", "v1alpha3", "destinationrules", "DestinationRule")
