"""The SMS centre's records: every MT and MO SMS with its status, kept for the platform's
seven days, listed, read and cancelled (what happens to them over time is `centre.py`).

Statuses and ids follow the platform's vocabulary (BUFFERED = 3 and DELIVERED = 4 are on the
record; the others in the same order as its backend lists them).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import IntEnum

from mockbsc.domain.errors import ConflictError, NotFoundError
from mockbsc.domain.paging import Page, paginate, parse_sort

RETENTION = timedelta(days=7)
DEFAULT_EXPIRY = timedelta(hours=24)
FIRST_SMS_ID = 7_363_280

SORT_FIELDS = (
    "id", "submit_date", "delivery_date", "final_date", "expiry_date", "status", "sms_type"
)


class SmsStatus(IntEnum):
    PENDING = 1
    IN_PROGRESS = 2
    BUFFERED = 3
    DELIVERED = 4
    FAILED = 5
    EXPIRED = 6
    CANCELED = 7

    @property
    def description(self) -> str:
        return {1: "DELIVERY ATTEMPT PENDING", 2: "IN PROGRESS"}.get(self.value, self.name)

    @property
    def final(self) -> bool:
        return self.value >= SmsStatus.DELIVERED


class SmsType(IntEnum):
    MT = 1
    MO = 2


class AddressType(IntEnum):
    INTERNATIONAL = 145
    NATIONAL = 161
    ALPHANUMERIC = 208

    @property
    def description(self) -> str:
        return self.name.capitalize()


@dataclass(slots=True)
class Sms:
    id: int
    iccid: str
    msisdn: str
    imsi: str
    sms_type: SmsType
    status: SmsStatus
    submit_date: datetime
    expiry_date: datetime
    payload: str
    dcs: int
    source_address: str
    source_address_type: AddressType
    udh: str = ""
    delivery_date: datetime | None = None
    final_date: datetime | None = None
    retry_date: datetime | None = None
    last_delivery_attempt: datetime | None = None
    retry_count: int = 0
    msc: str | None = None
    dest_address: str | None = None
    part_no: int = 1
    parts: int = 1
    reference: int | None = None

    def __copy__(self) -> Sms:
        """`copy.copy(sms)` (a delivery report's snapshot of its SMS) field by field: the
        generic copy of a slots class goes through `__reduce_ex__` and costs several times
        more, on every SMS request whose delivery runs in it."""
        return Sms(*_SMS_FIELDS(self))


_SMS_FIELDS = operator.attrgetter(*(f.name for f in fields(Sms)))


class SmsCenter:
    """SMS records by id and by SIM; delivery decisions are the emulator's (it knows devices)."""

    def __init__(self) -> None:
        self._by_id: dict[int, Sms] = {}
        self._by_iccid: dict[str, list[int]] = {}
        self._next_id = FIRST_SMS_ID

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add(self, sms: Sms) -> Sms:
        self._by_id[sms.id] = sms
        ids = self._by_iccid.get(sms.iccid)
        if ids is None:  # a one-item list of its exact size (an append reserves four slots)
            self._by_iccid[sms.iccid] = [sms.id]
        else:
            ids.append(sms.id)
        return sms

    def find(self, sms_id: int) -> Sms | None:
        return self._by_id.get(sms_id)

    def all(self) -> list[Sms]:
        return list(self._by_id.values())

    def get(self, iccid: str, sms_id: int, now: datetime) -> Sms:
        sms = self._by_id.get(sms_id)
        if sms is None or sms.iccid != iccid or self._expired_record(sms, now):
            raise NotFoundError("SMS not found.")
        return sms

    def waiting(self, iccid: str) -> list[Sms]:
        """MT SMS of the SIM still waiting in the buffer, oldest first."""
        return [
            s
            for i in self._by_iccid.get(iccid, [])
            if (s := self._by_id[i]).sms_type is SmsType.MT and not s.status.final
        ]

    def cancel(self, iccid: str, sms_id: int, now: datetime) -> Sms:
        """Cancel a buffered MT SMS; anything already final or in flight stays as it is.

        Raises:
            NotFoundError: no such SMS on this SIM.
            ConflictError: the SMS is delivered, failed, expired, cancelled, or an MO SMS.
        """
        sms = self.get(iccid, sms_id, now)
        if sms.sms_type is not SmsType.MT or sms.status not in (
            SmsStatus.PENDING,
            SmsStatus.BUFFERED,
        ):
            raise ConflictError(
                f"SMS {sms_id} is {sms.status.description} and can no longer be cancelled"
            )
        sms.status = SmsStatus.CANCELED
        sms.final_date = now
        return sms

    def listing(
        self, iccid: str, now: datetime, page: int, page_size: int, sort: str | None
    ) -> Page[Sms]:
        keys = parse_sort(sort or "-submit_date,-id", SORT_FIELDS)
        records = [s for i in self._by_iccid.get(iccid, []) if not self._expired_record(
            s := self._by_id[i], now)]
        for name, descending in reversed(keys):
            # Dates not reached yet (delivery_date of a buffered SMS) sort after the others.
            records.sort(key=lambda s: _sort_key(getattr(s, name)), reverse=descending)
        return paginate(records, page, page_size)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_iccid.clear()
        self._next_id = FIRST_SMS_ID

    @staticmethod
    def _expired_record(sms: Sms, now: datetime) -> bool:
        return sms.status.final and sms.final_date is not None and now - sms.final_date > RETENTION


def _sort_key(value: object) -> tuple[bool, object]:
    return (value is None, value if value is not None else 0)
