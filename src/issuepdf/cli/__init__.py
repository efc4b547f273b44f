"""The command line: parse arguments, call one function, print its outcome. No logic here.

`app.py` holds the `issuepdf` group; the commands are in one module per audience, imported here so that
they register with it.
"""

from . import archive, editor, mail, pipeline  # noqa: F401  (each registers its commands)
from .app import main

__all__ = ["main"]
