"""The one exception tree of Upwatch; third-party exceptions are translated where they enter."""

from dataclasses import dataclass


class UpwatchError(Exception):
    """Base of every error Upwatch raises on purpose."""


class ConfigurationError(UpwatchError):
    """Settings or a configuration file are invalid."""


class NotFoundError(UpwatchError):
    """A requested object does not exist."""


class StoreUnavailableError(UpwatchError):
    """The database did not answer; the caller may queue the work and try later."""


class TargetRefusedError(UpwatchError):
    """A monitor target resolves to an address Upwatch must not contact."""


class ValidationFailedError(UpwatchError):
    """Input failed validation; carries field-level problems."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One problem in a configuration file, at a 1-based line.

    ``field`` is a path like ``monitors[1].interval``, or ``None`` when no one field is at fault.
    """

    file: str
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        subject = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}: {subject}{self.message}"


class MonitorFileError(ConfigurationError):
    """A monitors file is invalid; carries every problem found, one line each in the message."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
