import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Undo the freezes a test makes: other tests' objects stay collectable."""
    yield
    gc.unfreeze()
