"""A seeded organisation's SIMs as a recipe: each SIM is made when it is first touched.

Why: a million SIMs as objects are over a gigabyte and half a minute of CPU, as a recipe they
are a few numbers (first serial, count, seed). The first `EAGER` SIMs of an organisation are
drawn in order from one `random.Random` stream, as mockbsc always drew its fleet, so a fleet
of up to `EAGER` SIMs per organisation is the very fleet earlier versions seeded; SIM n from
`EAGER` on draws from a stream of its own, SHAKE-128 words keyed by (seed, organisation, n).
Any SIM can then be made alone, in any order, and is the same SIM on any machine.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import operator
import random
import struct
import threading
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Protocol, SupportsIndex, overload

from mockbsc.domain.fleet.identities import ICCID_PREFIX
from mockbsc.domain.fleet.models import Sim

EAGER = 1000  # SIMs per organisation drawn from the sequential stream, as before issue 14
_UNIT = 2.0 ** -53
_WORDS = struct.Struct("<24Q")  # a SIM draws about twenty 64-bit words


class SimStream:
    """SIM n's own draws: 64-bit words of SHAKE-128 over (block key, n), 24 per hash call
    (more follow with a counter). It offers the two draws the SIM factory makes
    (`getrandbits`, `random`) at a fraction of the cost of a Mersenne Twister per SIM, and
    is the same on any machine (a standard hash, little-endian words).

    The first `HEAD` words are set apart (`Head`): what a filter on the IMEI needs (status,
    attachment, the IMEI and whether it is shown) comes from them alone, so the IMEI column
    of a million SIMs is one short hash per SIM, not a million SIMs made and dropped."""

    __slots__ = ("_next", "head")

    def __init__(self, key: int, n: int) -> None:
        seed = key.to_bytes(8, "big") + n.to_bytes(8, "big")
        words = _WORDS.unpack(hashlib.shake_128(seed).digest(_WORDS.size))
        self.head = Head(words[:HEAD])
        self._next: Callable[[], int] = itertools.chain(words[HEAD:], _more(seed)).__next__

    def getrandbits(self, k: int) -> int:
        return self._next() >> (64 - k)

    def random(self) -> float:
        return (self._next() >> 11) * _UNIT


HEAD = 5
_HEAD_WORDS = struct.Struct(f"<{HEAD}Q")


class Head:
    """The head words of a SIM's stream as the draws they stand for (rolls in [0, 1), an
    index below a bound by multiply-shift)."""

    __slots__ = ("_serial", "_tac", "attached", "disabled", "shown")

    def __init__(self, words: tuple[int, ...]) -> None:
        self.disabled = (words[0] >> 11) * _UNIT
        self.attached = (words[1] >> 11) * _UNIT
        self.shown = (words[2] >> 11) * _UNIT
        self._tac, self._serial = words[3], words[4]

    @classmethod
    def of(cls, key: int, n: int) -> Head:
        """SIM n's head alone (SHAKE's output for a shorter length is a prefix of the longer)."""
        seed = key.to_bytes(8, "big") + n.to_bytes(8, "big")
        return cls(_HEAD_WORDS.unpack(hashlib.shake_128(seed).digest(_HEAD_WORDS.size)))

    def tac(self, choices: int) -> int:
        return (self._tac * choices) >> 64

    def serial(self, bound: int) -> int:
        return (self._serial * bound) >> 64


def _more(seed: bytes) -> Iterator[int]:
    """Words after the first 24 (rejection sampling may draw a few more)."""
    for counter in itertools.count(1):
        yield from _WORDS.unpack(hashlib.shake_128(seed + counter.to_bytes(4, "big"))
                                 .digest(_WORDS.size))


def block_key(seed: int, org_id: int) -> int:
    """The 64-bit key of an organisation's per-SIM streams (stable across machines)."""
    digest = hashlib.sha256(f"mockbsc:{seed}:{org_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class SeedBlock:
    """An organisation's seeded SIMs: serials `first_serial` .. `first_serial + count - 1`,
    listed in that order, less `skip` (offsets whose ICCID a given SIM has already).

    Not state: a reset makes it again from the seed, the fleet size and the instant of
    seeding; what changed of a SIM once made is the registry's (and the state file's).
    """

    def __init__(self, org_id: int, first_serial: int, count: int, index_base: int,
                 seed: int, factory: SimMaker) -> None:
        self.org_id = org_id
        self.first_serial = first_serial
        self.count = count
        self.index_base = index_base
        self.seed = seed
        self.key = block_key(seed, org_id)
        self.factory = factory
        self._drawing = threading.Lock()  # the factory's stream is swapped per SIM
        self.skip: list[int] = []  # sorted
        self.complete = False  # every SIM made (the expiry sweep reached the seeded expiries)
        self.imeis: array[int] | None = None  # seeded IMEIs as codes (registry._imeis)
        self.made: dict[int, Sim] = {}  # by offset: the registry's objects, found without
        # spelling out ICCIDs (a listing page costs what it cost before the recipe)
        lowest = factory.now_whole - timedelta(days=700)  # the earliest activation drawn
        self.earliest_activation = lowest
        self.earliest_expiry = factory.expiry_of(lowest)

    @property
    def listed(self) -> int:
        """How many SIMs the block lists."""
        return self.count - len(self.skip)

    def eager(self) -> Iterator[Sim]:
        """The first `EAGER` SIMs, drawn in order from the sequential stream."""
        rng = random.Random(f"mockbsc:{self.seed}:{self.org_id}")
        for n in range(min(self.count, EAGER)):
            with self._drawing:
                self.factory.rng = rng
                sim = self.factory.make(self.org_id, self.first_serial + n, self.index_base + n)
            yield sim

    def make(self, n: int) -> Sim:
        """SIM n of the block, the same SIM however many were made before it."""
        if n < EAGER:  # only when an eager SIM went missing: draw the prefix again
            for m, sim in enumerate(self.eager()):
                if m == n:
                    return sim
        with self._drawing:
            self.factory.rng = SimStream(self.key, n)
            return self.factory.make(self.org_id, self.first_serial + n, self.index_base + n)

    def imei(self, n: int) -> str | None:
        """SIM n's IMEI as its SIM would show it, without making the SIM (the filters' column)."""
        if n < EAGER:
            return self.make(n).imei
        return self.factory.imei_of(Head.of(self.key, n))

    def iccid(self, n: int) -> str:
        """SIM n's ICCID (`identities_for(serial)[0]` at a tenth of its cost)."""
        return ICCID_PREFIX + f"{self.first_serial + n:09d}"[1:]

    def offset_of(self, iccid: str) -> int | None:
        """The offset of the block's SIM with this ICCID (None: not one of the block's)."""
        tail = iccid[-8:]
        if not tail.isdecimal():  # not isdigit: "²" is a digit int() refuses
            return None
        low = int(tail)
        end = self.first_serial + self.count
        for high in range(self.first_serial // 100_000_000, (end - 1) // 100_000_000 + 1):
            serial = high * 100_000_000 + low
            if self.first_serial <= serial < end and self.iccid(serial - self.first_serial) \
                    == iccid:
                n = serial - self.first_serial
                return None if self.skipped(n) else n
        return None

    def skipped(self, n: int) -> bool:
        at = bisect.bisect_left(self.skip, n)
        return at < len(self.skip) and self.skip[at] == n

    def offset_at(self, position: int) -> int:
        """The offset of the block's `position`-th listed SIM (skipped offsets left out)."""
        n = position
        for skipped in self.skip:
            if skipped > n:
                break
            n += 1
        return n

    def offsets(self) -> Iterator[int]:
        skip = set(self.skip)
        return (n for n in range(self.count) if n not in skip)


class SimMaker(Protocol):
    """What a block needs of the SIM factory (`mockbsc.domain.fleet.seeding`'s)."""

    rng: random.Random | SimStream
    now_whole: datetime

    def make(self, org_id: int, serial: int, index: int) -> Sim: ...

    def imei_of(self, head: Head) -> str | None: ...

    def expiry_of(self, activation: datetime) -> datetime: ...


class BlockIccids(list[str]):
    """The ICCIDs of a block's SIMs as a list made on demand (the seeded fleet order lists
    every seeded SIM: a million strings would be 80 MB and a second of seeding)."""

    def __init__(self, block: SeedBlock) -> None:
        super().__init__()
        self._block = block

    def __len__(self) -> int:
        return self._block.listed

    def __bool__(self) -> bool:
        return self._block.listed > 0

    def __iter__(self) -> Iterator[str]:
        block = self._block
        return (block.iccid(n) for n in block.offsets())

    @overload
    def __getitem__(self, index: SupportsIndex) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> str | list[str]:
        if isinstance(index, slice):
            return list(self)[index]
        n = operator.index(index)
        if n < 0:
            n += len(self)
        if not 0 <= n < len(self):
            raise IndexError(index)
        return self._block.iccid(self._block.offset_at(n))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and len(other) == len(self) and all(
            a == b for a, b in zip(self, other, strict=True))

    __hash__ = None

    def __repr__(self) -> str:
        return f"BlockIccids(org {self._block.org_id}, {len(self)} SIMs)"

    def append(self, iccid: str) -> None:
        raise TypeError("the seeded fleet order's SIMs are the recipe's")
