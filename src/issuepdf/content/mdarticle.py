"""A Markdown article (`.md`): YAML front matter for the article's keys, then its body in Markdown.

The reader gives exactly what a YAML article gives (`Loaded`: plain data and the `file:line:col` of every
key path), so validation, the fidelity check and the archive need no second path. Each top-level
Markdown block becomes one body block:

- a paragraph → a paragraph (its Markdown source, lines joined by a space, as YAML folds them);
- `#`, `##`, `###` → a heading of level 1, 2, 3;
- a paragraph starting `▶…: ` → a run-in lead (`lead` through the colon, then `text`);
- `- item` lines → a list with `•`; lines starting `○ `, `⬧ `, `• ` or `▶ ` → a list with that marker;
- `1.` / `1)` lists → numbered `decimal` / `paren`; lines `i. ii. …` → `roman`, `① ② …` → `circled`;
- a paragraph that is one image, `![caption](images/x.jpg "출처")` → a photo (its caption is also its alt text);
- a pipe table → a table (its first row the header; `:--` `:-:` `--:` the alignment);
- a fenced directive, ```` ```{chart} charts/x.yaml ```` … ```` ``` ````, → the block named in braces;
  its body is that block's YAML (the argument after the braces, if any, is the naming key's value),
  or, when the body is a list or a text, the naming key's value. ```` ```{text} ```` is a paragraph.

Anything else (quotes, code, rules, nested lists) is reported where it stands, never dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .numbering import CIRCLED, ROMAN
from .problems import Position, Problems
from .yamlfile import MAX_DEPTH, Budget, KeyPath, Loaded, Spot, TooLarge, parse_yaml, read_text

MARKDOWN_SUFFIXES = (".md", ".markdown")
"""The file names read as Markdown articles."""
BULLETS = ("○", "⬧", "•", "▶")
"""The bulletin's list markers that a line may start with (a Markdown `-` list prints `•`)."""
DIRECTIVE = re.compile(r"\{(?P<name>[A-Za-z_][\w-]*)\}\s*(?P<arg>.*)")
"""The info string of a directive fence: `{chart} charts/regions.yaml`."""
PHOTO = re.compile(r'!\[(?P<caption>(?:[^\]\\]|\\.)*)\]\((?P<photo>[^\s()]+)(?:\s+"(?P<source>(?:[^"\\]|\\.)*)")?\)')
"""A photo paragraph: `![caption](images/x.jpg "출처")`."""
LEAD = re.compile(r"(?P<lead>▶[^\n:]*:)\s+(?P<text>\S.*)", re.DOTALL)
"""A run-in lead: `▶산업분포: 새로 진입한 …`."""
YEAR = 1000
"""A `1.` list starting at this number or later is a paragraph opening with a year (`2021. 12. 22. …`)."""
LINE_END = re.compile(r"\r\n|\r|\n")
"""Markdown's line ends. `str.splitlines` also ends a line at form feeds, U+2028 and other controls: a
paragraph holding one was cut in two there without a word, and every line after it was misnumbered."""

_markdown = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_DEPTH}).enable("table").disable("inline")
"""Blocks only: the inline Markdown of each text is read once, by the check and the render, as for YAML."""


def load_markdown(path: Path, problems: Problems, budget: Budget | None = None) -> Loaded | None:
    """Load one Markdown article file; on any problem, record it and return None (or partial data)."""
    text = read_text(path, problems)
    return None if text is None else parse_markdown(text, path, problems, budget or Budget())


def parse_markdown(text: str, path: Path, problems: Problems, budget: Budget) -> Loaded | None:
    """A Markdown article's text as the data and positions a YAML article would give."""
    lines = _lines(text)
    if not lines or lines[0].strip() != "---":
        problems.add(
            Position(path, 1, 1), "", "a Markdown article starts with its front matter: '---', 'title: …', '---'"
        )
        return None
    end = next((n for n in range(1, len(lines)) if lines[n].strip() in ("---", "...")), None)
    if end is None:
        problems.add(Position(path, 1, 1), "", "the front matter has no closing '---' line")
        return None
    front = parse_yaml("\n".join(lines[1:end]), path, problems, budget, first_line=2)
    if front is None:
        return None
    if not isinstance(front.data, dict):
        problems.add(Position(path, 2, 1), "", "the front matter must be 'key: value' lines (title: …)")
        return None
    if "body" in front.data:
        problems.add(front.position(("body",), key=True), "body", "the body is the Markdown after the front matter")
        return None
    reader = _Reader(path, lines, end + 1, problems, budget)
    try:
        env: dict[str, Any] = {}
        body = reader.blocks(_markdown.parse("\n".join(lines[end + 1 :]), env))
        reader.definitions(env.get("references", {}))
    except TooLarge as err:
        problems.add(Position(path), "", str(err))
        return None
    loaded = Loaded({**front.data, "body": body}, dict(front.spots))
    loaded.spots[("body",)] = Spot(Position(path, min(end + 2, len(lines)), 1))
    loaded.spots.update(reader.spots)
    loaded.broken |= reader.broken
    return loaded


DELIMITER_ROW = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?")
"""The row under a pipe table's header: `|---|:-:|`."""


def _unread_table(lines: list[str]) -> tuple[int, int] | None:
    """A paragraph that looks like a pipe table Markdown did not read as one (its header and the row
    under it differ in cells): the two counts, or None."""
    if len(lines) < 2 or "|" not in lines[0] or "|" not in lines[1] or not DELIMITER_ROW.fullmatch(lines[1].strip()):
        return None
    return _cells(lines[0]), _cells(lines[1])


def _cells(row: str) -> int:
    """How many cells GFM splits a table row into: at every | not escaped, outer ones aside."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return len(re.split(r"(?<!\\)\|", row))


def _lines(text: str) -> list[str]:
    """The lines of a text, split at Markdown's line ends only (a last line end starts no line)."""
    lines = LINE_END.split(text)
    return lines[:-1] if lines and not lines[-1] else lines


class _Reader:
    """Turns the top-level Markdown tokens of a body into blocks, recording the spot of each."""

    def __init__(self, path: Path, lines: list[str], offset: int, problems: Problems, budget: Budget) -> None:
        self.path, self.lines, self.offset = path, lines, offset
        self.problems, self.budget = problems, budget
        self.spots: dict[KeyPath, Spot] = {}
        self.broken: set[KeyPath] = set()

    def blocks(self, tokens: list[Token]) -> list[Any]:
        body: list[Any] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            close = _closing(tokens, i)
            part = tokens[i : close + 1]
            if token.type == "ordered_list_open" and int(token.attrGet("start") or 1) >= YEAR:
                # `2021. 12. 22. 발표했다` is a paragraph opening with a date, not a list numbered from 2021:
                # its first item is that paragraph, any further items a list of their own
                items = _children(part)
                body.append(self._date_paragraph(items[0], ("body", len(body))))
                if len(items) == 1:
                    i = close + 1
                    continue
                part = [token, *(t for item in items[1:] for t in item), tokens[close]]
            keypath: KeyPath = ("body", len(body))
            block = self._block(token, part, keypath)
            if block is not None:
                body.append(block)
            i = close + 1
        return body

    def _date_paragraph(self, item: list[Token], keypath: KeyPath) -> str:
        first, last = item[0].map or (0, 1)
        lines = [part.strip() for part in self.lines[self.offset + first : self.offset + last] if part.strip()]
        return self._text(keypath, "\n".join(lines), first)

    def _at(self, line: int, text: str = "") -> Position:
        """The position of `text` on a 0-based line of the body (its first character, else the line's)."""
        source = self.lines[self.offset + line] if self.offset + line < len(self.lines) else ""
        found = source.find(text) if text else -1
        column = found if found >= 0 else len(source) - len(source.lstrip())
        return Position(self.path, self.offset + line + 1, column + 1)

    def _text(self, keypath: KeyPath, text: str, line: int) -> str:
        """Record a text's spot and return it as written (Markdown reads a line break inside as a space)."""
        pos = self._at(line, text.split("\n", 1)[0])
        self.spots[keypath] = Spot(pos, None, pos.col if "\n" not in text else None)
        self.budget.count(text)
        return text

    def _problem(self, line: int, keypath: KeyPath, message: str) -> None:
        self.problems.add(self._at(line), ".".join(map(str, keypath)), message)

    def _block(self, token: Token, tokens: list[Token], keypath: KeyPath) -> Any:
        line = token.map[0] if token.map else 0
        self.spots[keypath] = Spot(self._at(line))
        kind = token.type
        if kind == "heading_open":
            return self._heading(token, tokens[1], keypath, line)
        if kind == "paragraph_open":
            return self._paragraph(tokens[1], keypath, line)
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._markdown_list(token, tokens, keypath, line)
        if kind == "table_open":
            return self._table(tokens, keypath, line)
        if kind == "fence":
            return self._directive(token, keypath, line)
        what = {
            "blockquote_open": "a '>' quote",
            "code_block": "text indented four spaces or more (Markdown reads it as code; remove the indent)",
            "hr": "a '---' rule",
        }.get(kind, f"a Markdown '{kind.removesuffix('_open')}'")
        self._problem(line, keypath, f"{what} is not a block of the bulletin; write it as a paragraph or a directive")
        return None

    def _heading(self, token: Token, inline: Token, keypath: KeyPath, line: int) -> Any:
        level = int(token.tag[1])
        if level > 3:
            self._problem(line, keypath, "only #, ## and ### are headings (levels 1 to 3)")
            return None
        text = self._text((*keypath, "heading"), inline.content, line)
        return {"heading": text} if level == 1 else {"heading": text, "level": level}

    def _paragraph(self, inline: Token, keypath: KeyPath, line: int) -> Any:
        content = inline.content
        photo = PHOTO.fullmatch(content)
        if photo:
            return self._photo(photo, keypath, line)
        if content.startswith("![") and "](" in content and "\n" not in content:
            self._problem(line, keypath, 'write a photo alone on its line as ![caption](images/x.jpg "출처")')
            return None
        lines = content.split("\n")
        unread = _unread_table(lines)
        if unread is not None:
            self._problem(
                line,
                keypath,
                f"this is not read as a table: its first row has {unread[0]} cells and the row under it {unread[1]}"
                " (Markdown splits cells at every |, in `code` too; write \\| for a | inside a cell)",
            )
            return None
        numbered = _numbered_lines(lines)
        if numbered is not None:
            style, start = numbered
            items = self._items(
                keypath, "numbered", [(part.split(" ", 1)[1], line + n) for n, part in enumerate(lines)]
            )
            block: dict[str, Any] = {"numbered": items, "style": style}
            return block if start == 1 else {**block, "start": start}
        lead = LEAD.fullmatch(content)
        if lead and "\n" not in lead.group("lead"):
            self.spots[(*keypath, "lead")] = Spot(self._at(line, "▶"))
            self.budget.count(lead.group("lead"))
            text = self._text((*keypath, "text"), lead.group("text"), line)
            return {"lead": lead.group("lead"), "text": text}
        marker = content[:1]
        if marker in BULLETS and content[1:2] == " ":
            return self._marker_list(marker, lines, keypath, line)
        return self._text(keypath, content, line)

    def _photo(self, match: re.Match[str], keypath: KeyPath, line: int) -> dict[str, Any]:
        start = self._at(line)
        block: dict[str, Any] = {}
        for key in ("photo", "caption", "source"):
            value = match.group(key)
            if value:
                column = start.col + match.start(key)
                self.spots[(*keypath, key)] = Spot(Position(self.path, start.line, column), None, column)
                self.budget.count(value)
                block[key] = value if key == "caption" else re.sub(r"\\(.)", r"\1", value)
        if "caption" in block:  # what the caption says describes the photo for those who cannot see it
            block["alt"] = block["caption"]
            self.spots[(*keypath, "alt")] = self.spots[(*keypath, "caption")]
        return block

    def _marker_list(self, marker: str, lines: list[str], keypath: KeyPath, line: int) -> dict[str, Any]:
        """Lines starting with a bulletin marker; a line without one continues the item above."""
        items: list[tuple[str, int]] = []
        for n, part in enumerate(lines):
            if part.startswith(marker + " "):
                items.append((part[2:], line + n))
            else:
                items[-1] = (items[-1][0] + "\n" + part, items[-1][1])
        return {"list": self._items(keypath, "list", items), "marker": marker}

    def _items(self, keypath: KeyPath, key: str, items: list[tuple[str, int]]) -> list[str]:
        """Items given as (text, line), each recorded at its line."""
        self.spots[(*keypath, key)] = Spot(self._at(items[0][1]))
        return [self._text((*keypath, key, n), text, line) for n, (text, line) in enumerate(items)]

    def definitions(self, references: dict[str, Any]) -> None:
        """Markdown takes `[label]: text` lines as link definitions and prints nothing of them: say where."""
        for label in references:
            at = next(
                (n for n, text in enumerate(self.lines) if text.lstrip().lower().startswith(f"[{label.lower()}]:")), 0
            )
            self.problems.add(
                Position(self.path, at + 1, 1),
                "",
                f"Markdown reads '[{label}]: …' as a link definition and prints nothing of it; write \\[{label}]"
                " to print the line, or put sources in a ```{sources} directive",
            )

    def _markdown_list(self, token: Token, tokens: list[Token], keypath: KeyPath, line: int) -> Any:
        ordered = token.type == "ordered_list_open"
        key = "numbered" if ordered else "list"
        items: list[str] = []
        for n, item in enumerate(_children(tokens)):
            content = item[1:-1]
            item_line = item[0].map[0] if item[0].map else line
            if len(content) != 3 or content[0].type != "paragraph_open":
                self._problem(
                    item_line,
                    (*keypath, key, n),
                    "a list item is one paragraph: nested lists, quotes and code are not printed",
                )
                self.broken.add(keypath)
                return None
            items.append(self._text((*keypath, key, n), content[1].content, item_line))
        self.spots[(*keypath, key)] = Spot(self._at(line))
        if not ordered:
            return {"list": items}
        block: dict[str, Any] = {"numbered": items, "style": "paren" if token.markup == ")" else "decimal"}
        first = _children(tokens)[0][0]  # its own number: the list's may be the date of a paragraph before it
        start = int(first.info) if first.info.isdigit() else int(token.attrGet("start") or 1)
        return block if start == 1 else {**block, "start": start}

    def _table(self, tokens: list[Token], keypath: KeyPath, line: int) -> Any:
        rows: list[list[str]] = []
        aligns: list[str | None] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
                row_line = token.map[0] if token.map else line
                cells = _cell_columns(self.lines[self.offset + row_line])
                if rows[1:] and len(cells) != len(rows[0]):  # Markdown would pad or cut the row silently
                    where = (*keypath, "table", len(rows) - 2)
                    self._problem(
                        row_line, where, f"this row has {len(cells)} cells where the header has {len(rows[0])}"
                    )
                    self.broken.add(keypath)
            elif token.type in ("th_open", "td_open"):
                if len(rows) == 1:
                    style = str(token.attrGet("style") or "")
                    aligns.append(style.removeprefix("text-align:") or None)
            elif token.type == "inline":
                r, c = len(rows) - 1, len(rows[-1])
                where = (*keypath, "header", 0, c) if r == 0 else (*keypath, "table", r - 1, c)
                column = cells[c] if c < len(cells) else 1
                self.spots[where] = Spot(Position(self.path, self.offset + row_line + 1, column))
                self.budget.count(token.content)
                rows[-1].append(token.content)
        block: dict[str, Any] = {"table": rows[1:], "header": rows[:1]}
        self.spots[(*keypath, "table")] = Spot(self._at(line + 2 if len(rows) > 1 else line))
        if any(aligns):
            if not all(aligns):
                self._problem(line + 1, (*keypath, "align"), "give every column its alignment (:--, :-:, --:) or none")
                self.broken.add(keypath)
            block["align"] = [align or "left" for align in aligns]
        return block

    def _directive(self, token: Token, keypath: KeyPath, line: int) -> Any:
        match = DIRECTIVE.fullmatch(token.info.strip())
        if match is None:
            self._problem(line, keypath, "a code block is not printed; a block is a directive such as ```{table}")
            return None
        name, argument = match.group("name"), match.group("arg").strip()
        count = len(_lines(token.content))
        if token.map and token.map[1] - token.map[0] < count + 2:  # no closing line: it ran to the file's end
            self._problem(
                line,
                keypath,
                f"this directive has no closing {token.markup} line, so the rest of the file was read into it;"
                f" close it with {token.markup} after its last line",
            )
            return None
        start = self.offset + line + 1
        text = "".join(line + "\n" for line in self.lines[start : start + count])
        loaded = parse_yaml(text, self.path, self.problems, self.budget, first_line=start + 1)
        if loaded is None:
            if self.budget.exhausted():
                raise TooLarge("the issue and its files hold too much; refused")
            self.broken.add(keypath)
            return None
        data = loaded.data
        if name == "text":
            return self._text_directive(loaded, argument, keypath, line)
        inner: KeyPath = keypath if isinstance(data, dict) else (*keypath, name)
        for sub, spot in loaded.spots.items():
            if sub or inner != keypath:
                self.spots[(*inner, *sub)] = spot
        block: dict[str, Any] = dict(data) if isinstance(data, dict) else {name: data}
        if argument:
            if name in block:
                self._problem(line, keypath, f"'{name}' is given twice: after {{{name}}} and in the body")
            self.spots[(*keypath, name)] = Spot(self._at(line, argument))
            self.budget.count(argument)
            block[name] = argument
        elif data is None:
            block[name] = None
        return {name: block.pop(name, None), **block}

    def _text_directive(self, loaded: Loaded, argument: str, keypath: KeyPath, line: int) -> Any:
        data = loaded.data
        spot = loaded.spots.get(())
        if spot is not None:
            self.spots[keypath] = spot
        if not isinstance(data, str) or argument:
            self._problem(line, keypath, "the body of {text} is the paragraph's text (in YAML: quote it if needed)")
            self.broken.add(keypath)
            return None
        return data


def _closing(tokens: list[Token], i: int) -> int:
    """The index of the token closing the block that opens at `i` (itself for a single token)."""
    if tokens[i].nesting != 1:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _children(tokens: list[Token]) -> list[list[Token]]:
    """The direct children of a container's tokens (without its own open and close tokens)."""
    children = []
    i = 1
    while i < len(tokens) - 1:
        close = _closing(tokens, i)
        children.append(tokens[i : close + 1])
        i = close + 1
    return children


def _numbered_lines(lines: list[str]) -> tuple[str, int] | None:
    """The style and start of lines numbered `i. ii. …` or `① ② …`, consecutively; None otherwise."""
    heads = [line.split(" ", 1)[0] if " " in line else "" for line in lines]
    if all(head.endswith(".") and head[:-1] in ROMAN for head in heads):
        start = ROMAN.index(heads[0][:-1])
        if [ROMAN.index(head[:-1]) for head in heads] == list(range(start, start + len(heads))):
            return "roman", start + 1
    if all(len(head) == 1 and head in CIRCLED for head in heads):
        start = CIRCLED.index(heads[0])
        if [CIRCLED.index(head) for head in heads] == list(range(start, start + len(heads))):
            return "circled", start + 1
    return None


def _cell_columns(line: str) -> list[int]:
    """The 1-based column where each cell of a pipe-table row starts (its first non-space character)."""
    columns, start, i = [], 0, 0
    body = line.rstrip()
    if body.lstrip().startswith("|"):
        start = body.index("|") + 1
    i = start
    while i <= len(body):
        if i == len(body) or (body[i] == "|" and body[i - 1 : i] != "\\"):
            cell = body[start:i]
            if i < len(body) or cell.strip():
                columns.append(start + len(cell) - len(cell.lstrip()) + 1)
            start = i + 1
        i += 1
    return columns
