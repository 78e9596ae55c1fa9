"""Errors the planner raises for input it cannot plan with."""

from __future__ import annotations


class PlanningError(ValueError):
    """Input the planner cannot turn into a correct plan; the message says what is wrong."""


class OrlibFormatError(PlanningError):
    """An OR-Library file that cannot be read; the message names the file, line and reason."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}, line {line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


class InfeasibleError(PlanningError):
    """A model with no feasible plan, such as capacities below total demand."""
