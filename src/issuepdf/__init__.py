"""issuepdf: typeset a numbered issue of 주간 중국 창업 from YAML into a print-ready PDF."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("issuepdf")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
