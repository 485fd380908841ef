"""Benchmarks for Knowledge Hub (see docs/benchmarks.md). Not part of the installed package."""
