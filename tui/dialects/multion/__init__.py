"""dialects/multion."""
