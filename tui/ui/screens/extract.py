"""Structured extraction: the page's repeated items as a table, saved as JSON on request."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tui import locations
from tui.ui.state import clean


def schema_for(spec: str) -> dict[str, Any]:
    """A JSON schema for an array of objects, from field names or a schema as JSON.

    `name, price, url` -> objects with those string fields; `{...}` is taken as is
    (a schema for one object is wrapped into an array of them).
    """
    spec = spec.strip()
    if spec.startswith("{"):
        schema = json.loads(spec)  # ValueError -> the caller shows it
        if not isinstance(schema, dict):
            raise ValueError("a schema must be a JSON object")
        if schema.get("type") != "array":
            schema = {"type": "array", "items": schema}
        return schema
    fields = [f.strip() for f in spec.replace(",", " ").split() if f.strip()]
    if not fields:
        raise ValueError("name the fields to extract, e.g. extract name, price, url")
    properties = {f: {"type": "string"} for f in fields}
    return {"type": "array", "items": {"type": "object", "properties": properties}}


def columns_of(schema: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    """The table's columns: the schema's fields in order, then any the items added."""
    names = list(schema.get("items", {}).get("properties", {}))
    for item in items:
        names += [k for k in item if k not in names]
    return names


def save_items(items: list[dict[str, Any]], session_id: str) -> Path:
    """Write the items as JSON into the exports folder; returns the file."""
    folder = locations.ensure(locations.exports_dir())
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"extract-{session_id[:8]}-{stamp}.json"
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


class ExtractScreen(ModalScreen[None]):
    """The extracted items as a table; `s` saves them as JSON."""

    BINDINGS = [
        Binding("s", "save", "Save JSON", id="extract.save", tooltip="Save the items as JSON"),
        Binding("escape,q", "dismiss", "Close", id="extract.close"),
    ]

    def __init__(self, items: list[dict[str, Any]], schema: dict[str, Any], session_id: str):
        super().__init__()
        self.items, self.schema, self.session_id = items, schema, session_id
        self.saved: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="extract"):
            yield Label(f"Extracted {len(self.items)} items", classes="dialog-title")
            table = DataTable(id="extract-table", cursor_type="row", zebra_stripes=True)
            names = columns_of(self.schema, self.items)
            table.add_columns(*(Text(n) for n in names))
            for item in self.items:
                cells = ("" if item.get(n) is None else str(item.get(n)) for n in names)
                table.add_row(*(Text(clean(c)[:120], no_wrap=True) for c in cells))
            yield table
            yield Static("s saves as JSON · escape closes", id="extract-help", markup=False)

    @work(exclusive=True, exit_on_error=False)
    async def action_save(self) -> None:
        try:
            path = await asyncio.to_thread(save_items, self.items, self.session_id)
        except OSError as exc:
            self.notify(f"Could not save: {exc}", severity="error")
            return
        self.saved = path
        self.notify(f"Saved {len(self.items)} items to {path}", title="Extracted")
