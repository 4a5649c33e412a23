"""Process the items INSERTed into a DynamoDB table, one stream batch at a time."""

from insert_trigger.handler import lambda_handler
from insert_trigger.image import ImageError, deserialize_image

__all__ = ["ImageError", "deserialize_image", "lambda_handler"]
