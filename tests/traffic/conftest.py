"""Lets the traffic tests `import traffic_helpers` under --import-mode=importlib (router_crds is in tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
