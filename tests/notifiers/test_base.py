"""The context every notifier is handed."""

from upwatch.notifiers.base import NotifyContext, SmtpOptions


async def test_one_lazy_http_session_closed_with_the_context() -> None:
    async with NotifyContext() as context:
        session = context.http_session()
        assert context.http_session() is session

    assert session.closed
    async with context:
        reopened = context.http_session()
        assert reopened is not session
        assert not reopened.closed
    assert reopened.closed


def test_the_smtp_password_stays_out_of_reprs() -> None:
    options = SmtpOptions(username="mailer", password="hunter2-but-longer")

    assert "hunter2" not in repr(options)
    assert "hunter2" not in repr(NotifyContext(smtp=options))
