"""Telecom identities as the platform issues them: ICCID, IMSI, MSISDN, IMEI, static IP.

Shapes follow the live records: a 19-digit ICCID (plus its Luhn digit in `iccid_with_luhn`),
an IMSI `901405…` and an MSISDN `882285…` sharing their last nine digits, and an ICCID ending
in the same eight.
"""

from __future__ import annotations

import ipaddress

ICCID_PREFIX = "89882806660"  # 89 telecom, 882 international networks, 28 issuer, 0666 range
IMSI_PREFIX = "901405"
MSISDN_PREFIX = "882285"
IP_BASE = int(ipaddress.IPv4Address("10.210.176.1"))


def luhn_digit(digits: str) -> str:
    """The Luhn check digit that makes `digits + result` pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


def identities_for(serial: int) -> tuple[str, str, str, str]:
    """(iccid, iccid_with_luhn, imsi, msisdn) for a nine-digit subscriber serial."""
    s9 = f"{serial:09d}"
    iccid = ICCID_PREFIX + s9[1:]
    return iccid, iccid + luhn_digit(iccid), IMSI_PREFIX + s9, MSISDN_PREFIX + s9


def imei_for(tac: str, serial: int) -> str:
    """A 15-digit IMEI: 8-digit type allocation code, 6-digit serial, Luhn check digit."""
    body = f"{tac}{serial % 1_000_000:06d}"
    return body + luhn_digit(body)


def static_ip(index: int) -> str:
    """The fleet's static private addresses, one per SIM, as the platform hands them out."""
    return str(ipaddress.IPv4Address(IP_BASE + index))
