"""Adaptive Card 1.5 templates and their rendering into plain dicts."""
