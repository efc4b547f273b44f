"""issuepdf: typeset a numbered issue of 주간 중국 창업 from YAML into a print-ready PDF."""

__version__ = "0.1.0"
"""The one place the version is written (pyproject reads it from here); printed by --version and in PDFs."""
