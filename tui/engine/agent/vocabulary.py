"""The interpreter's vocabulary: ordinals, nouns, keys, synonyms, irreversible verbs."""

from __future__ import annotations

import re

ORDINALS = {
    "first": 1,
    "1st": 1,
    "top": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
NOUNS = {
    "result": "content",
    "results": "content",
    "product": "content",
    "item": "content",
    "entry": "content",
    "hit": "content",
    "article": "content",
    "one": "content",
    "link": "link",
    "button": "button",
    "field": "input",
    "input": "input",
    "box": "input",
    "textbox": "input",
    "image": "figure",
    "picture": "figure",
    "checkbox": "checkbox",
    "option": "option",
}
KEYS = {
    "enter": "Enter",
    "return": "Enter",
    "escape": "Escape",
    "esc": "Escape",
    "tab": "Tab",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "page down": "PageDown",
    "page up": "PageUp",
    "pagedown": "PageDown",
    "pageup": "PageUp",
    "home": "Home",
    "end": "End",
}
STOPWORDS = {
    "the", "a", "an", "to", "on", "in", "into", "of", "for", "my", "your", "this", "that",
    "it", "its", "button", "link", "field", "box", "page", "please", "tab", "with", "and",
}  # fmt: skip
# Phrases people use for the same control: matched as alternatives of each other.
SYNONYMS = [
    ["place order", "pay", "pay now", "buy now", "complete order", "submit order", "purchase"],
    ["publish", "post", "share", "tweet"],
    ["sign in", "log in", "login", "signin"],
    ["sign out", "log out", "logout"],
    ["cart", "basket", "bag", "shopping cart"],
    ["search", "find", "look up"],
]
# A step that spends money or speaks for the person: confirm unless the command says so.
DESTRUCTIVE = {
    "pay": r"\b(pay|place (the |my |your )?order|buy|purchase|checkout now|complete (the )?order|submit (the )?order|confirm (the )?order)\b",
    "publish": r"\b(publish|post|share|tweet)\b",
    "delete": r"\b(delete|erase|destroy)\b",
    "send": r"\b(send|transfer)\b",
}
URL_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|localhost(?::\d+)?(?:/\S*)?|(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:/\S*)?"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:/\S*)?|/\S*)$",
    re.I,
)


# Verbs the parser takes as a click on a named thing, that still start a command of their own
# after "and" ("... and publish it", "... and place the order").
ACTION_VERBS = {
    "publish", "post", "share", "tweet", "send", "pay", "buy", "purchase", "place", "order",
    "confirm", "delete", "remove", "sign", "log", "login", "logout", "complete", "finish",
    "checkout", "close", "dismiss", "download", "upload", "book", "reserve", "subscribe",
    "apply", "reply", "comment", "like", "save", "clear", "reset", "empty", "find", "read",
}  # fmt: skip


# What a command says to ask for one explicitly ("a post" is a noun, "post it" a verb).
EXPLICIT = {
    **DESTRUCTIVE,
    "publish": r"\b(publish|share|tweet)\b|\bpost (it|this|that|now|the post)\b",
}

SUBMIT_WORDS = r"\b(submit|publish|post|send|save|continue|sign in|log in|pay|place order|search|go|next|ok|done)\b"

YES = r"(y|yes|yep|yeah|sure|ok|okay|confirm|confirmed|go ahead|do it|proceed)(,? (please|it|go ahead|do it))?[.!]?"
NO = r"(n|no|nope|cancel|stop|abort|don't|do not|never ?mind)(,? (thanks|please|it|that))?[.!]?"


# Generic element kinds people name instead of a label ("the text field", "the dropdown"),
# longest phrase first; matched at the end of a target.
KIND_WORDS: list[tuple[str, str]] = [
    ("input textbox", "text"), ("input text box", "text"), ("text input", "text"),
    ("text field", "text"), ("text box", "text"), ("textbox", "text"), ("input field", "text"),
    ("input box", "text"), ("text area", "text"), ("textarea", "text"), ("field", "text"),
    ("input", "text"), ("box", "text"),
    ("dropdown menu", "select"), ("drop-down menu", "select"), ("drop down menu", "select"),
    ("dropdown list", "select"), ("dropdown", "select"), ("drop-down", "select"),
    ("drop down", "select"), ("select box", "select"), ("selectbox", "select"),
    ("list box", "list"), ("listbox", "list"), ("list", "list"),
    ("check box", "checkbox"), ("checkbox", "checkbox"), ("toggle", "checkbox"),
    ("switch", "checkbox"), ("radio button", "radio"), ("radio", "radio"),
    ("tab", "tab"), ("slider", "slider"), ("button", "button"), ("link", "link"),
]  # fmt: skip
# Words that describe a thing without naming it: dropped when the name alone matches.
SOFT_WORDS = {
    "word", "words", "email", "mail", "message", "row", "item", "entry", "folder", "file",
    "option", "plan", "mode", "dialog", "box", "card", "icon", "section", "from", "by", "menu",
    "node", "text", "label", "called", "named", "titled", "saying", "one", "entitled",
}  # fmt: skip
# Containers whose closing is a click on their close control ("close the dialog").
CLOSABLE = r"(?:dialog(?: box)?|pop-?up|modal|banner|window|notice|overlay|alert|message|box|panel|cookie (?:banner|notice))"
CLOSE_WORDS = ["close", "x", "dismiss", "no thanks", "got it"]
