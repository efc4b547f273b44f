"""The web edition: the issue as static, accessible web pages, with feeds and metadata (see docs/web.md)."""
