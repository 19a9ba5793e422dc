"""The probe context: its trust store, and closing it."""

import ssl

from upwatch.probes.base import ProbeContext


async def test_a_context_closes_harmlessly_used_or_not() -> None:
    async with ProbeContext() as context:
        assert context.verifying_tls_context().verify_mode is ssl.CERT_REQUIRED
    await context.aclose()


def test_the_verifying_context_is_the_given_trust_or_the_system_store() -> None:
    trust = ssl.create_default_context()

    assert ProbeContext(tls_trust=trust).verifying_tls_context() is trust
    system = ProbeContext().verifying_tls_context()
    assert system.verify_mode is ssl.CERT_REQUIRED
    assert system.check_hostname
