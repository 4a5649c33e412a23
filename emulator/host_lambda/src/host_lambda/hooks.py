"""Test infrastructure: keep LocalStack's scratch files under TMPDIR, a project directory.

LocalStack's S3 (which Lambda uses to keep function code) hard-codes /tmp/localstack-s3-storage;
every other scratch path already follows TMPDIR.
"""

from __future__ import annotations

import os
import tempfile

from localstack.runtime import hooks


@hooks.on_infra_start()  # type: ignore[untyped-decorator]  # LocalStack is untyped here
def s3_storage_under_tmpdir() -> None:
    """Point S3's ephemeral object store at $TMPDIR before the S3 provider is created."""
    from localstack.services.s3 import provider  # noqa: PLC0415  (only when LocalStack starts)

    provider.DEFAULT_S3_TMP_DIR = os.path.join(tempfile.gettempdir(), "localstack-s3-storage")
