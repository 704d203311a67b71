"""Which textual-image widget draws screenshots (`--images`).

textual-image probes the terminal when first imported, so this must run
before `App.run()`. A pseudo-terminal that reports 0 columns makes that probe
divide by zero: we then fall back to default cell sizes.
"""

from __future__ import annotations

from typing import Any

IMAGE_CHOICES = ("auto", "tgp", "sixel", "halfcell", "unicode", "none")


def _import_widgets() -> Any:
    try:
        import textual_image.widget as widgets
    except ZeroDivisionError:
        from textual_image import _terminal

        # The probe divided by a 0-column terminal size; pretend a common cell size.
        _terminal.probe_terminal._result = _terminal.TerminalCapabilities(  # type: ignore[attr-defined]
            _terminal.CellSize(10, 20), sixel=False, tgp=False
        )
        import textual_image.widget as widgets
    return widgets


def image_class(name: str = "auto") -> type | None:
    """The Image widget class for a renderer name; None draws no images."""
    if name == "none":
        return None
    if name not in IMAGE_CHOICES:
        raise ValueError(f"unknown image renderer {name!r}: pick one of {', '.join(IMAGE_CHOICES)}")
    widgets = _import_widgets()
    return {
        "auto": widgets.Image,
        "tgp": widgets.TGPImage,
        "sixel": widgets.SixelImage,
        "halfcell": widgets.HalfcellImage,
        "unicode": widgets.UnicodeImage,
    }[name]
