"""The bulletin's number marks, written once: what the layout prints, and what a Markdown or imported
article is read back from."""

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
"""The circled numbers: of `circled` numbered lists, and of level-2 headings."""
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv")
"""The numbers of `roman` numbered lists (past xv the list counts in digits)."""
