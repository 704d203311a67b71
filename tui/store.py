"""SQLite registry of known sessions and their step history (being built)."""
