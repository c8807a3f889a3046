"""`SimLifecycle.attach_device` without a data session: the device registers, no PDP context
opens (an SMS-only or NB-IoT modem)."""

from __future__ import annotations

from mockbsc.domain.platform import Emulator


def test_attaching_without_a_session_registers_the_device_only(emulator: Emulator,
                                                                iccid: str) -> None:
    sim = emulator.detach(iccid)
    emulator.lifecycle.attach_device(sim, with_session=False)
    assert (sim.device.attached, sim.device.online, sim.device.session_started) == (
        True, False, None)
    kinds = [e.event_type for e in emulator.events.of(iccid, emulator.now())]
    assert kinds[-2:] == ["Update location", "Update GPRS location"]
