"""Property-based testing of capexsim scenarios: strategies and invariant checks.

``sim.testing.strategies`` needs hypothesis (``pip install 'capexsim[testing]'``);
``sim.testing.invariants`` does not.
"""
