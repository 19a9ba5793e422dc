"""Pure types and rules. Nothing here does I/O or reads the clock: time is passed in."""
