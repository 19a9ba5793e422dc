"""The one exception tree of Upwatch; third-party exceptions are translated where they enter."""


class UpwatchError(Exception):
    """Base of every error Upwatch raises on purpose."""


class ConfigurationError(UpwatchError):
    """Settings or a configuration file are invalid."""


class NotFoundError(UpwatchError):
    """A requested object does not exist."""


class TargetRefusedError(UpwatchError):
    """A monitor target resolves to an address Upwatch must not contact."""


class ValidationFailedError(UpwatchError):
    """Input failed validation; carries field-level problems."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
