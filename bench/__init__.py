"""The benchmark suite: a generator of production-sized history and the benchmarks run against it (README.md)."""
