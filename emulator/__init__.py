"""Test infrastructure: the offline LocalStack (scripts, executor) and the helpers that use it."""
