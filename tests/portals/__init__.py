"""Simulated government portals on loopback, one per platform discovery knows."""
