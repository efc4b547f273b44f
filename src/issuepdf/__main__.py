"""`python -m issuepdf` runs the command line."""

from .cli import main

main()
