"""Which textual-image widget draws screenshots (`--images`).

textual-image probes the terminal (one batched query) the first time it is
asked, and that must happen before `App.run()` takes stdin. The probe alone is
cheap (`probe_terminal`, run by the launcher); the widgets (and Pillow) are
imported after the app's first frame (`image_class`), when the cached answer
is used. A pseudo-terminal that reports 0 columns makes the probe divide by
zero: we then fall back to default cell sizes.
"""

from __future__ import annotations

from typing import Any

IMAGE_CHOICES = ("auto", "tgp", "sixel", "halfcell", "unicode", "none")


def _fallback(terminal: Any) -> None:
    """Pretend a common cell size and no graphics protocol (the probe could not run)."""
    terminal.probe_terminal._result = terminal.TerminalCapabilities(  # type: ignore[attr-defined]
        terminal.CellSize(10, 20), sixel=False, tgp=False
    )


def probe_terminal(name: str = "auto") -> None:
    """Ask the terminal what it draws, once, before the app owns stdin (cheap: no widgets)."""
    if name == "none":
        return
    from textual_image import _terminal

    try:
        _terminal.probe_terminal()
    except ZeroDivisionError:  # a 0-column pseudo-terminal
        _fallback(_terminal)


def _import_widgets() -> Any:
    try:
        import textual_image.widget as widgets
    except ZeroDivisionError:
        from textual_image import _terminal

        _fallback(_terminal)  # the probe divided by a 0-column terminal size
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
