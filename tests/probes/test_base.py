"""The probe context: its trust store, its HTTP drivers, and closing it."""

import asyncio
import ssl
from pathlib import Path

from upwatch.probes.base import ProbeContext, TrustStore


async def test_a_context_closes_harmlessly_used_or_not() -> None:
    async with ProbeContext() as context:
        assert context.verifying_tls_context().verify_mode is ssl.CERT_REQUIRED
    await context.aclose()


async def test_each_event_loop_gets_one_driver_until_the_context_closes() -> None:
    async with ProbeContext() as context:
        driver = context.http_driver()
        assert context.http_driver() is driver
    async with context:
        assert context.http_driver() is not driver


def test_drivers_of_other_loops_are_kept_apart() -> None:
    context = ProbeContext()

    async def driver_id() -> int:
        return id(context.http_driver())

    first = asyncio.run(driver_id())
    second = asyncio.run(driver_id())
    asyncio.run(context.aclose())

    assert first != second


def test_the_trust_store_is_the_given_bundle_or_the_system_store(ca_file: Path) -> None:
    system = ProbeContext().trust_store()

    assert ProbeContext(tls_trust=ca_file).trust_store() == TrustStore(str(ca_file), None)
    assert system.cafile or system.capath


def test_the_verifying_context_trusts_the_given_bundle_or_the_system_store(
    ca_file: Path,
) -> None:
    private = ProbeContext(tls_trust=ca_file).verifying_tls_context()
    system = ProbeContext().verifying_tls_context()

    assert private.get_ca_certs()
    assert private is not system
    assert (system.verify_mode, system.check_hostname) == (ssl.CERT_REQUIRED, True)
