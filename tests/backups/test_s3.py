"""Backups under an S3 prefix, against moto's server on 127.0.0.1."""

import os
import uuid
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from boto3.s3.transfer import TransferConfig

from tests.backups.conftest import T0, Database, upwatch
from upwatch.backups.errors import BackupError
from upwatch.backups.naming import Engine, backup_name
from upwatch.backups.s3 import S3Store
from upwatch.backups.service import create_backup

FOREIGN = ["backups/README.txt", "backups/nested/upwatch-20200101T000000Z-sqlite.db", "other.db"]


@pytest.fixture
def bucket(moto_server: str) -> str:
    """A bucket of its own (moto keeps one state per process) holding objects not ours."""
    name = f"archive-{uuid.uuid4().hex[:8]}"
    client = boto3.session.Session().client("s3", endpoint_url=moto_server)
    client.create_bucket(Bucket=name)
    for key in FOREIGN:
        client.put_object(Bucket=name, Key=key, Body=b"not ours")
    return name


def _keys(moto_server: str, bucket: str) -> list[str]:
    client = boto3.session.Session().client("s3", endpoint_url=moto_server)
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"])


def test_backup_rotate_and_restore_through_s3(
    sqlite_database: Database, moto_server: str, bucket: str
) -> None:
    sqlite_database.add_monitors(2)
    before = sqlite_database.snapshot()
    for day in range(3):
        create_backup(
            database_url=sqlite_database.async_url,
            destination=f"s3://{bucket}/backups",
            keep=2,
            now=T0 + timedelta(days=day),
            s3_endpoint_url=moto_server,
        )
    newest = [f"backups/{backup_name(Engine.SQLITE, T0 + timedelta(days=d))}" for d in (1, 2)]
    assert _keys(moto_server, bucket) == sorted([*FOREIGN, *newest])

    sqlite_database.wipe()
    restored = upwatch(
        sqlite_database, "restore", f"s3://{bucket}/backups/", UPWATCH_S3_ENDPOINT_URL=moto_server
    )
    assert restored.returncode == 0, restored.stderr
    assert f"restored s3://{bucket}/{newest[-1]} into" in restored.stdout
    assert sqlite_database.snapshot() == before

    made = upwatch(
        sqlite_database,
        "backup",
        "--to",
        f"s3://{bucket}/backups",
        UPWATCH_S3_ENDPOINT_URL=moto_server,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backup written to s3://{bucket}/backups/upwatch-")
    assert len(_keys(moto_server, bucket)) == len(FOREIGN) + 3  # --keep 7 by default


def test_large_backups_go_up_in_parts_and_come_back_whole(
    moto_server: str, bucket: str, tmp_path: Path
) -> None:
    client = boto3.session.Session().client("s3", endpoint_url=moto_server)
    parts = TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20)
    store = S3Store(client, bucket, "backups/", transfer=parts)
    content = os.urandom(12 * 2**20)
    (tmp_path / "dump").write_bytes(content)
    name = backup_name(Engine.POSTGRESQL, T0)

    store.put(tmp_path / "dump", name)

    head = client.head_object(Bucket=bucket, Key=f"backups/{name}")
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    (tmp_path / "back").mkdir()
    assert store.fetch(name, tmp_path / "back").read_bytes() == content


def test_a_failed_upload_leaves_no_object_and_says_why(
    sqlite_database: Database, moto_server: str, bucket: str
) -> None:
    with pytest.raises(BackupError, match="cannot upload the backup to s3://no-such-bucket/b/"):
        create_backup(
            database_url=sqlite_database.async_url,
            destination="s3://no-such-bucket/b",
            keep=7,
            now=T0,
            s3_endpoint_url=moto_server,
        )
    assert _keys(moto_server, bucket) == sorted(FOREIGN)


def test_a_second_backup_in_the_same_second_replaces_nothing(
    sqlite_database: Database, moto_server: str, bucket: str
) -> None:
    def backup() -> None:
        create_backup(
            database_url=sqlite_database.async_url,
            destination=f"s3://{bucket}/backups",
            keep=7,
            now=T0,
            s3_endpoint_url=moto_server,
        )

    backup()
    key = f"backups/{backup_name(Engine.SQLITE, T0)}"
    client = boto3.session.Session().client("s3", endpoint_url=moto_server)
    first = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    sqlite_database.add_monitors(1)

    with pytest.raises(BackupError, match="already exists \\(a backup made in the same second\\)"):
        backup()

    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == first
