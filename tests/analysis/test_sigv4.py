"""AWS SigV4 signing for Amazon Managed Prometheus (authentication.sigv4).

Aspects: signatures equal the AWS Signature Version 4 test suite's (get-vanilla, query parameters out of order);
session tokens are signed; credentials from AWS_* variables or a profile, errors that name the field; a real
query through the real Prometheus carries the signature on the wire (a local proxy records it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from local_http import LocalServer, Reply
from local_prometheus import PrometheusServer

from analysis.providers import sigv4
from analysis.providers.base import MeasureContext
from analysis.providers.prometheus import PrometheusProvider

SUITE_TIME = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)
SUITE_KEYS = sigv4.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        pytest.param("https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", id="get-vanilla"),
        pytest.param("https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", id="get-vanilla-query-order-key"),
    ],
)
def test_signatures_match_the_aws_test_suite(url: str, signature: str) -> None:
    headers = sigv4.sign("GET", url, {}, b"", credentials=SUITE_KEYS, region="us-east-1", service="service", now=SUITE_TIME)
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["Authorization"] == f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"


def test_a_session_token_is_sent_and_signed() -> None:
    keys = sigv4.Credentials("AKID", "secret", "token-1")
    headers = sigv4.sign("GET", "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/query?query=up", {}, b"", credentials=keys, region="eu-west-1", service="aps", now=SUITE_TIME)
    assert headers["X-Amz-Security-Token"] == "token-1"
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in headers["Authorization"]


def test_credentials_from_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = s3cret\n")
    found, region = sigv4.credentials_for({"profile": "team", "region": "eu-west-1"}, {"AWS_SHARED_CREDENTIALS_FILE": str(path)})
    assert (found.access_key, found.secret_key, region) == ("AKIDTEAM", "s3cret", "eu-west-1")
    with pytest.raises(sigv4.SigV4Error, match="profile 'other' not found"):
        sigv4.credentials_for({"profile": "other", "region": "eu-west-1"}, {"AWS_SHARED_CREDENTIALS_FILE": str(path)})


def test_a_real_query_carries_the_signature(prometheus: PrometheusServer) -> None:
    seen: list[dict[str, str]] = []

    def forward(request) -> Reply:  # noqa: ANN001 - local_http's Seen
        seen.append(request.headers)
        answer = requests.get(f"{prometheus.url}{request.path}", params={k: v[0] for k, v in request.query.items()}, timeout=5)
        return Reply(status=answer.status_code, body=answer.content)

    with LocalServer(fallback=forward) as proxy:
        environ = {"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1"}
        config = {"address": proxy.url, "query": "vector(1)", "authentication": {"sigv4": {"region": "eu-west-1"}}}
        measurement = PrometheusProvider(environ=environ).run(config, MeasureContext("ns", "run", "uid", "m", datetime.now(UTC)))
    assert (measurement.phase, measurement.value) == ("Successful", "[1]")
    authorization = seen[-1]["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/") and "/eu-west-1/aps/aws4_request" in authorization
    assert seen[-1]["x-amz-date"]
