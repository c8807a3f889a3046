"""The SMS forwarder (BSC guide §4.1/4.2): delivery reports of MT SMS, SMS sent by devices (MO),
and what the SMS centre shows while they are pushed to the organisation's URL.

Decisions where the platform's documentation is silent:
* a delivery report is sent for the final states the guide names, DELIVERED and FAILED; an
  SMS the customer cancelled gets none (the DELETE already told them), and an expired SMS
  ends as FAILED, as the platform documents, so EXPIRED never occurs;
* an MO SMS waits as DELIVERY ATTEMPT PENDING, shows BUFFERED with `retry_count` and
  `retry_date` while its forwarding is retried, DELIVERED once acknowledged and FAILED when
  given up; without a forwarding URL it is simply DELIVERED (stored by the platform).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from mockbsc.domain.access.models import Organisation
from mockbsc.domain.clock import Clock
from mockbsc.domain.errors import ConflictError, NotFoundError
from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.limits import SMS_MO
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import SimStatus
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.sms.encoding import concat_udh, split_parts
from mockbsc.domain.sms.outbox import (
    Attempt,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    WebhookDispatcher,
    WebhookMessage,
)
from mockbsc.domain.sms.records import AddressType, Sms, SmsCenter, SmsStatus, SmsType

REPORTED = (SmsStatus.DELIVERED, SmsStatus.FAILED)
DEFAULT_DEST_ADDRESS = "5432145"  # the guide's example b-party; the platform ignores it


class SmsForwarder:
    def __init__(self, lock: threading.RLock, clock: Clock, lookup: SimLookup,
                 center: SmsCenter, outbox: WebhookDispatcher, radio: RadioNetwork,
                 events: EventLog, org_of: Callable[[int], Organisation | None]) -> None:
        self._lock = lock
        self._clock = clock
        self._lookup = lookup
        self._center = center
        self._outbox = outbox
        self._radio = radio
        self._events = events
        self._org_of = org_of

    def set_url(self, org_id: int, url: str | None) -> str | None:
        """Point an organisation's forwarding at `url` (None: stop forwarding).

        Pending deliveries follow the new URL on their next attempt.

        Raises:
            NotFoundError: no such organisation.
        """
        with self._lock:
            org = self._org_of(org_id)
            if org is None:
                raise NotFoundError(f"organisation {org_id} not found")
            org.sms_forward_url = url
            return url

    def send_mo(self, iccid: str, payload: str, dcs: int = 0,
                dest_address: str | None = None) -> list[Sms]:
        """The device sends an SMS: split into parts if long, each listed on the SIM as MO,
        charged to the SMS quota and forwarded to the organisation's URL.

        Raises:
            NotFoundError: unknown ICCID.
            InvalidRequestError: characters outside the coding or too long even when split.
            ConflictError: the SIM is disabled, its device not attached, or no SMS left.
        """
        with self._lock:
            sim = self._lookup.any_org(iccid)
            parts = split_parts(payload, dcs)
            if sim.status is not SimStatus.ENABLED:
                raise ConflictError(f"SIM {iccid} is disabled and cannot send SMS")
            if not sim.device.attached:
                raise ConflictError(f"SIM {iccid} is not attached (attach it first)")
            if sim.sms_quota.volume < len(parts):
                raise ConflictError(f"SIM {iccid} has no SMS volume left for {len(parts)} SMS")
            now = self._clock.now()
            limits = self._radio.limits  # the organisation's self-set monthly MO-SMS limit
            left = limits.remaining(sim.org_id, iccid, SMS_MO, now.date()) if limits else None
            if limits is not None and left is not None and left < len(parts):
                raise ConflictError(f"SIM {iccid}: {limits.exceeded_message(sim.org_id, SMS_MO)}")
            center = self._center
            sent: list[Sms] = []
            for number, text in enumerate(parts, 1):
                sms_id = center.new_id()
                reference = sent[0].id if sent else sms_id
                sms = center.add(Sms(
                    id=sms_id, iccid=sim.iccid, msisdn=sim.msisdn, imsi=sim.imsi,
                    sms_type=SmsType.MO, status=SmsStatus.PENDING, submit_date=now,
                    expiry_date=now + timedelta(seconds=self._outbox.policy.window),
                    payload=text, dcs=dcs, source_address=sim.msisdn,
                    source_address_type=AddressType.INTERNATIONAL,
                    udh=concat_udh(reference, len(parts), number) if len(parts) > 1 else "",
                    msc=sim.device.network.sgsn_number,
                    dest_address=DEFAULT_DEST_ADDRESS if dest_address is None else dest_address,
                    part_no=number, parts=len(parts), reference=reference,
                ))
                sent.append(sms)
                if self._enqueue(DeliveryKind.MO, sms, sim.org_id, now) is None:
                    sms.status = SmsStatus.DELIVERED
                    sms.delivery_date = sms.final_date = now
            self._radio.charge_sms(sim, now, mo=len(parts))
            return sent

    def report(self, sms: Sms) -> None:
        """An MT SMS reached a final state: its delivery report goes to the organisation."""
        if sms.sms_type is SmsType.MT and sms.status in REPORTED:
            self._enqueue(DeliveryKind.DLR, sms, self._lookup.any_org(sms.iccid).org_id)

    def _enqueue(self, kind: DeliveryKind, sms: Sms, org_id: int,
                 now: datetime | None = None) -> Delivery | None:
        """Every retry must carry the same body. An MO message's body holds only what an MO
        SMS never changes after it is made (text, parts, addresses, submit date: `on_attempt`
        changes its status and dates alone), so the record itself is shared: a copy cost
        216 bytes per pending delivery. A delivery report shows the status, so it keeps a
        snapshot of the SMS as it was. An MO delivery is made at the moment its SMS was
        submitted (`now`), and shares that instant too (48 bytes)."""
        shown = sms if kind is DeliveryKind.MO else copy.copy(sms)
        message = WebhookMessage(kind, org_id, shown)
        return self._outbox.enqueue(message, self._clock.now() if now is None else now)

    def on_attempt(self, delivery: Delivery, attempt: Attempt) -> None:
        """Show the forwarding on the MO SMS; a given-up delivery raises an error event."""
        sms = self._center.find(delivery.message.sms.id)
        if delivery.kind is DeliveryKind.MO and sms is not None:
            sms.last_delivery_attempt = attempt.at
            sms.retry_count = len(delivery.attempts) - 1
            sms.retry_date = attempt.next_attempt
            if delivery.status is DeliveryStatus.DELIVERED:
                sms.status = SmsStatus.DELIVERED
                sms.delivery_date = sms.final_date = attempt.at
            elif delivery.status is DeliveryStatus.FAILED:
                sms.status, sms.final_date = SmsStatus.FAILED, attempt.at
            else:
                sms.status = SmsStatus.BUFFERED
        if delivery.status is DeliveryStatus.FAILED:
            sim = self._lookup.find(delivery.iccid)
            if sim is not None:
                what = "delivery report" if delivery.kind is DeliveryKind.DLR else "MO SMS"
                last = attempt.error or f"HTTP {attempt.status}"
                self._events.record(
                    sim, ev.SMS_FORWARDING_FAILED, attempt.at,
                    f"SMS forwarding failed: {what} of SMS {delivery.message.sms.id} not "
                    f"acknowledged by {attempt.url or 'any URL'} after {len(delivery.attempts)} "
                    f"attempts (last: {last}); given up",
                )
