"""Page text as anything downstream can take it.

A lone surrogate (half an emoji, as a careless page cuts one) survives CDP and Playwright
into a Python str that no JSON encoder, database or terminal encoding accepts. (Any
surrogate in a Python str is lone: a pair arrives as one code point.)
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with each lone surrogate as U+FFFD, as a browser draws it."""
    return _SURROGATE.sub("\ufffd", text) if text and not text.isascii() else text
