"""Keeping every issue for good: storing editions with a manifest, the catalog and its search, verifying,
the archive page, and extracting an archive edition's files."""
