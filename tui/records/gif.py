"""An animated replay of a session for a README or a chat: one frame per step.

Each frame is the screenshot after a step, scaled to at most `MAX_WIDTH`
pixels wide, with a caption line under it: the step's number, what was asked
and how it ended. A step without a screenshot still gets its frame (grey,
captioned), so the frames match the steps one to one. GIF by default; a
`.webp` path writes an animated WebP (smaller, fewer colour artefacts).
"""

from __future__ import annotations

import io
from pathlib import Path

from tui.engine.masking import mask_text
from tui.records.export import ExportedSession, ExportedStep

MAX_WIDTH = 800
FRAME_MS = 1600
CAPTION_BG = (24, 26, 33)
CAPTION_FG = (236, 239, 244)
FAILED_FG = (255, 120, 120)
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


def caption(step: ExportedStep) -> str:
    """`3. add to cart → DONE: Clicked 'Add to cart'.` (secrets masked)."""
    outcome = step.status.value if step.success else f"{step.status.value} (failed)"
    text = f"{step.seq}. {step.description} → {outcome}"
    if step.message:
        text += f": {step.message}"
    return mask_text(" ".join(text.split())) or ""


def _font(size: int):
    from PIL import ImageFont

    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _fit(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def frames(export: ExportedSession, folder: Path, *, max_width: int = MAX_WIDTH) -> list:
    """One RGB frame per step, all the same size."""
    from PIL import Image, ImageDraw

    shots = []
    for step in export.steps:
        shot = None
        if step.screenshot and (folder / step.screenshot).exists():
            shot = Image.open(folder / step.screenshot).convert("RGB")
        shots.append(shot)
    first = next((s for s in shots if s is not None), None)
    width = min(max_width, first.width if first is not None else max_width)
    height = round(first.height * width / first.width) if first is not None else width * 5 // 8
    font_size = max(12, width // 50)
    font = _font(font_size)
    bar = font_size * 2
    out = []
    for step, shot in zip(export.steps, shots, strict=True):
        frame = Image.new("RGB", (width, height + bar), CAPTION_BG)
        if shot is not None:
            frame.paste(shot.resize((width, height), Image.Resampling.BILINEAR), (0, 0))
        else:
            frame.paste((90, 94, 104), (0, 0, width, height))
        draw = ImageDraw.Draw(frame)
        if shot is None:
            draw.text((12, 12), "(no screenshot kept for this step)", font=font, fill=CAPTION_FG)
        fill = CAPTION_FG if step.success else FAILED_FG
        text = _fit(draw, caption(step), font, width - 16)
        draw.text((8, height + (bar - font_size) // 2 - 1), text, font=font, fill=fill)
        out.append(frame)
    return out


def write_animation(
    export: ExportedSession, folder: Path, path: Path, *, frame_ms: int = FRAME_MS
) -> int:
    """Write the animated replay to `path` (.gif or .webp); returns the number of frames."""
    images = frames(export, folder)
    if not images:
        raise ValueError("the session has no steps to animate")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".webp":
        images[0].save(
            path, save_all=True, append_images=images[1:], duration=frame_ms, loop=0, quality=80
        )
    else:
        from PIL import Image

        # One palette per frame keeps screenshots readable in 256 colours (fast octree).
        paletted = [im.quantize(colors=255, method=Image.Quantize.FASTOCTREE) for im in images]
        buffer = io.BytesIO()
        paletted[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=paletted[1:],
            duration=frame_ms,
            loop=0,
            optimize=False,
            disposal=1,
        )
        path.write_bytes(buffer.getvalue())
    return len(images)


__all__ = ["caption", "frames", "write_animation"]
