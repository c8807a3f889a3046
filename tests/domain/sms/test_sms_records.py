"""A delivery report keeps `copy.copy(sms)`, a snapshot: `Sms.__copy__` copies every field
(it is written by hand, faster than the generic copy of a slots dataclass)."""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import timedelta

from mockbsc.domain.clock import DEFAULT_EPOCH
from mockbsc.domain.sms.records import AddressType, Sms, SmsStatus, SmsType


def test_a_copy_of_an_sms_has_every_field_and_does_not_follow_the_original() -> None:
    sms = Sms(id=7, iccid="8988280666000000001", msisdn="882285100000001",
              imsi="901405100000001", sms_type=SmsType.MT, status=SmsStatus.PENDING,
              submit_date=DEFAULT_EPOCH, expiry_date=DEFAULT_EPOCH + timedelta(days=1),
              payload="hello", dcs=0, source_address="1234",
              source_address_type=AddressType.NATIONAL, udh="050003010201",
              retry_count=2, msc="491720000", dest_address="882285100000002", part_no=1,
              parts=2, reference=7)
    shown = copy.copy(sms)
    assert shown is not sms
    assert [getattr(shown, f.name) for f in fields(Sms)] == [
        getattr(sms, f.name) for f in fields(Sms)]
    sms.status = SmsStatus.DELIVERED
    sms.delivery_date = DEFAULT_EPOCH + timedelta(seconds=3)
    assert shown.status is SmsStatus.PENDING
    assert shown.delivery_date is None
