"""Tools for people who write workflows: cross-file checks, reports, diagrams, workflow tests."""
