"""Fault rules: calls made to fail, slow down or lose their connection on demand."""
