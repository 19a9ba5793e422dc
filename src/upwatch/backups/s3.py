"""Backups under an S3 prefix, uploaded in parts from a finished file and listed by name."""

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from upwatch.backups.errors import BackupError, BackupNameTakenError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Failures of S3 itself, of the transfer manager (which wraps them), and of the local file.
_FAILURES = (BotoCoreError, ClientError, Boto3Error, OSError)
# 64 MiB parts: a 10 GB dump is 160 parts, well under S3's limit of 10,000.
PARTS_OF_64_MIB = TransferConfig(multipart_threshold=64 * 2**20, multipart_chunksize=64 * 2**20)


class S3Store:
    def __init__(
        self,
        client: "S3Client",
        bucket: str,
        prefix: str,
        *,
        transfer: TransferConfig = PARTS_OF_64_MIB,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.transfer = transfer

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None) -> "S3Store":
        parts = urlsplit(url)
        if not parts.netloc:
            raise BackupError(f"{url}: no bucket; write s3://bucket/prefix")
        prefix = parts.path.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        client = boto3.session.Session().client("s3", endpoint_url=endpoint_url)
        return cls(client, parts.netloc, prefix)

    def names(self) -> list[str]:
        found: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"
            )
            for page in pages:
                found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        except _FAILURES as exc:
            raise BackupError(f"cannot list {self.location()}: {exc}") from exc
        return sorted(found)

    def put(self, source: Path, name: str) -> None:
        if self._exists(name):
            raise BackupNameTakenError(self.location(name))
        # A multipart upload that fails is aborted by the transfer manager: S3 then shows no
        # object at all, never a part of one.
        try:
            self.client.upload_file(
                str(source), self.bucket, self.prefix + name, Config=self.transfer
            )
        except _FAILURES as exc:
            raise BackupError(f"cannot upload the backup to {self.location(name)}: {exc}") from exc

    def _exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
        except _FAILURES as exc:
            if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchKey",
                "NotFound",
            ):
                return False
            raise BackupError(f"cannot look for {self.location(name)}: {exc}") from exc
        return True

    def fetch(self, name: str, work_dir: Path) -> Path:
        target = work_dir / name
        try:
            self.client.download_file(
                self.bucket, self.prefix + name, str(target), Config=self.transfer
            )
        except _FAILURES as exc:
            raise BackupError(f"cannot download {self.location(name)}: {exc}") from exc
        return target

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
        except _FAILURES as exc:
            raise BackupError(f"cannot delete {self.location(name)}: {exc}") from exc

    def location(self, name: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"
