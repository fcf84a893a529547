"""Application operations: the functions behind every CLI command, scheduler job and test.

Each opens its own unit of work on the `Database`, calls the domain in `reporting/` and
the repositories in `storage/`, and returns plain results for the caller to print.
"""
