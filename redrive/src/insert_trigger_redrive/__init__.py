"""Redrive the inserts a DynamoDB stream mapping failed to process, through the same function."""

from insert_trigger_redrive.aws import Clients, aws_clients
from insert_trigger_redrive.core import Outcome, RedriveError, Summary, find_mapping, redrive

# The module's version (VERSION, at the repository root); redrive/pyproject.toml reads it from here
# and tests/test_versions.py holds the two equal.
__version__ = "0.2.0"

__all__ = [
    "Clients",
    "Outcome",
    "RedriveError",
    "Summary",
    "aws_clients",
    "find_mapping",
    "redrive",
]
