"""mockbsc's benchmark suite: `python -m benchmarks` prints every figure of issue 5 with its target.

Each module measures one group of figures and returns `Figure`s; `run.py` prints the table.
Nothing here is imported by mockbsc itself, and no test asserts on timings.
"""
