"""Telecom identities as the platform issues them: ICCID, IMSI, MSISDN, IMEI, static IP.

Shapes follow the live records: a 19-digit ICCID (plus its Luhn digit in `iccid_with_luhn`),
an IMSI `901405…` and an MSISDN `882285…` sharing their last nine digits, and an ICCID ending
in the same eight.
"""

from __future__ import annotations

import functools
import ipaddress

ICCID_PREFIX = "89882806660"  # 89 telecom, 882 international networks, 28 issuer, 0666 range
IMSI_PREFIX = "901405"
MSISDN_PREFIX = "882285"
IP_BASE = int(ipaddress.IPv4Address("10.210.176.1"))


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, minus 9 when above 9


def luhn_digit(digits: str) -> str:
    """The Luhn check digit that makes `digits + result` pass the Luhn test."""
    backwards = digits[::-1]  # every other digit from the right is doubled, starting there
    total = sum(map(_DOUBLED.__getitem__, map(int, backwards[0::2])))
    total += sum(map(int, backwards[1::2]))
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdecimal() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


def _weighted(digits: str, start: int) -> int:
    """The Luhn sum of `digits` whose last digit stands `start` places left of the check
    digit's neighbour (even places are doubled)."""
    return sum(_DOUBLED[int(d)] if (start + i) % 2 == 0 else int(d)
               for i, d in enumerate(reversed(digits)))


@functools.cache
def _triples(start: int) -> tuple[int, ...]:
    """Luhn sums of every three-digit group at an even (0) or odd (1) starting place: the
    group `hto` sums its digits' weights, so the table is 1,000 additions (made at every
    start-up; `_weighted` per group was ~10 ms of it)."""
    ones, tens, hundreds = (_DOUBLED if (start + place) % 2 == 0 else range(10)
                            for place in range(3))
    return tuple(h + t + o for h in hundreds for t in tens for o in ones)


@functools.lru_cache(maxsize=256)
def _prefix_sum(prefix: str, start: int) -> int:
    return _weighted(prefix, start)


def _check(total: int) -> str:
    return str((10 - total % 10) % 10)


def identities_for(serial: int) -> tuple[str, str, str, str]:
    """(iccid, iccid_with_luhn, imsi, msisdn) for a nine-digit subscriber serial.

    The ICCID's Luhn digit is summed from the fixed prefix's sum and table sums of the
    serial's three-digit groups: `luhn_digit`'s result at a fifth of its cost (seeding)."""
    s9 = f"{serial:09d}"
    iccid = ICCID_PREFIX + s9[1:]
    if not 0 <= serial < 1_000_000_000:  # beyond nine digits: the ICCID is longer
        return iccid, iccid + luhn_digit(iccid), IMSI_PREFIX + s9, MSISDN_PREFIX + s9
    v = serial % 100_000_000
    even, odd = _triples(0), _triples(1)
    total = (_prefix_sum(ICCID_PREFIX, 8) + even[v % 1000] + odd[v // 1000 % 1000]
             + even[v // 1_000_000])
    return iccid, iccid + _check(total), IMSI_PREFIX + s9, MSISDN_PREFIX + s9


def imei_for(tac: str, serial: int) -> str:
    """A 16-digit IMEISV, as the live wire shows IMEIs (S4: `8682390510114404`): 8-digit type
    allocation code, 6-digit serial, 2-digit software version (no check digit in an IMEISV).
    The software version is derived from the serial, so a seed's fleet draws what it drew."""
    serial %= 1_000_000
    return f"{tac}{serial:06d}{serial % 13:02d}"


def same_device(imeisv: str, query: str) -> bool:
    """Whether a `q=imei:` value names the device of `imeisv`: the value itself, or the
    device's 15-digit IMEI (the first 14 digits are the same device; the check digit and
    the software version are not compared)."""
    if query == imeisv:
        return True
    return len(query) == 15 and query.isdigit() and len(imeisv) == 16 \
        and query[:14] == imeisv[:14]


def static_ip(index: int) -> str:
    """The fleet's static private addresses, one per SIM, as the platform hands them out."""
    n = IP_BASE + index
    if not 0 <= n <= 0xFFFFFFFF:
        return str(ipaddress.IPv4Address(n))  # raises AddressValueError as it always did
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
