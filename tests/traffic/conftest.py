"""Lets the traffic tests `import traffic_helpers` under --import-mode=importlib."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
