"""The outside world: the webhook HTTP sender, the state file, the fixtures file and the cache."""
