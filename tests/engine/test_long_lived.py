import gc
import weakref

import pytest

from upwatch.engine import long_lived
from upwatch.engine.long_lived import FreezeAfter


class _Node:
    def __init__(self) -> None:
        self.itself = self


def test_freezes_once_enough_long_lived_entries_were_made_then_counts_afresh(
    monkeypatch: pytest.MonkeyPatch, unfrozen: None
) -> None:
    monkeypatch.setattr(long_lived, "FREEZE_AFTER", 3)
    kept = FreezeAfter()
    alive = _Node()
    frozen = gc.get_freeze_count()

    kept.made(2)
    assert gc.get_freeze_count() == frozen
    kept.made()
    assert gc.get_freeze_count() > frozen
    assert alive.itself is alive

    garbage = weakref.ref(_Node())  # a cycle only the collector frees
    kept.made(2)
    assert garbage() is not None
    kept.made()
    assert garbage() is None  # collected before the second freeze, not kept by it
