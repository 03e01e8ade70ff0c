"""The demo's Prometheus: the Debian package's binary, scraping the simulator and the controller every second.

`config` and `command` are pure; `Client` asks the HTTP API (instant queries, readiness). The process itself is
started and stopped by `processes`, like the demo's other processes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BINARY = Path("/usr/bin/prometheus")
MISSING = f"{BINARY} is missing: install the Debian package prometheus (`make demo` does: it runs `make system-deps`)"
SCRAPE_INTERVAL = "1s"


def config(targets: Mapping[str, str]) -> dict[str, Any]:
    """A configuration scraping each `job name → host:port` every second.

    config({"simulator": "127.0.0.1:9101"})["scrape_configs"]
        == [{"job_name": "simulator", "static_configs": [{"targets": ["127.0.0.1:9101"]}]}]
    """
    return {
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": SCRAPE_INTERVAL,
            "evaluation_interval": SCRAPE_INTERVAL,
        },
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]} for job, target in targets.items()
        ],
    }


def command(*, binary: Path, config_file: Path, data_dir: Path, port: int) -> list[str]:
    """The command line of a Prometheus on 127.0.0.1:`port` with its TSDB in `data_dir`."""
    return [
        str(binary),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d",
        "--log.level=warn",
    ]


@dataclass(frozen=True)
class Client:
    """Prometheus' HTTP API at `url`."""

    url: str

    def ready(self) -> bool:
        """Whether /-/ready answers 200 (false while starting, or when nothing listens)."""
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The result vector of an instant query now; raises OSError when Prometheus cannot be asked."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        with urllib.request.urlopen(address, timeout=5) as response:
            body = json.loads(response.read())
        return list(body["data"]["result"])

    def value(self, promql: str) -> float | None:
        """The value of the first series an instant query returns now; None when it returns none."""
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else None
