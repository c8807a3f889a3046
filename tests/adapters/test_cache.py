"""What the user's cache holds equals what it replaces: Faker's label pools, parsed contracts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mockbsc.adapters import fixtures_file as seed
from mockbsc.contract import document as contract


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
    assert seed.label_words(11) == made == list(seed.faker_pool(11))


def test_a_damaged_cache_file_is_ignored_and_replaced(cache_home: Path) -> None:
    name = seed._pool_cache_name(12)
    assert name is not None
    path = cache_home / "mockbsc" / name
    path.parent.mkdir(parents=True)
    path.write_text('["only one"]', encoding="utf-8")
    assert seed.label_words(12) == list(seed.faker_pool(12))
    assert path.read_text(encoding="utf-8") != '["only one"]'


def test_an_unwritable_cache_is_skipped(cache_home: Path) -> None:
    (cache_home / "mockbsc").write_text("a file where the directory should be")
    assert seed.label_words(13) == list(seed.faker_pool(13))


def test_a_contract_is_parsed_from_the_cache_as_yaml_would(cache_home: Path) -> None:
    path = contract.contract_path(contract.BSC_CONTRACT)
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert contract._parse(path) == expected
    assert len(list((cache_home / "mockbsc").glob("contract-*.marshal"))) == 1
    assert contract._parse(path) == expected


def test_a_damaged_contract_cache_is_ignored(cache_home: Path) -> None:
    path = contract.contract_path(contract.CONTROL_CONTRACT)
    contract._parse(path)
    for cached in (cache_home / "mockbsc").glob("contract-*.marshal"):
        cached.write_bytes(b"\x00 not marshal")
    assert contract._parse(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_document_marshal_cannot_hold_is_not_cached(cache_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "dated.yaml"
    source.write_text("openapi: 3.1.0\ninfo: {released: 2024-01-01}\npaths: {}\n")
    assert contract._parse(source)["info"]["released"].year == 2024
    assert not list((cache_home / "mockbsc").glob("contract-*.marshal"))


def test_no_home_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockbsc.adapters import cache

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", homeless)
    assert cache.cache_dir() is None
    assert cache.read("anything") is None
    cache.write("anything", b"data")  # does nothing, raises nothing


def test_the_cache_can_be_moved_and_turned_off(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    from mockbsc.adapters import cache

    monkeypatch.setenv("MOCKBSC_CACHE_DIR", str(tmp_path / "here"))
    cache.write("entry", b"data")
    assert (tmp_path / "here" / "entry").read_bytes() == b"data"
    assert cache.read("entry") == b"data"
    monkeypatch.setenv("MOCKBSC_NO_CACHE", "1")
    assert cache.cache_dir() is None
    assert cache.read("entry") is None


def test_a_checked_fixtures_file_is_read_from_the_cache(cache_home: Path) -> None:
    first = seed.load_scenario()
    files = list((cache_home / "mockbsc").glob("fixtures-*.json"))
    assert len(files) == 1
    assert seed.load_scenario() == first
    # What the next start reads is the cached document: change it, and the scenario follows.
    files[0].write_text(files[0].read_text(encoding="utf-8").replace(
        "Muster Logistik GmbH", "Aus dem Cache"), encoding="utf-8")
    assert seed.load_scenario().orgs[0].name == "Aus dem Cache"


def test_a_fixtures_file_json_cannot_keep_is_read_from_yaml_each_time(cache_home: Path,
                                                                       tmp_path: Path) -> None:
    text = seed.default_fixtures_path().read_text(encoding="utf-8")
    dated = tmp_path / "dated.yaml"
    explicit = ("    sims:\n      - iccid: '8988280666000000001'\n"
                "        activation_date: 2024-01-02\n")  # YAML reads a date, not text
    dated.write_text(text.replace("    sims: 20\n", explicit, 1), encoding="utf-8")
    assert seed.load_scenario(dated).orgs[1].explicit
    assert not list((cache_home / "mockbsc").glob("fixtures-*.json"))


def test_a_broken_fixtures_file_is_refused_each_time_and_not_cached(cache_home: Path,
                                                                     tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("organisations:\n  - id: 1\n    name: X\n    colour: red\n",
                      encoding="utf-8")
    for _ in range(2):
        with pytest.raises(seed.FixtureError, match="unknown field"):
            seed.load_scenario(broken)
    assert not list((cache_home / "mockbsc").glob("fixtures-*.json"))
