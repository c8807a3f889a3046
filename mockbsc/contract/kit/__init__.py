"""The contract-test kit: `mockbsc contract` (schemathesis against any BSC-compatible server)
and `mockbsc contract diff` (mockbsc's contract against another api-docs document)."""
