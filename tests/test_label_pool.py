"""The label pool is Faker's, whether made now or read from the user's cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockbsc import seed


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    seed._label_pool.cache_clear()
    yield tmp_path
    seed._label_pool.cache_clear()


def test_pool_is_made_by_faker_then_read_from_the_cache(cache_home: Path) -> None:
    made = seed.label_words(11)
    files = list((cache_home / "mockbsc").glob("labels-*-seed11.json"))
    assert len(files) == 1
    seed._label_pool.cache_clear()
    assert seed.label_words(11) == made == list(seed._faker_pool(11))


def test_a_damaged_cache_file_is_ignored_and_replaced(cache_home: Path) -> None:
    path = seed._pool_cache_file(12)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text('["only one"]', encoding="utf-8")
    assert seed.label_words(12) == list(seed._faker_pool(12))
    assert path.read_text(encoding="utf-8") != '["only one"]'


def test_an_unwritable_cache_is_skipped(cache_home: Path) -> None:
    (cache_home / "mockbsc").write_text("a file where the directory should be")
    assert seed.label_words(13) == list(seed._faker_pool(13))
