"""What fits in an SMS: GSM 7-bit, 8-bit and UCS-2 codings, user data headers, and long text
split into concatenated parts (3GPP TS 23.038 and 23.040), as the platform checks them.
"""

from __future__ import annotations

from mockbsc.domain.errors import InvalidRequestError

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
        unknown = sorted(set(payload).difference(GSM7_SEPTETS))  # C loops, not Python ones
        if unknown:
            raise InvalidRequestError(
                f"payload: characters {''.join(unknown)!r} are not in the GSM 7-bit alphabet "
                "(use dcs 8 for UCS-2)"
            )
        return sum(map(GSM7_SEPTETS.__getitem__, payload))
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
