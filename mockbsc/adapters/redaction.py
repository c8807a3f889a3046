"""`mockbsc import --redact`: identities replaced by made-up ones of the same shape.

A fleet exported this way can be shared (with a vendor, in a bug report) without its real
ICCIDs, IMSIs, MSISDNs, IMEIs, addresses and labels. Each original value always gets the
same replacement within one import, so a SIM's IMSI and the IMSI its status reports stay
equal; replacements keep the length and the issuer prefix (ICCID `89…` issuer, IMSI's MCC+MNC,
MSISDN's country code and range, IMEI's type allocation code) so that they still look and
validate like the platform's, and IMEIs keep a valid Luhn digit.
"""

from __future__ import annotations

from dataclasses import replace

from mockbsc.domain.fleet.identities import luhn_digit
from mockbsc.domain.fleet.seeding import faker_pool
from mockbsc.domain.scenario import SimSpec

_KEEP = {"iccid": 7, "imsi": 5, "msisdn": 6, "imei": 8}  # leading digits kept: the issuer


class Redactor:
    """Consistent replacements: one table per kind of identity, filled in order of use."""

    def __init__(self, seed: int = 1) -> None:
        self._tables: dict[str, dict[str, str]] = {}
        self._words = faker_pool(seed)

    def value(self, kind: str, original: str | None) -> str | None:
        if original is None:
            return None
        table = self._tables.setdefault(kind, {})
        found = table.get(original)
        if found is None:
            found = table[original] = self._make(kind, original, len(table) + 1)
        return found

    def _make(self, kind: str, original: str, n: int) -> str:
        if kind == "ip_address":
            return f"10.{100 + (n >> 16) % 100}.{(n >> 8) & 255}.{n & 255}"
        if kind == "label":
            return f"{self._words[n % len(self._words)]} {n}"
        if not original.isdigit():  # an unusual shape: keep its length, digits only
            return f"{n:0{max(len(original), len(str(n)))}d}"
        keep = min(_KEEP.get(kind, 0), max(len(original) - len(str(n)) - 1, 0))
        width = len(original) - keep
        if kind in ("imei", "iccid_with_luhn") and len(original) in (15, 20):
            body = original[:keep] + f"{n:0{width - 1}d}"
            return body + luhn_digit(body)
        return original[:keep] + f"{n:0{width}d}"

    def sim(self, spec: SimSpec) -> SimSpec:
        iccid = self.value("iccid", spec.iccid) or spec.iccid
        luhn = None
        if spec.iccid_with_luhn is not None:
            luhn = (iccid + luhn_digit(iccid) if spec.iccid_with_luhn.startswith(spec.iccid)
                    and iccid.isdigit() else self.value("iccid_with_luhn", spec.iccid_with_luhn))
        return replace(spec, iccid=iccid, iccid_with_luhn=luhn,
                       imsi=self.value("imsi", spec.imsi),
                       msisdn=self.value("msisdn", spec.msisdn),
                       imei=self.value("imei", spec.imei),
                       ip_address=self.value("ip_address", spec.ip_address),
                       label=self.value("label", spec.label))
