"""`python -m builder` runs the wheelhouse CLI."""

from builder.cli import main

main()
