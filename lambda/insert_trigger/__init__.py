"""Process the items INSERTed into a DynamoDB table, one stream batch at a time."""

from insert_trigger.handler import lambda_handler, process_inserts
from insert_trigger.image import ImageError, deserialize_image

__version__ = "0.2.0"  # the module's version; lambda/pyproject.toml reads it from here

__all__ = ["ImageError", "deserialize_image", "lambda_handler", "process_inserts"]
