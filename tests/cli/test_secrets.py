"""A password is never printed, whatever the URL looks like (issue 12.2)."""

from __future__ import annotations

import pytest

from workbench.store.engine import describe


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:S3c/retPW@host:abc/db",
        "postgresql://u:S3c@retPW@host:abc/db",
        "postgresql://u@host/db?password=S3c/retPW",
        "postgresql://u@host/db?sslmode=require&PASSWORD=S3cretPW",
    ],
)
def test_describe_hides_every_piece_of_the_password(url: str) -> None:
    shown = describe(url)
    secret = "S3c/retPW" if "/" in url.split("@")[0] + url.split("password=")[-1] else "S3cretPW"
    pieces = {secret[i : i + 3] for i in range(len(secret) - 2)} | {"ret", "tPW"}
    assert not [p for p in pieces if p in shown], shown


@pytest.mark.parametrize(
    "driver_message",
    [
        "database or disk is full",
        'could not extend file "base/16384/2619": No space left on device',
    ],
)
def test_a_full_disk_says_disk_full(driver_message: str) -> None:
    from sqlalchemy import exc as sa_exc

    from workbench.store.engine import translate

    error = sa_exc.OperationalError("INSERT", {}, Exception(driver_message))
    message = str(translate(error, "labels/workbench.db"))
    assert message.startswith("labels/workbench.db: disk full")
    assert "I/O" not in message
