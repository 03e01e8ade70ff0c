"""`rollouts controller` takes Argo Rollouts' controller flags (v1.10 spellings and value syntax) and its own.

Table tests parse only; one test starts the controller on the real control plane with an argument list written for
Argo's image.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import click
import pytest

from helpers import apply, wait_for_phase, wait_until
from rollouts.cli import ARGO_UNUSED, parse_controller_args
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            [],
            {
                "leader_elect": True,
                "lease_duration": 15.0,
                "renew_deadline": 10.0,
                "retry_period": 2.0,
                "metrics_port": 8090,
                "healthz_port": 8080,
                "qps": 0.0,
                "burst": 80,
                "namespaced": False,
                "log_level": "info",
                "log_format": "text",
                "resync_seconds": 900.0,
            },
            id="argo-defaults",
        ),
        pytest.param(["--leader-elect=false"], {"leader_elect": False}, id="bool-equals-false"),
        pytest.param(["--leader-elect=0"], {"leader_elect": False}, id="bool-zero"),
        pytest.param(["--leader-elect"], {"leader_elect": True}, id="bool-alone"),
        pytest.param(
            ["--leader-elect=true", "--namespaced"], {"leader_elect": True, "namespaced": True}, id="bool-then-flag"
        ),
        pytest.param(["--no-leader-elect"], {"leader_elect": False}, id="ours-no-leader-elect"),
        pytest.param(["--namespaced=true"], {"namespaced": True}, id="namespaced-equals"),
        pytest.param(["--leader-election-lease-duration=15s"], {"lease_duration": 15.0}, id="duration-seconds"),
        pytest.param(["--leader-election-renew-deadline", "1m30s"], {"renew_deadline": 90.0}, id="duration-compound"),
        pytest.param(["--leader-election-retry-period=500ms"], {"retry_period": 0.5}, id="duration-millis"),
        pytest.param(["--leader-election-retry-period=0.5"], {"retry_period": 0.5}, id="ours-plain-seconds"),
        pytest.param(["--rollout-resync=60"], {"resync_seconds": 60.0}, id="resync-seconds"),
        pytest.param(
            ["--metricsPort=9090", "--healthzPort", "9091"],
            {"metrics_port": 9090, "healthz_port": 9091},
            id="argo-ports",
        ),
        pytest.param(["--metricsport=9092"], {"metrics_port": 9092}, id="argo-deprecated-metricsport"),
        pytest.param(["--metrics-port=0", "--healthz-port=0"], {"metrics_port": 0, "healthz_port": 0}, id="ours-ports"),
        pytest.param(["--qps=5.5", "--burst=7"], {"qps": 5.5, "burst": 7}, id="qps-burst"),
        pytest.param(["--instance-id", "blue"], {"instance_id": "blue"}, id="instance-id"),
        pytest.param(
            ["--kubeconfig=/tmp/k", "--context=c", "-n", "team"],
            {"kubeconfig": "/tmp/k", "context": "c", "namespace": "team"},
            id="kubectl-flags",
        ),
        pytest.param(
            ["--loglevel=warn", "--logformat=json"], {"log_level": "warning", "log_format": "json"}, id="logrus-warn"
        ),
        pytest.param(["--loglevel", "trace"], {"log_level": "debug"}, id="logrus-trace"),
        pytest.param(["--loglevel=panic"], {"log_level": "critical"}, id="logrus-panic"),
        pytest.param(["--logformat=JSON"], {"log_format": "json"}, id="logformat-case"),
        pytest.param(
            ["--rollout-threads=3", "--analysis-threads=4"], {"rollout_threads": 3, "analysis_threads": 4}, id="threads"
        ),
        pytest.param(["--controllers=analysis"], {"only_analysis": True}, id="only-analysis"),
        pytest.param(["--leader-election-namespace=ops"], {"lease_namespace": "ops"}, id="ours-lease-namespace"),
    ],
)
def test_flags(args: list[str], expected: dict[str, Any]) -> None:
    options = parse_controller_args(args)
    assert {name: getattr(options, name) for name in expected} == expected
    assert options.ignored_flags == ()


@pytest.mark.parametrize(
    ("args", "ignored"),
    [
        (["--istio-api-version=v1beta1"], ("--istio-api-version",)),
        (
            ["--experiment-threads=5", "--service-threads", "2", "--kloglevel=3"],
            ("--experiment-threads", "--service-threads", "--kloglevel"),
        ),
        (["--alb-ingress-classes", "alb", "--alb-ingress-classes=internal"], ("--alb-ingress-classes",)),
        (
            ["--aws-verify-target-group", "--self-service-notification-enabled=false"],
            ("--aws-verify-target-group", "--self-service-notification-enabled"),
        ),
        (
            ["--enable-pprof-address=:6060", "--ephemeral-metadata-update-pod-retries=2"],
            ("--ephemeral-metadata-update-pod-retries", "--enable-pprof-address"),
        ),
        (
            ["--insecure-skip-tls-verify", "--as=admin", "--as-group=ops", "--request-timeout=5s"],
            ("--as", "--request-timeout", "--as-group", "--insecure-skip-tls-verify"),
        ),
    ],
)
def test_argo_flags_without_an_effect_are_accepted_and_named(args: list[str], ignored: tuple[str, ...]) -> None:
    assert sorted(parse_controller_args(args).ignored_flags) == sorted(ignored)


def test_every_argo_flag_is_accepted() -> None:
    """Argo v1.10's cmd/rollouts-controller flags, all at once: none is unknown to us."""
    argo = [
        "--rollout-resync=900",
        "--namespaced=false",
        "--loglevel=info",
        "--logformat=text",
        "--kloglevel=0",
        "--metricsPort=8090",
        "--healthzPort=8080",
        "--instance-id=",
        "--qps=40",
        "--burst=80",
        "--rollout-threads=10",
        "--experiment-threads=10",
        "--analysis-threads=30",
        "--service-threads=10",
        "--ingress-threads=10",
        "--ephemeral-metadata-threads=10",
        "--ephemeral-metadata-update-pod-retries=3",
        "--aws-target-group-binding-api-version=elbv2.k8s.aws/v1beta1",
        "--alb-tag-key-resource-id=ingress.k8s.aws/resource",
        "--istio-api-version=v1alpha3",
        "--ambassador-api-version=getambassador.io/v2",
        "--traffic-split-api-version=v1alpha1",
        "--traefik-api-group=traefik.containo.us",
        "--traefik-api-version=traefik.containo.us/v1alpha1",
        "--ingress-api-version=networking.k8s.io/v1",
        "--appmesh-crd-version=v1beta2",
        "--alb-ingress-classes=alb",
        "--nginx-ingress-classes=nginx",
        "--alb-verify-weight=false",
        "--aws-verify-target-group=false",
        "--leader-elect=true",
        "--leader-election-lease-duration=15s",
        "--leader-election-renew-deadline=10s",
        "--leader-election-retry-period=2s",
        "--self-service-notification-enabled=false",
        "--controllers=analysis",
        "--enable-pprof-address=",
        "--kubeconfig=/k",
        "--context=c",
        "--namespace=n",
        "--cluster=x",
        "--user=u",
        "--server=https://h",
        "--token=t",
        "--as=a",
        "--as-group=g",
        "--as-uid=1",
        "--username=u",
        "--password=p",
        "--client-certificate=c",
        "--client-key=k",
        "--certificate-authority=ca",
        "--insecure-skip-tls-verify=false",
        "--tls-server-name=n",
        "--request-timeout=0",
        "--disable-compression=false",
    ]
    options = parse_controller_args(argo)
    named = {flag.split("=")[0] for flag in argo}
    assert set(options.ignored_flags) == named & set(ARGO_UNUSED)
    assert (options.lease_duration, options.only_analysis, options.leader_elect) == (15.0, True, True)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--leader-election-lease-duration=15x"], "--leader-election-lease-duration"),
        (["--leader-elect=maybe"], "--leader-elect"),
        (["--loglevel=loud"], "--loglevel"),
        (["--qps=fast"], "--qps"),
        (["--controllers=rollouts"], "--controllers"),
    ],
)
def test_bad_values_name_the_flag(args: list[str], field: str) -> None:
    with pytest.raises(click.BadParameter) as raised:
        parse_controller_args(args)
    assert field in raised.value.format_message()


def test_the_controller_runs_with_an_argo_argument_list(
    cluster: LocalCluster, kube: Kube, crds: None, namespace: str, tmp_path: Path
) -> None:
    """The args of Argo's install manifest plus the usual tuning, as a Deployment for Argo's image would pass them."""
    instance = f"argo-args-{uuid.uuid4().hex[:6]}"
    log = tmp_path / "controller.log"
    argv = [
        sys.executable,
        "-m",
        "rollouts.cli",
        "controller",
        f"--kubeconfig={cluster.kubeconfig}",
        f"--instance-id={instance}",
        "--leader-elect=false",
        "--metricsPort=0",
        "--healthzPort=0",
        "--leader-election-lease-duration=15s",
        "--leader-election-renew-deadline=10s",
        "--leader-election-retry-period=2s",
        "--qps=50",
        "--burst=100",
        "--loglevel=debug",
        "--logformat=text",
        "--rollout-threads=4",
        "--analysis-threads=4",
        "--istio-api-version=v1alpha3",
        "--kloglevel=0",
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        apply(cluster, namespace, EXAMPLE, labels={"argo-rollouts.argoproj.io/controller-instance-id": instance})
        wait_for_phase(kube, namespace, "rollout-bluegreen", "Healthy")
        assert process.poll() is None
        text = log.read_text()
        warnings = [line for line in text.splitlines() if "ignoring Argo Rollouts flags" in line]
        assert len(warnings) == 1 and "--istio-api-version" in warnings[0] and "--kloglevel" in warnings[0]
        assert "leader election" not in text  # --leader-elect=false
        assert "Traceback" not in text
        wait_until(lambda: kube.list(resources.REPLICASETS, namespace)[0], what="a ReplicaSet")
    finally:
        process.terminate()
        assert process.wait(30) == 0
