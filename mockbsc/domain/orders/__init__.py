"""Products, SIM orders that progress over time, and top-ups (which are orders too)."""
