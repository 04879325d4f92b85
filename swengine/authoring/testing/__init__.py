"""Workflow test files: loading cases, running them on a time-skipping server, comparing, recording."""
