"""Reports: what a fleet manager would rather look at than read."""
