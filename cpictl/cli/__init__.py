"""Layer 5: thin typer commands. The one place that turns errors into messages and exit codes."""
