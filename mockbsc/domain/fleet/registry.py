"""The SIM registry: lookup with tenancy, listing with the platform's filters, sort and pages."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from mockbsc.domain.errors import ForbiddenError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.identities import imei_for, same_device, static_ip
from mockbsc.domain.fleet.models import Sim
from mockbsc.domain.fleet.recipe import SeedBlock
from mockbsc.domain.fleet.seeding import TACS, generate_sims
from mockbsc.domain.paging import Page, paginate, parse_sort

SIM_FILTER_FIELDS = ("imei", "ip_address")


SEEDED = ""  # in an organisation's listing: where its seeded SIMs (the recipe) are listed


class SimRegistry:
    """All SIMs of all organisations, keyed by ICCID, with each organisation's order kept.

    Seeded SIMs are a recipe per organisation (`SeedBlock`) until first touched: a lookup, a
    write or a listing page makes the SIM and keeps it in `_by_iccid`; an organisation's
    listing (`_by_org`) holds the `SEEDED` mark where its block's SIMs are listed, in serial
    order. Counts come from the recipe. A SIM made by a listing is put in place without the
    change log noting it (it is what the seed makes), one looked up is noted as before.
    """

    def __init__(self) -> None:
        self._by_iccid: dict[str, Sim] = {}
        self._by_org: dict[int, list[str]] = {}
        self._blocks: dict[int, SeedBlock] = {}  # by organisation; not state: a reset makes
        # them again
        self._unmade = 0  # block SIMs not in _by_iccid

    def __len__(self) -> int:
        return len(self._by_iccid) + self._unmade

    def add(self, sim: Sim) -> None:
        if self.find(sim.iccid) is not None:
            raise InvalidRequestError(f"SIM {sim.iccid} exists already")
        self._by_iccid[sim.iccid] = sim
        self._by_org.setdefault(sim.org_id, []).append(sim.iccid)

    def add_block(self, block: SeedBlock) -> None:
        """List a seeded organisation's recipe after its given SIMs; its first SIMs (the
        sequential stream's) are made at once, the others on first touch."""
        made = self._by_iccid
        block.skip = sorted(n for i in dict.keys(made) if (n := block.offset_of(i)) is not None)
        if block.org_id in self._blocks:
            raise InvalidRequestError(f"organisation {block.org_id} is seeded already")
        self._blocks[block.org_id] = block
        self._by_org.setdefault(block.org_id, []).append(SEEDED)
        self._unmade += block.listed
        for n, sim in enumerate(generate_sims(block)):
            if dict.get(made, sim.iccid) is None and not block.skipped(n):
                self._keep(sim)
                block.made[n] = sim

    def forget_seed(self) -> None:
        """The stores were replaced whole (an imported state): no SIM comes from the seed."""
        self._blocks.clear()
        self._unmade = 0
        for iccids in dict.values(self._by_org):
            while SEEDED in iccids:
                iccids.remove(SEEDED)

    def spell_out(self) -> None:
        """Make every seeded SIM and list each by its ICCID (a whole-state export lists every
        SIM). Nothing is noted: the fleet is the same, only no longer a recipe."""
        for org_id, listed in list(dict.items(self._by_org)):
            if SEEDED in listed:
                listed[:] = self.iccids_of(org_id)
        for block in self._blocks.values():
            if not block.complete:
                self.make_all(block)

    def recount(self) -> None:
        """Count again which block SIMs are made (after SIMs were put in place directly)."""
        listed = sum(b.listed for b in self._blocks.values())
        for block in self._blocks.values():
            block.made.clear()  # the entries' objects replaced some
        self._unmade = listed - sum(1 for i in dict.keys(self._by_iccid)
                                    if self._block_of(i) is not None)

    def clear(self) -> None:
        self._by_iccid.clear()
        self._by_org.clear()
        self._blocks.clear()
        self._unmade = 0

    def all(self) -> Iterator[Sim]:
        """Every SIM, organisation by organisation in listing order. Seeded SIMs not made yet
        are made for the caller and dropped (read them; change a SIM through `get`)."""
        for org_id in list(dict.keys(self._by_org)):
            yield from self.scan(org_id)

    def made(self) -> Iterable[Sim]:
        """The SIMs made so far (given, added, and seeded ones touched)."""
        return dict.values(self._by_iccid)

    def blocks(self) -> list[SeedBlock]:
        return list(self._blocks.values())

    def make_all(self, block: SeedBlock) -> None:
        """Make every SIM of a block (the expiry sweep reached its seeded expiries)."""
        for n in block.offsets():
            self._made(block, n)
        block.complete = True

    def find(self, iccid: str) -> Sim | None:
        return self._by_iccid.get(iccid) or self._from_seed(iccid)

    def get(self, org_id: int, iccid: str) -> Sim:
        """The SIM if it belongs to `org_id`.

        Raises:
            NotFoundError: no such ICCID on the platform.
            ForbiddenError: it exists but belongs to another organisation (the platform's
                "SIM does not belong to user."); nothing of it is revealed.
        """
        sim = self._by_iccid.get(iccid) or self._from_seed(iccid)
        if sim is None:
            raise NotFoundError("SIM not found.")
        if sim.org_id != org_id:
            raise ForbiddenError("SIM does not belong to user.")
        return sim

    def iccids_of(self, org_id: int) -> list[str]:
        """The organisation's ICCIDs in listing order (a plain read: nothing is noted)."""
        found: list[str] = []
        for iccid in dict.get(self._by_org, org_id) or ():
            if iccid != SEEDED:
                found.append(iccid)
            elif (block := self._block_for(org_id)) is not None:
                found += (block.iccid(n) for n in block.offsets())
        return found

    def move(self, iccid: str, org_id: int) -> None:
        """Give the SIM to another organisation (1NCE's SIM transfer); it is listed last.

        A seeded SIM still listed by its organisation's recipe spells the organisation's
        listing out first (once per reset: transfers are rare)."""
        sim = self.find(iccid)
        if sim is None:
            raise NotFoundError(f"SIM {iccid} not found")
        sim = self._by_iccid[iccid]  # noted: the move is a change of it
        listed = self._by_org[sim.org_id]
        if iccid not in listed and SEEDED in listed:
            self._by_org[sim.org_id] = listed = self.iccids_of(sim.org_id)
        listed.remove(iccid)
        sim.org_id = org_id
        self._by_org.setdefault(org_id, []).append(iccid)

    def count(self, org_id: int) -> int:
        listed = dict.get(self._by_org, org_id) or []
        block = self._blocks.get(org_id)
        if block is None:  # a mark without its recipe (an imported state) lists nothing
            return len(listed) - listed.count(SEEDED)
        return len(listed) + (block.listed - 1 if _mark(listed) >= 0 else 0)

    def listing(
        self, org_id: int, page: int, page_size: int, q: str | None, sort: str | None
    ) -> Page[Sim]:
        """A page of the organisation's SIMs; cost does not depend on the page number.

        Unfiltered, only the page's SIMs are made; a filter or a sort looks at every SIM of
        the organisation (seeded ones not made yet are made, looked at and dropped, about
        20 us each), and keeps the page it returns."""
        keys = parse_sort(sort, SIM_FILTER_FIELDS)
        filters = parse_filters(q)
        total = self.count(org_id)
        if not filters and not keys:
            start = (page - 1) * page_size
            return Page(self._window(org_id, start, start + page_size), page, page_size, total)
        found: list[tuple[int, str | None, str | None]] = []
        for position, (imei, ip) in enumerate(self._probe(org_id)):
            if not filters or all(matches(imei, ip, f, v) for f, v in filters):
                found.append((position, imei, ip))
        for name, descending in reversed(keys):
            present = [e for e in found if _field(e, name) is not None]
            absent = [e for e in found if _field(e, name) is None]
            present.sort(key=lambda e: sort_key(name, _field(e, name)), reverse=descending)
            found = present + absent
        chosen = paginate(found, page, page_size)
        return Page([self._window(org_id, e[0], e[0] + 1)[0] for e in chosen.items], page,
                    page_size, chosen.total)

    # ------------------------------------------------------------------ the recipe
    def _window(self, org_id: int, start: int, stop: int) -> list[Sim]:
        """The organisation's SIMs at listing positions `start` .. `stop - 1`, made if need
        be (a plain read: nothing is noted)."""
        listed = dict.get(self._by_org, org_id) or []
        block = self._blocks.get(org_id)
        at = _mark(listed) if block is not None else -1
        if at < 0:
            return [self._listed(i) for i in listed[start:stop] if i != SEEDED]
        size = block.listed if block is not None else 0
        chosen = [self._listed(i) for i in listed[start:min(stop, at)]]
        low, high = max(start, at) - at, min(stop, at + size) - at
        if block is not None and low < high:
            offsets = range(low, high) if not block.skip else map(block.offset_at,
                                                                  range(low, high))
            get = block.made.get
            chosen += [get(n) or self._made(block, n) for n in offsets]
        after = listed[at + 1:][max(start - at - size, 0):max(stop - at - size, 0)]
        return chosen + [self._listed(i) for i in after]

    def scan(self, org_id: int) -> Iterator[Sim]:
        """Every SIM of the organisation in listing order; seeded ones not made yet are made
        for the caller only (not kept)."""
        by_iccid = self._by_iccid
        for iccid in list(dict.get(self._by_org, org_id) or ()):
            if iccid != SEEDED:
                yield self._listed(iccid, keep=False)
            elif (block := self._block_for(org_id)) is not None:
                for n in block.offsets():
                    yield dict.get(by_iccid, block.iccid(n)) or block.make(n)

    def _probe(self, org_id: int) -> Iterator[tuple[str | None, str]]:
        """(imei, ip_address) of every SIM of the organisation in listing order: what the
        filters and sorts look at, read for seeded SIMs not made yet from the block's IMEI
        column (made once, 4 bytes a SIM) and its addresses (which follow the serials)."""
        by_iccid = self._by_iccid
        for iccid in list(dict.get(self._by_org, org_id) or ()):
            if iccid != SEEDED:
                sim = self._listed(iccid, keep=False)
                yield sim.imei, sim.ip_address
            elif (block := self._blocks.get(org_id)) is not None:
                column = self._imeis(block)
                for n in block.offsets():
                    made = dict.get(by_iccid, block.iccid(n))
                    if made is not None:
                        yield made.imei, made.ip_address
                    else:
                        yield _imei(column[n]), static_ip(block.index_base + n)

    def prepare_filters(self, org_id: int) -> None:
        """Read the organisation's seeded IMEIs into their column now. It depends on the
        recipe only, so the platform calls this without its lock: the first filter of a big
        fleet then holds the lock only for the scan, not for the seconds this takes."""
        block = self._blocks.get(org_id)
        if block is not None:
            self._imeis(block)

    def _imeis(self, block: SeedBlock) -> array[int]:
        """The block's seeded IMEIs as codes (TAC number, serial), made on first need: the
        first filtered or sorted listing makes each SIM not made yet once and drops it."""
        if block.imeis is None:
            by_iccid = self._by_iccid
            codes = array("i", [_UNKNOWN]) * block.count
            for n in block.offsets():
                if dict.get(by_iccid, block.iccid(n)) is None:
                    codes[n] = _code(block.imei(n))
            block.imeis = codes
        return block.imeis

    def _made(self, block: SeedBlock, n: int) -> Sim:
        sim = dict.get(self._by_iccid, block.iccid(n))
        if sim is None:
            sim = block.make(n)
            self._keep(sim)
        block.made[n] = sim
        return sim

    def _keep(self, sim: Sim) -> None:
        """A seeded SIM made: in place, not noted by the change log (the seed makes it)."""
        dict.__setitem__(self._by_iccid, sim.iccid, sim)
        self._unmade -= 1

    def _from_seed(self, iccid: str) -> Sim | None:
        found = self._block_of(iccid)
        if found is None or dict.get(self._by_iccid, iccid) is not None:
            return None
        block, n = found
        sim = block.made[n] = block.make(n)
        self._keep(sim)
        return sim

    def _listed(self, iccid: str, keep: bool = True) -> Sim:
        """A listed SIM: made, or a seeded one listed by ICCID (a spelt-out listing)."""
        sim = dict.get(self._by_iccid, iccid)
        if sim is None:
            block, n = self._block_of(iccid) or (None, 0)
            if block is None:
                raise KeyError(iccid)
            sim = block.make(n)
            if keep:
                self._keep(sim)
        return sim

    def _block_of(self, iccid: str) -> tuple[SeedBlock, int] | None:
        for block in self._blocks.values():
            if (n := block.offset_of(iccid)) is not None:
                return block, n
        return None

    def _block_for(self, org_id: int) -> SeedBlock | None:
        return self._blocks.get(org_id)


_UNKNOWN, _NO_IMEI = -2, -1


def _code(imei: str | None) -> int:
    """A seeded IMEI (`imei_for(TACS[t], serial)`) as t * 1,000,000 + serial."""
    if imei is None:
        return _NO_IMEI
    return TACS.index(imei[:8]) * 1_000_000 + int(imei[8:14])


def _imei(code: int) -> str | None:
    return None if code < 0 else imei_for(TACS[code // 1_000_000], code % 1_000_000)


def matches(imei: str | None, ip: str, name: str, value: str) -> bool:
    """A `q` filter on a SIM's IMEI and address: `ip_address` exactly; `imei` exactly or by
    its device's 15-digit IMEI."""
    if name == "imei":
        return imei is not None and same_device(imei, value)
    return ip == value


def _mark(listed: list[str]) -> int:
    """Where the seeded SIMs are in an organisation's listing (-1: not there). Looked for
    from the front: the mark follows the given SIMs, SIMs added later follow it."""
    try:
        return listed.index(SEEDED)
    except ValueError:
        return -1


def _field(entry: tuple[int, str | None, str | None], name: str) -> str | None:
    return entry[1] if name == "imei" else entry[2]


def sort_key(name: str, value: str | None) -> tuple[int, ...] | str:
    if name == "ip_address" and value:
        return tuple(int(part) for part in value.split("."))
    return value or ""


def parse_filters(q: str | None) -> list[tuple[str, str]]:
    """`"imei:4711,ip_address:10.0.0.1"` -> [("imei", "4711"), ("ip_address", "10.0.0.1")];
    parts that name no known field are left out."""
    filters: list[tuple[str, str]] = []
    for part in (q or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if sep and name.strip() in SIM_FILTER_FIELDS:  # others are ignored, as the platform
            filters.append((name.strip(), value.strip()))  # does (issue 13)
    return filters
