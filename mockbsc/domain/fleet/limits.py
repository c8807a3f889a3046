"""1NCE's self-set monthly limits (data, MT-SMS, MO-SMS), set for all SIMs of an organisation.

1NCE's SIM-management document (S1) offers `GET/POST /v1/sims/limits` and
`GET /v1/sims/{service}/limits`; the BSC guide does not. Clients generated from S1 call them,
so the mock keeps them with state: a limit is chosen by id from a catalog per service, and the
simulated device's consumption respects it for the calendar month (1NCE: "Traffic limit of
X SMS per month exceeded"). The catalog's values are not published: these are mockbsc's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mockbsc.domain.access.models import Organisation
from mockbsc.domain.errors import InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.usage import UsageLedger

DATA, SMS_MT, SMS_MO = "data", "smsMT", "smsMO"  # S1's `{service}` path values
SERVICES = (DATA, SMS_MT, SMS_MO)


@dataclass(slots=True, frozen=True)
class LimitOption:
    service: str
    id: int
    limit: str  # S1: a string ("16")
    unit: str


def _options(service: str, unit: str, values: tuple[int, ...]) -> tuple[LimitOption, ...]:
    return tuple(LimitOption(service, n, str(v), unit) for n, v in enumerate(values, start=1))


CATALOG: dict[str, tuple[LimitOption, ...]] = {
    DATA: _options(DATA, "MB", (16, 32, 64, 128, 256, 500)),
    SMS_MT: _options(SMS_MT, "SMS", (10, 25, 50, 100, 250)),
    SMS_MO: _options(SMS_MO, "SMS", (10, 25, 50, 100, 250)),
}
_ATTRIBUTE = {DATA: "data_limit_id", SMS_MT: "sms_mt_limit_id", SMS_MO: "sms_mo_limit_id"}


def option(service: str, limit_id: int) -> LimitOption:
    """The catalog entry, or a 400 naming the id that no list offers."""
    for entry in CATALOG[service]:
        if entry.id == limit_id:
            return entry
    ids = ", ".join(str(o.id) for o in CATALOG[service])
    raise InvalidRequestError(f"{service} limit id {limit_id} is not one of {ids} "
                              f"(GET /v1/sims/{service}/limits)")


class SelfSetLimits:
    """The organisation's limits, kept on its `Organisation` (part of the saved state)."""

    def __init__(self, org_of: Callable[[int], Organisation | None], usage: UsageLedger) -> None:
        self._org_of = org_of
        self._usage = usage

    def _org(self, org_id: int) -> Organisation:
        org = self._org_of(org_id)
        if org is None:
            raise NotFoundError(f"Organisation {org_id} not found.")
        return org

    def current(self, org_id: int) -> dict[str, LimitOption]:
        """The services that have a limit, with it (no limit: the service is absent)."""
        org = self._org(org_id)
        found = {}
        for service, attribute in _ATTRIBUTE.items():
            limit_id = getattr(org, attribute)
            if limit_id is not None:
                found[service] = option(service, limit_id)
        return found

    def set(self, org_id: int, chosen: dict[str, int | None]) -> None:
        """Set the given services' limits (all checked first: nothing half-applied; the
        organisation is replaced whole, so a reader under the lock or not sees one state)."""
        org = self._org(org_id)
        for service, limit_id in chosen.items():
            if limit_id is not None:
                option(service, limit_id)
        for service, limit_id in chosen.items():
            if limit_id is not None:
                setattr(org, _ATTRIBUTE[service], limit_id)

    def limit(self, org_id: int, service: str) -> float | None:
        """The monthly limit of each SIM of the organisation (None: no limit).

        Per SIM and calendar month ("per month" in 1NCE's SMS error), counted on the SIM's
        usage rows of the month."""
        org = self._org_of(org_id)
        limit_id = getattr(org, _ATTRIBUTE[service]) if org is not None else None
        if limit_id is None:
            return None
        return float(option(service, limit_id).limit)

    def used(self, iccid: str, service: str, today: date) -> float:
        """The SIM's use of the service in the calendar month of `today`."""
        month = self._usage.month(iccid, today)
        if service == DATA:
            return month.data_rx + month.data_tx
        return float(month.sms_mt if service == SMS_MT else month.sms_mo)

    def remaining(self, org_id: int, iccid: str, service: str, today: date) -> float | None:
        """What the SIM may still use of the service this month (None: no limit)."""
        limit = self.limit(org_id, service)
        if limit is None:
            return None
        return max(0.0, limit - self.used(iccid, service, today))

    def exceeded_message(self, org_id: int, service: str) -> str:
        limit = self.limit(org_id, service) or 0.0
        unit = "MB" if service == DATA else "SMS"
        kind = {DATA: "", SMS_MT: "", SMS_MO: "MO "}[service]
        return f"Traffic limit of {limit:g} {kind}{unit} per month exceeded"
