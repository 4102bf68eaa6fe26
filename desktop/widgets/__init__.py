"""Reusable widgets: the form built from field definitions."""
