"""The fleet's worker role: a Celery app built from Settings, and thin tasks."""
