"""dialects/notte_env."""
