"""The SMS centre: MT SMS buffered until the device attaches, delivered, expired or cancelled;
MO SMS from devices. Records are kept for the platform's seven days.

Statuses and ids follow the platform's vocabulary (BUFFERED = 3 and DELIVERED = 4 are on the
record; the others in the same order as its backend lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from mockbsc.domain.errors import ConflictError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.registry import Page, paginate, parse_sort

RETENTION = timedelta(days=7)
DEFAULT_EXPIRY = timedelta(hours=24)
FIRST_SMS_ID = 7_363_280

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
GSM7_SEPTETS = {c: 1 for c in GSM7_BASIC} | {c: 2 for c in GSM7_EXTENSION}
SMS_OCTETS = 140
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
CONCAT_UDH = "050003000000"  # the 6 octets of a concatenation header
MAX_PARTS = 255
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


def _udh_octets(udh: str) -> int:
    """Octets a user data header takes, its length byte (UDHL) included.

    Clients send the header with its UDHL (`050003CC0201`) or without it (`0003CC0201`); when
    the first byte does not announce the rest, the UDHL is counted on top.
    """
    if not udh:
        return 0
    octets = len(udh) // 2
    return octets if int(udh[:2], 16) == octets - 1 else octets + 1


def capacity(dcs: int, udh: str = "") -> int:
    """Characters (dcs 0: septets, dcs 8: UCS-2 units) or bytes (dcs 4) one SMS can carry.

    160 / 140 / 70 without a header; a header takes its octets, and 7-bit text also loses the
    fill bits that align the text to a septet (so a 6-octet header leaves 153 characters).
    """
    header = _udh_octets(udh)
    if dcs == 0:
        return (SMS_OCTETS * 8 - -(-header * 8 // 7) * 7) // 7
    room = SMS_OCTETS - header
    return room if dcs == 4 else room // 2


def units(payload: str, dcs: int) -> int:
    """The payload's size in the unit `capacity()` counts, after checking its coding.

    Raises:
        InvalidRequestError: characters outside the GSM 7-bit alphabet, bad hex, unknown dcs.
    """
    if dcs == 0:
        unknown = sorted({c for c in payload if c not in GSM7_SEPTETS})
        if unknown:
            raise InvalidRequestError(
                f"payload: characters {''.join(unknown)!r} are not in the GSM 7-bit alphabet "
                "(use dcs 8 for UCS-2)"
            )
        return sum(GSM7_SEPTETS[c] for c in payload)
    if dcs == 4:
        if len(payload) % 2 or any(c not in HEX_DIGITS for c in payload):
            raise InvalidRequestError("payload: dcs 4 (8-bit data) needs an even-length hex string")
        return len(payload) // 2
    if dcs == 8:
        return len(payload.encode("utf-16-be")) // 2
    raise InvalidRequestError(f"dcs: {dcs} is not one of 0, 4, 8")


UNIT_NAMES = {0: "GSM 7-bit characters", 4: "bytes", 8: "UCS-2 characters"}


def check_length(payload: str, dcs: int, udh: str) -> None:
    """Enforce one SMS's capacity: 160 GSM 7-bit septets, 140 bytes, or 70 UCS-2 characters,
    less the room the user data header takes.

    Raises:
        InvalidRequestError: naming the field, the coding and the limit broken.
    """
    if udh and (len(udh) % 2 or any(c not in HEX_DIGITS for c in udh)):
        raise InvalidRequestError("udh: needs an even-length hex string")
    size, limit = units(payload, dcs), capacity(dcs, udh)
    if limit <= 0:
        raise InvalidRequestError(f"udh: a header of {len(udh) // 2} octets leaves no room")
    if size > limit:
        with_udh = " with this udh" if udh else ""
        raise InvalidRequestError(
            f"payload: {size} {UNIT_NAMES[dcs]} exceed the limit of {limit}{with_udh}"
        )


def split_parts(payload: str, dcs: int) -> list[str]:
    """Split a long payload as a phone does: one SMS if it fits, else concatenated parts of
    153 GSM 7-bit characters, 134 bytes or 67 UCS-2 characters (a 6-octet header each),
    never splitting an escape sequence or a surrogate pair.

    Raises:
        InvalidRequestError: the payload does not fit its coding, or needs over 255 parts.
    """
    if units(payload, dcs) <= capacity(dcs):
        return [payload]
    limit = capacity(dcs, CONCAT_UDH)
    if dcs == 4:
        parts = [payload[i:i + limit * 2] for i in range(0, len(payload), limit * 2)]
    else:
        parts, current, used = [], "", 0
        for char in payload:
            cost = GSM7_SEPTETS[char] if dcs == 0 else len(char.encode("utf-16-be")) // 2
            if used + cost > limit:
                parts.append(current)
                current, used = "", 0
            current += char
            used += cost
        parts.append(current)
    if len(parts) > MAX_PARTS:
        raise InvalidRequestError(f"payload: needs {len(parts)} parts, more than {MAX_PARTS}")
    return parts


def concat_udh(reference: int, total: int, part_no: int) -> str:
    """The concatenation header (IEI 00, 8-bit reference) a device puts on each part."""
    return f"050003{reference % 256:02X}{total:02X}{part_no:02X}"


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
        self._by_iccid.setdefault(sms.iccid, []).append(sms.id)
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
