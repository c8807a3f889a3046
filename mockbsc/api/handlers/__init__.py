"""Thin handlers, one module per resource: parse the validated call, call the domain, serialize."""
