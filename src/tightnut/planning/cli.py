"""Placeholder until the planning CLI lands."""

import typer

network_app = typer.Typer(help="Service-network planning.")
