"""Synthetic CloudTrail records for testing monitoring patterns semantically.

:func:`cloudtrail_record` builds a management-event record in the shape CloudTrail delivers it
to CloudWatch Logs (one JSON object per log event); :func:`eventbridge_event` wraps a record in
the envelope EventBridge delivers for "AWS API Call via CloudTrail" events. Values are
realistic but fixed (account 111122223333, us-east-1, one example key), so tests are repeatable.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Optional

__all__ = [
    "ACCOUNT_ID",
    "KEY_ARN",
    "KMS_SOURCE",
    "PENDING_DELETION_ERROR_CODE",
    "REGION",
    "cloudtrail_record",
    "eventbridge_event",
    "pending_deletion_message",
    "pending_deletion_record",
]

ACCOUNT_ID = "111122223333"
REGION = "us-east-1"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{KEY_ID}"
KMS_SOURCE = "kms.amazonaws.com"
PENDING_DELETION_ERROR_CODE = "KMSInvalidStateException"
EVENTBRIDGE_DETAIL_TYPE = "AWS API Call via CloudTrail"

# KMS operations whose CloudTrail records carry readOnly: true.
_READ_ONLY = frozenset(
    {"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt",
     "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListKeys", "ListAliases", "Sign", "Verify"}
)

_USER_IDENTITY: Mapping[str, Any] = {
    "type": "IAMUser",
    "principalId": "AIDACKCEVSQ6C2EXAMPLE",
    "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/Alice",
    "accountId": ACCOUNT_ID,
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "Alice",
}


def pending_deletion_message(key_arn: str = KEY_ARN) -> str:
    """The errorMessage KMS records for a request against a key pending deletion."""
    return f"{key_arn} is pending deletion."


def _request_parameters(event_name: str) -> dict[str, Any]:
    if event_name == "ScheduleKeyDeletion":
        return {"keyId": KEY_ID, "pendingWindowInDays": 30}
    if event_name in ("Decrypt", "Encrypt", "GenerateDataKey", "ReEncrypt"):
        return {"keyId": KEY_ARN, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    return {"keyId": KEY_ID}


def _response_elements(event_name: str, failed: bool) -> Optional[dict[str, Any]]:
    if failed:
        return None
    if event_name == "ScheduleKeyDeletion":
        return {
            "keyId": KEY_ARN,
            "deletionDate": "Jan 31, 2025, 12:00:00 AM",
            "keyState": "PendingDeletion",
            "pendingWindowInDays": 30,
        }
    return None


def cloudtrail_record(
    event_name: str,
    event_source: str = KMS_SOURCE,
    error_code: Optional[str] = None,
    error_message: Optional[str] = None,
) -> dict[str, Any]:
    """A CloudTrail management event for ``event_name`` from ``event_source``, as CloudWatch
    Logs receives it. ``errorCode`` / ``errorMessage`` are present only when given."""
    failed = error_code is not None or error_message is not None
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": copy.deepcopy(dict(_USER_IDENTITY)),
        "eventTime": "2025-01-01T00:00:00Z",
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": REGION,
        "sourceIPAddress": "192.0.2.0",
        "userAgent": "aws-cli/2.15.0",
    }
    if error_code is not None:
        record["errorCode"] = error_code
    if error_message is not None:
        record["errorMessage"] = error_message
    record.update(
        {
            "requestParameters": _request_parameters(event_name),
            "responseElements": _response_elements(event_name, failed),
            "requestID": "f3c7a1b2-0000-4000-8000-000000000001",
            "eventID": "0a1b2c3d-0000-4000-8000-000000000002",
            "readOnly": event_name in _READ_ONLY,
            "resources": [{"accountId": ACCOUNT_ID, "type": "AWS::KMS::Key", "ARN": KEY_ARN}],
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT_ID,
            "eventCategory": "Management",
        }
    )
    return record


def pending_deletion_record(event_name: str = "Decrypt", event_source: str = KMS_SOURCE) -> dict[str, Any]:
    """A request that used a KMS key pending deletion (what KMS007's alarm must catch)."""
    return cloudtrail_record(
        event_name,
        event_source,
        error_code=PENDING_DELETION_ERROR_CODE,
        error_message=pending_deletion_message(),
    )


def eventbridge_source(event_source: str) -> str:
    """EventBridge's ``source`` for a CloudTrail ``eventSource``: kms.amazonaws.com -> aws.kms."""
    service = event_source.split(".", 1)[0]
    return f"aws.{service}"


def eventbridge_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """The EventBridge event that carries CloudTrail ``record`` as its ``detail``."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": EVENTBRIDGE_DETAIL_TYPE,
        "source": eventbridge_source(str(record.get("eventSource", ""))),
        "account": ACCOUNT_ID,
        "time": str(record.get("eventTime", "2025-01-01T00:00:00Z")),
        "region": str(record.get("awsRegion", REGION)),
        "resources": [],
        "detail": copy.deepcopy(dict(record)),
    }
