"""Probes: one module per monitor kind behind the one ``Probe`` interface, in one registry."""
