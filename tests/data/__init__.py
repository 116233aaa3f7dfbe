"""Test data shared across the suite."""
