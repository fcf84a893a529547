"""Wiring: settings, scheduler jobs, the outbox dispatcher and the command line."""
