"""Modal screens: new session, confirmation, value prompt, error, help."""
