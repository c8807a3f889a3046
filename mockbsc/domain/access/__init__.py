"""Organisations, API users, OAuth tokens and the platform's rate limits."""
