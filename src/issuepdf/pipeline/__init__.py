"""A checked issue into a PDF: transform, charts, render, typeset, the fidelity check, editions and the
atomic writes. Imports only `content`."""
