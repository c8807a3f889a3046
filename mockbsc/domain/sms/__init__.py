"""SMS: the SMS centre (MT and MO), the forwarder, its outbox and the retry schedule."""
