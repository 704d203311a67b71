"""Live tests drive a real `stepdeck serve` (the `serve` fixture) beside the app."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))  # static_provider
