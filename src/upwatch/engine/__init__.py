"""The engine: scheduler, dispatch, probe runner and result sink."""
