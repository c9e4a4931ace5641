"""Stream termination rules (T)."""
