"""The plan's table tests share scene builders (`bluegreen_scenes`); pure, no cluster."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # lets the tests `import bluegreen_scenes` under importlib mode
