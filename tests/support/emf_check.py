"""The rules of AWS's "Specification: Embedded metric format" (CloudWatch user guide), as a check.

Stated in our own terms: a JSON schema for the shape, and by hand the rules a schema cannot express
(references from the directive to members of the root, their value types, the size). Shared by the
handler's unit tests and the end-to-end check of the lines LocalStack received.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema

# The units CloudWatch accepts for a metric (MetricDatum's StandardUnit), as the spec's schema
# lists them.
UNITS = [
    *("Seconds", "Microseconds", "Milliseconds", "Percent", "Count", "None"),
    *(
        f"{size}{per}"
        for size in ("Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes")
        for per in ("", "/Second")
    ),
    *(
        f"{size}{per}"
        for size in ("Bits", "Kilobits", "Megabits", "Gigabits", "Terabits")
        for per in ("", "/Second")
    ),
    "Count/Second",
]
NAME = {"type": "string", "minLength": 1, "maxLength": 255}
EMF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "properties": {
                            "Namespace": NAME,
                            "Dimensions": {
                                "type": "array",
                                "minItems": 1,
                                # A DimensionSet: up to 9 keys in the schema AWS publishes with
                                # the spec (later text allows 30); the stricter holds for both.
                                "items": {"type": "array", "maxItems": 9, "items": NAME},
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": NAME,
                                        "Unit": {"enum": UNITS},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}
MAX_EVENT_BYTES = 256 * 1024  # an EMF document has the limit of one CloudWatch Logs event
DAY_MS = 24 * 3600 * 1000


def emf_problems(text: str) -> list[str]:
    """What makes the log line ``text`` no valid EMF document; empty when it is one."""
    if len(text.encode()) > MAX_EVENT_BYTES:
        return [f"line is {len(text.encode())} bytes, over the {MAX_EVENT_BYTES} of a log event"]
    try:
        document = json.loads(text)  # a JSON object, with nothing before or after it
    except ValueError as error:
        return [f"line is not one JSON value: {error}"]
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or 'root'}: {e.message}"
        for e in jsonschema.Draft202012Validator(EMF_SCHEMA).iter_errors(document)
    ]
    if problems:
        return problems
    # Milliseconds since the epoch: a seconds value would land in 1970.
    if abs(document["_aws"]["Timestamp"] - time.time() * 1000) > DAY_MS:
        problems.append(f"Timestamp {document['_aws']['Timestamp']} is not milliseconds of today")
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                # A dimension target: a member of the root (never nested) with a string value.
                if not isinstance(document.get(key), str):
                    problems.append(f"dimension {key!r} is {document.get(key)!r}, not a string")
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            # A metric target: a number, or an array of at most 100 numbers (JSON true is none).
            values = value if isinstance(value, list) else [value]
            if len(values) > 100 or not all(_is_number(v) for v in values):
                problems.append(f"metric {metric['Name']!r} is {value!r}, not a number")
    return problems


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
