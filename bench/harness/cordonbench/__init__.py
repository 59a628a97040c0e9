"""cordon's benchmark harness: bench/run is the entry point."""
