"""The probe context: one lazily opened HTTP session per context, closed with it."""

import ssl

from upwatch.probes.base import ProbeContext


async def test_the_http_session_is_created_once_and_closed_with_the_context() -> None:
    context = ProbeContext()
    session = context.http_session()

    assert context.http_session() is session
    await context.aclose()
    assert session.closed
    reopened = context.http_session()
    assert reopened is not session
    await context.aclose()


async def test_the_context_closes_its_session_when_used_as_a_context_manager() -> None:
    async with ProbeContext() as context:
        session = context.http_session()

    assert session.closed


async def test_closing_an_unused_context_is_harmless() -> None:
    await ProbeContext().aclose()


def test_the_verifying_context_is_the_given_trust_or_the_system_store() -> None:
    trust = ssl.create_default_context()

    assert ProbeContext(tls_trust=trust).verifying_tls_context() is trust
    system = ProbeContext().verifying_tls_context()
    assert system.verify_mode is ssl.CERT_REQUIRED
    assert system.check_hostname
