"""The editor's loop: start the next issue, watch and rebuild, preview pages, and the benchmark."""
