"""Storage exceptions. Callers catch these, never driver exceptions.

StorageError
 ├── NotFound       the row asked for does not exist
 └── AlreadyExists  a unique rule (name, email, AAD id) would be broken
"""


class StorageError(RuntimeError):
    """Base class of everything the storage package raises on purpose."""


class NotFound(StorageError):
    """The row asked for does not exist."""


class AlreadyExists(StorageError):
    """A row with the same unique key exists already."""
