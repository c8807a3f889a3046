"""What users import in their tests: the pytest plugin, `MockBSCServer` and the webhook receiver."""
