"""Notification channels: one module per kind behind one Notifier interface."""
