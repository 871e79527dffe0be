from __future__ import annotations

import typing
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

if typing.TYPE_CHECKING:
    import pandas


def client() -> S3Client:
    return boto3.client('s3')
