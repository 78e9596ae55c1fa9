"""Tightnut: keeps machinery fleets serviced well and on time."""
