"""Keeping the cyclic collector's work small in processes that run until stopped: long-lived
objects (start-up's, caches') out of its full passes, and young passes less often."""

import gc

# Long-lived entries made since the last freeze beyond which they are frozen.
FREEZE_AFTER = 5_000
# New container objects between young passes (the interpreter's default is 700).
YOUNG_PASS_EVERY = 10_000


def tune_collector() -> None:
    """Set the cyclic collector up for a role that runs until stopped; call it at start-up.

    What start-up built (modules, settings, the app) lives as long as the process: frozen, full
    passes no longer scan all of it every few status page renders (~100 ms each, measured).
    Before a fork (api workers, Celery prefork) freezing also keeps the pages shared.

    Young passes run every 10,000 new containers rather than 700: each scans everything still
    young, and hundreds of checks in flight keep their tasks and frames young (an HTTP check
    spent a tenth of its CPU in the collector before both; 5 % more checks per second with the
    rarer passes alone, measured).
    """
    gc.freeze()
    gc.set_threshold(YOUNG_PASS_EVERY, *gc.get_threshold()[1:])


class FreezeAfter:
    """Freezes what is alive once enough long-lived entries (parsed specs) were made.

    Caches of specs live until their monitor changes. At 100,000 monitors they are millions of
    objects, and every full pass of the collector scanned them: ~0.5 s with the event loop
    stopped, every few seconds (measured in serve). Frozen objects are still freed when nothing
    refers to them; only a cycle that is garbage when frozen stays, so each freeze first
    collects what is not frozen yet, which the earlier freezes keep small.
    """

    def __init__(self) -> None:
        self._made = 0

    def made(self, count: int = 1) -> None:
        self._made += count
        if self._made >= FREEZE_AFTER:
            self._made = 0
            gc.collect()
            gc.freeze()
