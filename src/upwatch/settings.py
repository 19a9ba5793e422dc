"""All of Upwatch's settings, read from ``UPWATCH_*`` environment variables."""

from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from upwatch.domain.state import FlapPolicy
from upwatch.domain.targets import TargetPolicy
from upwatch.store.urls import to_async_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPWATCH_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where `serve` keeps its SQLite database.")
    database_url: str | None = Field(
        None, description="Database URL; default is a SQLite file in the data dir."
    )
    database_password: SecretStr | None = Field(
        None,
        description="Password for a database URL that carries none (an ECS secret, kept out of "
        "the URL in plain environment).",
    )
    broker_url: str | None = Field(
        None,
        description="Celery broker for the fleet roles: redis://, amqp:// or sqs://; "
        "unset means everything runs in one process (`serve`).",
    )
    sqs_region: str = Field("us-east-1", description="AWS region of the SQS queues.")
    sqs_queue_prefix: str = Field("upwatch-", description="Prefix of the SQS queue names.")
    sqs_queue_url_prefix: str | None = Field(
        None,
        description="The SQS queues' URL up to their names (https://sqs.REGION.amazonaws.com/"
        "ACCOUNT/): queue Q is then used at this + UPWATCH_SQS_QUEUE_PREFIX + Q, and queues "
        "are never listed or created (no sqs:ListQueues or sqs:CreateQueue needed).",
    )
    broker_visibility_timeout: int = Field(
        300,
        ge=10,
        description="Seconds before an unacknowledged message is delivered again (Redis, SQS); "
        "must exceed the longest batch.",
    )
    worker_concurrency: int = Field(
        2, ge=1, le=64, description="Worker processes per `upwatch worker`."
    )
    api_workers: int = Field(1, ge=1, le=64, description="HTTP server processes per `upwatch api`.")
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP server listens on.")
    public_url: str | None = Field(
        None, description="Base URL users reach Upwatch at; used for ping URLs."
    )
    allow_private_targets: bool = Field(
        True, description="Allow monitors to target loopback and private addresses."
    )
    allowed_target_cidrs: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Private ranges allowed even when private targets are disallowed.",
    )
    max_in_flight_probes: int = Field(
        500, ge=1, description="Upper bound on probes running at once in one runner."
    )
    dispatch_batch_size: int = Field(200, ge=1, description="Checks per dispatched batch.")
    scheduler_tick_seconds: float = Field(
        1.0, gt=0, le=60, description="Longest sleep of the scheduler between claims."
    )
    flap_threshold: int = Field(
        5, ge=2, description="Status changes within the flap window that mark flapping."
    )
    flap_window_seconds: int = Field(
        600, ge=60, description="Window in which status changes count towards flapping."
    )
    alert_group_wait_seconds: float = Field(
        30,
        ge=0,
        le=600,
        description="How long an outage or recovery alert waits for others to the same channel, "
        "so that a mass outage arrives as one grouped message; 0 sends each at once.",
    )
    max_request_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body the HTTP server accepts."
    )
    status_page_cache_seconds: float = Field(
        30,
        ge=0,
        le=3600,
        description="How long public status pages, their JSON and badges are served from "
        "memory (and may be cached by browsers and CDNs); 0 renders every request.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key that seals channel secrets; default is a key made once in the data dir.",
    )
    secure_cookies: bool | None = Field(
        None,
        description="Mark dashboard cookies Secure; default: when the request or the public URL "
        "is https.",
    )
    session_hours: int = Field(
        12, ge=1, le=720, description="How long a dashboard sign-in lasts, in hours."
    )
    smtp_host: str = Field("localhost", description="SMTP server for e-mail channels.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    smtp_username: str | None = Field(None, description="SMTP user, if the server needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_use_tls: bool = Field(False, description="Speak TLS from the first byte (port 465).")
    smtp_from: str = Field("upwatch@localhost", description="Sender address of e-mails.")
    sns_endpoint_url: str | None = Field(
        None, description="Another SNS endpoint than AWS's (a local emulator)."
    )
    s3_endpoint_url: str | None = Field(
        None, description="Another S3 endpoint than AWS's for backups (a local emulator)."
    )
    # At most a century: "keep forever" written as 999999 days reaches before year 1, where
    # the prune's cutoff (now minus the retention) cannot be computed at all.
    raw_retention_days: int = Field(
        30,
        ge=1,
        le=36_500,
        description="Days raw check results, pings and sent deliveries are kept.",
    )
    hourly_rollup_retention_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="Days hourly rollups are kept; daily rollups are kept forever.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = Field(
        "json", description="`json` lines for machines (CloudWatch), `console` for people."
    )
    log_file: Path | None = Field(
        None,
        description="`serve` also writes JSON lines to this file, rotated at midnight UTC; "
        "unset means no file.",
    )
    log_file_keep_days: int = Field(
        7, ge=1, le=366, description="Rotated daily log files kept beside UPWATCH_LOG_FILE."
    )

    @field_validator("allowed_target_cidrs", mode="before")
    @classmethod
    def _split_cidrs(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("sqs_queue_url_prefix")
    @classmethod
    def _queue_url_prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be the queues' URL up to their names, https://…/ACCOUNT/")
        return value if value.endswith("/") else f"{value}/"

    @property
    def async_database_url(self) -> str:
        if self.database_url:
            url = make_url(to_async_url(self.database_url))
            if self.database_password is not None and url.password is None:
                url = url.set(password=self.database_password.get_secret_value())
            return url.render_as_string(hide_password=False)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'upwatch.db').resolve()}"

    @property
    def base_url(self) -> str:
        """Where people reach this Upwatch: for ping URLs and links in alerts."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def target_policy(self) -> TargetPolicy:
        return TargetPolicy(
            allow_private=self.allow_private_targets,
            allowed_networks=tuple(self.allowed_target_cidrs),
        )

    @property
    def flap_policy(self) -> FlapPolicy:
        return FlapPolicy(
            threshold=self.flap_threshold, window=timedelta(seconds=self.flap_window_seconds)
        )

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
