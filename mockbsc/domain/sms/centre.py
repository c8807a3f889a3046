"""SMS to and from devices, driven by the emulator's devices and clock.

An MT SMS waits in the SMS centre while its device is detached and is delivered a short while
after the device attaches; undelivered by its expiry it fails, as the platform documents. SMS
quota is charged for delivered MT SMS only; an SMS whose SIM has no volume left when it would
be delivered fails. Listeners of `on_final` (the forwarder) send the delivery report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from mockbsc.domain.clock import Clock
from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.fleet.limits import SMS_MT
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import QuotaLevel, Sim, SimStatus
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.paging import Page
from mockbsc.domain.scheduler import Scheduler
from mockbsc.domain.sms.encoding import check_length
from mockbsc.domain.sms.records import (
    DEFAULT_EXPIRY,
    AddressType,
    Sms,
    SmsCenter,
    SmsStatus,
    SmsType,
)


class Messaging:
    def __init__(self, lock: threading.RLock, clock: Clock, scheduler: Scheduler,
                 lookup: SimLookup, radio: RadioNetwork, center: SmsCenter,
                 delivery_delay: float) -> None:
        self._lock = lock
        self._clock = clock
        self._scheduler = scheduler
        self._lookup = lookup
        self._radio = radio
        self._delivery_delay = delivery_delay
        self.center = center
        self.on_final: list[Callable[[Sms], None]] = []
        scheduler.handles("sms_deliver", self._deliver)
        scheduler.handles("sms_expire", self._expire)

    def send_mt(
        self,
        org_id: int,
        iccid: str,
        payload: str,
        dcs: int = 0,
        udh: str = "",
        source_address: str = "",
        source_address_type: int | None = None,
        expiry: datetime | None = None,
    ) -> Sms:
        """Accept an SMS for the device (201 on the wire) and buffer or deliver it.

        Raises:
            InvalidRequestError: too long for its coding, characters outside the coding, or
                no SMS volume left.
        """
        with self._lock:
            sim = self._lookup.sim(org_id, iccid)
            check_length(payload, dcs, udh)
            now = self._clock.now()
            # An expiry already past is taken (nothing documents a refusal): the SMS expires
            # at once, when its job runs (issue 13).
            expiry_date = expiry or now + DEFAULT_EXPIRY
            if sim.sms_quota.level is QuotaLevel.EMPTY:
                raise InvalidRequestError("SMS quota exhausted: no SMS volume available.")
            limits = self._radio.limits
            if limits is not None and limits.remaining(sim.org_id, sim.iccid, SMS_MT,
                                                       now.date()) == 0:
                raise InvalidRequestError(limits.exceeded_message(sim.org_id, SMS_MT))
            address_type = AddressType(source_address_type or AddressType.NATIONAL)
            sms = self.center.add(Sms(
                id=self.center.new_id(), iccid=sim.iccid, msisdn=sim.msisdn, imsi=sim.imsi,
                sms_type=SmsType.MT, status=SmsStatus.BUFFERED, submit_date=now,
                expiry_date=expiry_date, payload=payload, dcs=dcs,
                source_address=source_address, source_address_type=address_type, udh=udh,
            ))
            if self._reachable(sim):
                sms.status = SmsStatus.PENDING
                self._scheduler.after(self._delivery_delay, "sms_deliver", sms.id)
            self._scheduler.schedule(expiry_date, "sms_expire", sms.id)
            return sms

    def listing(self, org_id: int, iccid: str, page: int, page_size: int,
                sort: str | None) -> Page[Sms]:
        with self._lock:
            self._lookup.sim(org_id, iccid)
            return self.center.listing(iccid, self._clock.now(), page, page_size, sort)

    def get(self, org_id: int, iccid: str, sms_id: int) -> Sms:
        with self._lock:
            self._lookup.sim(org_id, iccid)
            return self.center.get(iccid, sms_id, self._clock.now())

    def cancel(self, org_id: int, iccid: str, sms_id: int) -> Sms:
        with self._lock:
            self._lookup.sim(org_id, iccid)
            sms = self.center.cancel(iccid, sms_id, self._clock.now())
            self._finished(sms)
            return sms

    @staticmethod
    def _reachable(sim: Sim) -> bool:
        """NB-IoT devices do not receive SMS (1NCE): an SMS to one stays BUFFERED until its
        expiry, then FAILED, as for a device that never attaches."""
        return sim.status is SimStatus.ENABLED and sim.device.attached \
            and sim.device.rat != "NB-IoT"

    def on_attach(self, sim: Sim) -> None:
        """The device attached: what waited for it is delivered shortly."""
        for sms in self.center.waiting(sim.iccid):
            if sms.status is SmsStatus.BUFFERED:
                sms.status = SmsStatus.PENDING
                self._scheduler.after(self._delivery_delay, "sms_deliver", sms.id)

    def _deliver(self, sms_id: int) -> None:
        sms = self.center.find(sms_id)
        if sms is None or sms.status.final:
            return
        sim = self._lookup.any_org(sms.iccid)
        now = self._clock.now()
        sms.last_delivery_attempt = now
        if not self._reachable(sim):
            sms.status = SmsStatus.BUFFERED
            sms.retry_count += 1
            return
        if sim.sms_quota.level is QuotaLevel.EMPTY:
            # Volume used up while the SMS waited: the platform blocks it, nothing is billed.
            sms.status, sms.final_date = SmsStatus.FAILED, now
            self._finished(sms)
            return
        sms.status = SmsStatus.DELIVERED
        sms.delivery_date = sms.final_date = now
        sms.msc = sim.device.network.sgsn_number
        self._radio.charge_sms(sim, now, mt=1)
        self._finished(sms)

    def _expire(self, sms_id: int) -> None:
        """Not delivered by its expiry: the platform marks the SMS failed."""
        sms = self.center.find(sms_id)
        if sms is None or sms.status.final:
            return
        sms.status = SmsStatus.FAILED
        sms.final_date = self._clock.now()
        self._finished(sms)

    def _finished(self, sms: Sms) -> None:
        for listener in self.on_final:
            listener(sms)


