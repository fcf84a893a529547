"""Local servers speaking the wire formats of Microsoft cloud services, for tests and benchmarks."""
