"""Schemathesis runs against an in-process mockbsc on a manual clock, authenticated as demo."""

from __future__ import annotations
