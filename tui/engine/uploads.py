"""A file input filled with a path: the file is chosen, as a person picks it in a dialog.

A page can ask for any file the machine holds, so who may send one is narrow: a person
stepping in the app (or a client that says so), or anyone once files are allowed
(`stepdeck --allow-file`, or `allow_schemes = ["file"]` in the settings). The engine's own
model loop never uploads (`agent.model_loop`).
"""

from __future__ import annotations

from pathlib import Path

from tui.errors import InvalidRequest
from tui.model import StepRequest

FILE_INPUT = "file input"  # what the walk calls a file input's field kind


def is_file_input(raw: dict) -> bool:
    return raw.get("type") == "file"


def chosen_file(req: StepRequest, allow_schemes: tuple[str, ...]) -> Path:
    """The file a step asks to upload, once it may (a clear error if not, or if missing)."""
    if req.source != "person" and "file" not in allow_schemes:
        raise InvalidRequest(
            f"a step from {req.source!r} may not upload a file from this machine",
            "a person can, in the app; or allow files: stepdeck --allow-file, or"
            " STEPDECK_ALLOW_SCHEMES='[\"file\"]' for stepdeck serve",
        )
    raw = (req.value or "").strip()
    if not raw:
        raise InvalidRequest("no file given to upload", "give the path of a file on this machine")
    path = Path(raw).expanduser()
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no file"
        raise InvalidRequest(f"{what} at {raw}", "give the path of a file on this machine")
    return path.resolve()
