"""Entities of the fleet: SIMs, their quotas, devices, visited networks, events and usage.

Plain slotted dataclasses: a fleet of 100,000 SIMs must fit in a few hundred MB.
Wire names and formats live in `mockbsc.api.serialize`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum


class SimStatus(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


class QuotaLevel(IntEnum):
    """The platform's `quota_status.id`: thresholds at 20 % left and at nothing left."""

    PLENTY = 0
    LOW = 1
    EMPTY = 2


QUOTA_DESCRIPTIONS = {
    QuotaLevel.PLENTY: "More than 20% available",
    QuotaLevel.LOW: "Less than 20% available",
    QuotaLevel.EMPTY: "No volume available",
}

THRESHOLD_PERCENTAGE = 20
INITIAL_DATA_MB = 500.0  # lifetime flat: 500 MB and 250 SMS, and the same again per top-up
INITIAL_SMS = 250.0
QUOTA_LIFETIME_YEARS = 10
PEAK_THROUGHPUT = 128_000


@dataclass(slots=True)
class Quota:
    """Remaining volume (MB or SMS) of a SIM, with the dates the platform reports."""

    volume: float
    total_volume: float
    last_volume_added: float
    last_status_change: datetime
    expiry: datetime
    threshold_reached: datetime | None = None
    exceeded: datetime | None = None

    @property
    def level(self) -> QuotaLevel:
        if self.volume <= 0:
            return QuotaLevel.EMPTY
        if self.volume < self.total_volume * THRESHOLD_PERCENTAGE / 100:
            return QuotaLevel.LOW
        return QuotaLevel.PLENTY


@dataclass(slots=True, frozen=True)
class Network:
    """A visited network: what `status` and `connectivity_info` report as location."""

    operator_id: int
    operator: str
    country_id: int
    country: str
    iso_code: str
    country_code: str
    mcc: str
    mnc: str
    latitude: str
    longitude: str
    sgsn_number: str
    sgsn_ip_address: str


@dataclass(slots=True)
class Device:
    """The simulated modem behind a SIM: attached to a network, with or without a data session."""

    network: Network
    imei: str
    attached: bool = False
    online: bool = False
    rat: str = "4G"
    lac: int = 0
    cid: int = 0
    last_updated: datetime | None = None
    last_updated_gprs: datetime | None = None
    session_started: datetime | None = None


@dataclass(slots=True)
class Sim:
    iccid: str
    iccid_with_luhn: str
    imsi: str
    msisdn: str
    org_id: int
    status: SimStatus
    activation_date: datetime
    ip_address: str
    imei_lock: bool
    data_quota: Quota
    sms_quota: Quota
    device: Device
    imei: str | None = None
    label: str | None = None
    history_seed: int = 0
    history_loaded: bool = False
    auto_topup: bool = False  # 1NCE's POST /v1/sims/autoTopup


@dataclass(slots=True, frozen=True)
class SimEvent:
    id: int
    timestamp: datetime
    event_type: str
    severity: str
    alert: bool
    iccid: str
    imsi: str
    imei: str | None
    country: str | None
    operator: str | None
    mcc: str | None
    mnc: str | None
    description: str


@dataclass(slots=True)
class DailyUsage:
    """One day of traffic: data in MB (received/sent), SMS counted (MO sent, MT received)."""

    day: date
    data_rx: float = 0.0
    data_tx: float = 0.0
    sms_mo: int = 0
    sms_mt: int = 0
