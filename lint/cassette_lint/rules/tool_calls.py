"""Tool-call rules (A)."""
