"""Errors an operation reports to a person (CLI, bot): a Swedish message, no stack trace.

OperationError
 ├── InputError      what the person gave is wrong (a bad CSV row, an unknown group)
 └── ConflictError   the request is fine but the state does not allow it (cycle closed)
"""


class OperationError(RuntimeError):
    """Base: its message is shown to the person as it is (Swedish)."""


class InputError(OperationError):
    """The input is wrong; the message says what and where."""


class ConflictError(OperationError):
    """The current state does not allow the request."""
