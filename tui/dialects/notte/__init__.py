"""dialects/notte."""
