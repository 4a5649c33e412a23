"""Test infrastructure, not a production runtime.

A LocalStack Lambda runtime executor that runs Python functions as warm host processes
speaking the Lambda Runtime API through awslambdaric, for offline end-to-end tests.
"""
