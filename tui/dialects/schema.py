"""JSON schemas as providers take them (shared by the dialects' clients and routes)."""

from __future__ import annotations

from typing import Any


def resolve_refs(schema: Any, defs: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """Inline `#/$defs/...` references (pydantic's JSON schemas use them for nested models)."""
    if defs is None and isinstance(schema, dict):
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    if depth > 20:
        return schema
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.split("/")[-1] in (defs or {}):
            target = (defs or {})[ref.split("/")[-1]]
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return resolve_refs(merged, defs, depth + 1)
        return {
            k: resolve_refs(v, defs, depth + 1)
            for k, v in schema.items()
            if k not in ("$defs", "definitions")
        }
    if isinstance(schema, list):
        return [resolve_refs(v, defs, depth + 1) for v in schema]
    return schema
