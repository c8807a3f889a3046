"""The HTTP layer: Starlette routes built from the contracts, thin handlers, wire formats."""
