"""The SIM registry: lookup with tenancy, listing with the platform's filters, sort and pages."""

from __future__ import annotations

from collections.abc import Iterable

from mockbsc.domain.errors import ForbiddenError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.identities import same_device
from mockbsc.domain.fleet.models import Sim
from mockbsc.domain.paging import Page, paginate, parse_sort

SIM_FILTER_FIELDS = ("imei", "ip_address")


class SimRegistry:
    """All SIMs of all organisations, keyed by ICCID, with each organisation's order kept."""

    def __init__(self) -> None:
        self._by_iccid: dict[str, Sim] = {}
        self._by_org: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self._by_iccid)

    def add(self, sim: Sim) -> None:
        if sim.iccid in self._by_iccid:
            raise InvalidRequestError(f"SIM {sim.iccid} exists already")
        self._by_iccid[sim.iccid] = sim
        self._by_org.setdefault(sim.org_id, []).append(sim.iccid)

    def clear(self) -> None:
        self._by_iccid.clear()
        self._by_org.clear()

    def all(self) -> Iterable[Sim]:
        return self._by_iccid.values()

    def find(self, iccid: str) -> Sim | None:
        return self._by_iccid.get(iccid)

    def get(self, org_id: int, iccid: str) -> Sim:
        """The SIM if it belongs to `org_id`.

        Raises:
            NotFoundError: no such ICCID on the platform.
            ForbiddenError: it exists but belongs to another organisation (the platform's
                "SIM does not belong to user."); nothing of it is revealed.
        """
        sim = self._by_iccid.get(iccid)
        if sim is None:
            raise NotFoundError("SIM not found.")
        if sim.org_id != org_id:
            raise ForbiddenError("SIM does not belong to user.")
        return sim

    def iccids_of(self, org_id: int) -> list[str]:
        """The organisation's ICCIDs in listing order (a plain read: nothing is noted)."""
        return list(dict.get(self._by_org, org_id) or ())

    def move(self, iccid: str, org_id: int) -> None:
        """Give the SIM to another organisation (1NCE's SIM transfer); it is listed last."""
        sim = self._by_iccid[iccid]
        self._by_org[sim.org_id].remove(iccid)
        sim.org_id = org_id
        self._by_org.setdefault(org_id, []).append(iccid)

    def count(self, org_id: int) -> int:
        return len(dict.get(self._by_org, org_id, ()))

    def listing(
        self, org_id: int, page: int, page_size: int, q: str | None, sort: str | None
    ) -> Page[Sim]:
        """A page of the organisation's SIMs; cost does not depend on the page number."""
        keys = parse_sort(sort, SIM_FILTER_FIELDS)
        filters = parse_filters(q)
        # Plain dict reads: a listing changes nothing, and the change log notes every key
        # looked up through the stores' own methods (see mockbsc.domain.state.changes).
        iccids = dict.get(self._by_org, org_id, [])
        get, by_iccid = dict.__getitem__, self._by_iccid
        if not filters and not keys:
            start = (page - 1) * page_size
            chosen = [get(by_iccid, i) for i in iccids[start : start + page_size]]
            return Page(chosen, page, page_size, len(iccids))
        sims = [get(by_iccid, i) for i in iccids]
        if filters:
            sims = [s for s in sims if all(matches(s, f, v) for f, v in filters)]
        for name, descending in reversed(keys):
            present = [s for s in sims if sim_field(s, name) is not None]
            absent = [s for s in sims if sim_field(s, name) is None]
            present.sort(key=lambda s: sort_key(name, sim_field(s, name)), reverse=descending)
            sims = present + absent
        return paginate(sims, page, page_size)


def matches(sim: Sim, name: str, value: str) -> bool:
    """A `q` filter: `ip_address` exactly; `imei` exactly or by its device's 15-digit IMEI."""
    if name == "imei":
        return sim.imei is not None and same_device(sim.imei, value)
    return sim.ip_address == value


def sim_field(sim: Sim, name: str) -> str | None:
    return sim.imei if name == "imei" else sim.ip_address


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
