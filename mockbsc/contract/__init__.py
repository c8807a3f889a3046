"""The OpenAPI contracts: loading them, validating requests against them, and the contract kit."""
