"""Run an official SDK that cannot live in .venv (multion, Notte's first-API `notte`).

Each lives in its own virtualenv built by `make test` (.venv-multion, .venv-notte-env);
a driver script in this folder runs under that interpreter, does what the test asks
through the SDK, and prints one JSON object the test asserts on.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def venv_python(name: str) -> Path:
    """The interpreter of `.venv-<name>`, here or beside the checkout .venv points to."""
    for base in (ROOT, (ROOT / ".venv").resolve().parent):
        python = base / f".venv-{name}" / "bin" / "python"
        if python.exists():
            return python
    pytest.fail(f".venv-{name} is missing: `make test` (or `make sdk-venvs`) builds it")


def run_driver(venv: str, driver: str, *args: str, stdin: Any = None, timeout: float = 180) -> Any:
    """Run tests/sdk/<driver>.py under .venv-<venv>; its printed JSON, or a failure with stderr."""
    env = dict(os.environ, DISABLE_TELEMETRY="true", PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(venv_python(venv)), str(HERE / f"{driver}.py"), *args],
        input=json.dumps(stdin) if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{driver} {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        pytest.fail(f"{driver} printed no JSON:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
