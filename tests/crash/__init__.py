"""Crash-safety harness and its tests (issue 7 item 2)."""
