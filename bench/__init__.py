"""Upwatch's benchmark harness: ``make bench`` (``python -m bench --help``)."""
