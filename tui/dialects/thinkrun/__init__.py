"""dialects/thinkrun."""
