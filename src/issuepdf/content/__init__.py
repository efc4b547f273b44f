"""What an issue is, and how it is read and checked: the model, the YAML loader with positions, validation,
settings, the chart theme, and the text rules (Markdown, Korean line breaking) a check shares with the layout.
Imports nothing else of issuepdf."""
