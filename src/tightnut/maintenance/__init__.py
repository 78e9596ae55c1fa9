"""Maintenance on time: programmes, the due engine, work orders and certified sign-off."""
