"""`python -m app` runs the wheelhouse CLI."""

from app.cli import main

main()
