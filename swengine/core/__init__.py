"""The pure core: errors, the IR and its one JSON form, durations, limits. Imports nothing of ours above it."""
