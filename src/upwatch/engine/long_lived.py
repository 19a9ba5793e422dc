"""Keeping long-lived objects (start-up's, caches') out of the cyclic collector's full passes."""

import gc

# Long-lived entries made since the last freeze beyond which they are frozen.
FREEZE_AFTER = 5_000


def freeze_start_up() -> None:
    """Freeze what start-up built (modules, settings, the app): it lives as long as the process.

    Full passes otherwise scan all of it every few status page renders (~100 ms each,
    measured). Before a fork (api workers, Celery prefork) it also keeps the pages shared.
    """
    gc.freeze()


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
