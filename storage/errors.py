"""Storage exceptions. Callers catch these, never driver exceptions.

StorageError
 ├── NotFound            the row asked for does not exist
 ├── AlreadyExists       a unique rule (name, email, AAD id) would be broken
 └── StorageUnavailable  the database cannot be used just now (see `storage.database`)
"""


class StorageError(RuntimeError):
    """Base class of everything the storage package raises on purpose."""


class NotFound(StorageError):
    """The row asked for does not exist."""


class AlreadyExists(StorageError):
    """A row with the same unique key exists already."""


class StorageUnavailable(StorageError):
    """The database could not be used just now: a lock held past the wait, an I/O error, a
    server that is gone or refuses connections. The unit of work was rolled back, so nothing
    of it is kept; the same work may succeed later. The message is the driver's own, without
    the statement or its parameters (they may hold what a person wrote)."""
