"""`issuepdf convert`: an article from YAML to Markdown and back, or every included article of an issue.

A conversion is exact or it is refused: each Markdown block is read back and compared with the block it
came from (model defaults aside), and a block that Markdown would read differently (a paragraph starting
`1.`, a list with `marker: "-"`, a table of numbers) is written as a directive instead. A YAML block keeps
its own lines (quoting, comments) inside its directive; comments that cannot be carried are named.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..content.errors import ConvertError
from ..content.loader import KeyPath, article_entries, load_yaml
from ..content.mdarticle import BULLETS, MARKDOWN_SUFFIXES, load_markdown, parse_markdown
from ..content.model import BLOCK_TYPES, automatic_id
from ..content.numbering import CIRCLED, ROMAN
from ..content.problems import Position, Problems, shown_path
from ..content.yamlfile import Budget, Loaded, parse_yaml
from ..pipeline.output import write_atomic

Form = Literal["md", "yaml"]
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}")
"""An article id that can name its file as it is (others get the article's place, `s2-a3`)."""


@dataclass
class Converted:
    """An article in its other form, and what could not be carried over (comments)."""

    text: str
    notes: list[str] = field(default_factory=list)


# --- YAML → Markdown ----------------------------------------------------------------------------


def yaml_to_markdown(path: Path) -> Converted:
    """A YAML article file as a Markdown article, its front matter and directives keeping their lines."""
    return _markdown_of(_load(path, load_yaml), path.read_text(encoding="utf-8").splitlines(), path)


def _markdown_of(loaded: Loaded, lines: list[str], path: Path, first_line: int = 1) -> Converted:
    """The article `lines` wrote (which start at `first_line` of `path`) as Markdown; the comments not carried
    over are named by their lines in `path`."""
    data: dict[str, Any] = loaded.data
    header = _leading_comments(lines)
    carried = set(range(1, len(header) + 1))
    front_lines: list[str] = []
    for key in data:
        if key != "body":
            found = _segment(lines, loaded, (key,), {key: data[key]}, top=True)
            front_lines += found[0].splitlines() if found else _dump({key: data[key]}).splitlines()
            carried |= found[1] if found else set()
    segments = [_segment(lines, loaded, ("body", i), block) for i, block in enumerate(data["body"])]
    front = {key: value for key, value in data.items() if key != "body"}
    sources = [found[0] if found else None for found in segments]
    text, directives = article_markdown(front, data["body"], sources, header + front_lines)
    for i in directives:
        segment = segments[i]
        carried |= segment[1] if segment else set()
    notes = [
        f"{shown_path(path)}:{n + first_line - 1}: comment not carried over: {line.strip()}"
        for n, line in enumerate(lines, start=1)
        if line.lstrip().startswith("#") and n not in carried
    ]
    return Converted(text, notes)


def article_markdown(
    front: dict[str, Any],
    body: list[Any],
    sources: list[str | None] | None = None,
    front_lines: list[str] | None = None,
) -> tuple[str, set[int]]:
    """A Markdown article holding exactly `front` and `body`, and which blocks are directives: each block
    in Markdown where that reads back the same, else as a directive (from its YAML `sources` if given)."""
    sources = sources or [None] * len(body)
    head = "---\n" + "\n".join(front_lines if front_lines is not None else _dump(front).splitlines()) + "\n---\n"
    forced: set[int] = set()
    for _ in range(len(body) + 1):
        chunks = [_chunk(block, sources[i], i in forced) for i, block in enumerate(body)]
        text = head + "".join(f"\n{chunk}\n" for chunk, _ in chunks)
        back = _read_markdown(text)
        if back is not None and _same(back, body):
            return text, {i for i, (_, directive) in enumerate(chunks) if directive}
        wrong = _first_difference(back or [], body)
        if wrong in forced:
            wrong -= 1
        if wrong < 0 or wrong in forced:
            break
        forced.add(wrong)
    raise ConvertError("the article cannot be written as Markdown that reads back the same; keep it as YAML")


def _chunk(block: Any, source: str | None, directive: bool) -> tuple[str, bool]:
    """The block's Markdown, and whether it is a directive."""
    native = None if directive else _native(block)
    if native is not None and _same(_read_markdown("---\ntitle: x\n---\n" + native + "\n") or [None], [block]):
        return native, False
    name = "text" if isinstance(block, str) else next((key for key in block if key in BLOCK_TYPES), None)
    if name is None:
        raise ConvertError(f"not a block: {_dump(block)[:60]!r}; run `issuepdf check` first")
    body = source if source is not None else _dump(block).rstrip("\n")
    runs = [len(run) for run in re.findall(r"^\s*(`{3,})", body, re.MULTILINE)]
    fence = "`" * max([3, *(run + 1 for run in runs)])
    return f"{fence}{{{name}}}\n{body}\n{fence}", True


def _native(block: Any) -> str | None:
    """The block in plain Markdown, when it has a Markdown form (checked by reading it back)."""
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        return None
    keys = set(block)
    if keys <= {"heading", "level"} and "heading" in keys:
        return "#" * int(block.get("level", 1)) + " " + str(block["heading"])
    if keys == {"lead", "text"}:
        return f"{block['lead']} {block['text']}"
    if keys <= {"list", "marker"} and "list" in keys and isinstance(block["list"], list):
        marker = block.get("marker", "•")
        sign = "-" if marker == "•" else marker if marker in BULLETS else None
        return None if sign is None else "\n".join(f"{sign} {item}" for item in block["list"])
    if keys <= {"numbered", "style", "start"} and "numbered" in keys and isinstance(block["numbered"], list):
        return _numbered(block["numbered"], block.get("style", "roman"), int(block.get("start", 1)))
    if keys <= {"photo", "caption", "source", "alt"} and "photo" in keys and block.get("alt") == block.get("caption"):
        source = str(block.get("source", "")).replace("\\", "\\\\").replace('"', '\\"')
        title = f' "{source}"' if "source" in block else ""
        return f"![{block.get('caption', '')}]({block['photo']}{title})"
    if keys <= {"table", "header", "align"} and "table" in keys:
        return _pipe_table(block)
    return None


def _numbered(items: list[Any], style: str, start: int) -> str | None:
    def number(n: int) -> str | None:
        if style in ("decimal", "paren"):
            return f"{n}{'.' if style == 'decimal' else ')'}"
        table = ROMAN if style == "roman" else CIRCLED
        return None if n > len(table) else f"{table[n - 1]}{'.' if style == 'roman' else ''}"

    heads = [number(n) for n in range(start, start + len(items))]
    return None if None in heads else "\n".join(f"{head} {item}" for head, item in zip(heads, items, strict=True))


def _pipe_table(block: dict[str, Any]) -> str | None:
    header, rows = block.get("header", []), block["table"]
    if len(header) != 1 or not all(isinstance(cell, str) for row in [*header, *rows] for cell in row):
        return None
    signs = {"left": ":--", "center": ":-:", "right": "--:"}
    align = block.get("align") or ["---"] * len(header[0])

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([row(header[0]), row([signs.get(a, a) for a in align]), *map(row, rows)])


# --- Markdown → YAML ----------------------------------------------------------------------------


def markdown_to_yaml(path: Path) -> Converted:
    """A Markdown article as a YAML article: its front matter as written, then its body."""
    loaded = _load(path, load_markdown)
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(n for n in range(1, len(lines)) if lines[n].strip() in ("---", "..."))
    text = "\n".join(lines[1:end]) + "\n" + _dump({"body": loaded.data["body"]})
    back = parse_yaml(text, path, Problems(), Budget())
    if back is None or back.data != loaded.data:
        raise ConvertError(f"{shown_path(path)}: the YAML written would not read back the same; nothing was written")
    notes = [
        f"{shown_path(path)}:{n}: comment not carried over: {line.strip()}"
        for n, line in enumerate(lines[end + 1 :], start=end + 2)
        if line.lstrip().startswith("#") and _inside_directive(lines, n - 1)
    ]
    return Converted(text, notes)


def _inside_directive(lines: list[str], index: int) -> bool:
    """Whether a line of a Markdown file stands inside a fence (comments elsewhere are headings)."""
    fences = sum(1 for line in lines[:index] if line.lstrip().startswith(("```", "~~~")))
    return fences % 2 == 1


# --- files and issues ---------------------------------------------------------------------------


def convert_file(path: Path, output: Path | None = None) -> tuple[Path, Converted]:
    """Convert one article file to its other form, written beside it (or to `output`); never overwrites."""
    to_markdown = path.suffix.lower() not in MARKDOWN_SUFFIXES
    converted = yaml_to_markdown(path) if to_markdown else markdown_to_yaml(path)
    target = output or path.with_suffix(".md" if to_markdown else ".yaml")
    if target.exists():
        raise ConvertError(f"{shown_path(target)} exists already; move it away or give -o")
    write_atomic(target, converted.text.encode("utf-8"))
    return target, converted


def convert_issue(issue_dir: Path, to: Form) -> list[str]:
    """Convert every article of the issue to `to`: each included file, and (to Markdown) each article written
    inside `issue.yaml`, which moves to `articles/<its id>.md`; the includes then name the new files.

    Everything is converted in memory first: on any failure nothing is written."""
    issue_file = issue_dir / "issue.yaml"
    loaded = _load(issue_file, load_yaml)
    text = issue_file.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    """(first line index, end index, the lines that replace them) in issue.yaml."""
    done: list[tuple[Path | None, Path, Converted]] = []
    for keypath, entry in article_entries(loaded.data):
        if isinstance(entry, dict) and "include" in entry:
            source = issue_dir / str(entry["include"])
            if (source.suffix.lower() in MARKDOWN_SUFFIXES) == (to == "md"):
                continue
            converted = yaml_to_markdown(source) if to == "md" else markdown_to_yaml(source)
            target = source.with_suffix(".md" if to == "md" else ".yaml")
            edits.append(_renamed_include(lines, loaded.spots[(*keypath, "include")].value, entry["include"], target))
            done.append((source, target, converted))
        elif isinstance(entry, dict) and to == "md":
            converted, taken, include, target = _moved_out(issue_dir, text.splitlines(), loaded, keypath, entry)
            edits.append((*taken, include))
            done.append((None, target, converted))
    targets = [target for _, target, _ in done]
    for target in targets:
        if target.exists() or targets.count(target) > 1:
            raise ConvertError(f"{shown_path(target)} exists already; nothing was converted")
    for first, end, replacement in sorted(edits, reverse=True):
        lines[first:end] = [replacement]
    report = []
    for origin, target, converted in done:
        write_atomic(target, converted.text.encode("utf-8"))
        report += [f"{shown_path(origin or issue_file)} → {shown_path(target)}", *converted.notes]
    write_atomic(issue_file, "".join(lines).encode("utf-8"))
    for origin, _, _ in done:
        if origin is not None:
            origin.unlink()
    return report or [f"every article of {shown_path(issue_dir)} is {to} already"]


def _renamed_include(lines: list[str], where: Position, name: Any, target: Path) -> tuple[int, int, str]:
    """The edit of issue.yaml that points an include at the converted file: its line, with the new name."""
    line = lines[where.line - 1]
    at = line.index(str(name), where.col - 1)
    new_name = str(Path(str(name)).with_suffix(target.suffix))
    return where.line - 1, where.line, line[:at] + new_name + line[at + len(str(name)) :]


def _moved_out(
    issue_dir: Path, lines: list[str], loaded: Loaded, keypath: KeyPath, article: dict[str, Any]
) -> tuple[Converted, tuple[int, int], str, Path]:
    """An article written inside `issue.yaml` (at `keypath`) as a Markdown file of its own: the conversion, the
    lines of `issue.yaml` it took (indices, end excluded), the include line that takes their place, and the
    file it is written to."""
    issue_file = issue_dir / "issue.yaml"
    where = loaded.position(keypath)
    segment = _segment(lines, loaded, keypath, article)
    if segment is None or where is None:
        raise ConvertError(f"{where}: this article's lines could not be taken out of issue.yaml; nothing was converted")
    text, taken = segment
    own = parse_yaml(text, issue_file, Problems(), Budget())
    assert own is not None  # `_segment` read the same text back
    converted = _markdown_of(own, text.splitlines(), issue_file, min(taken))
    given = article.get("id")
    safe = isinstance(given, str) and SAFE_NAME.fullmatch(given)
    section, number = (int(part) + 1 for part in keypath[1::2])
    name = given if safe else automatic_id(section, number)
    dash = lines[where.line - 1][: where.col - 1]
    include = f"{dash}include: articles/{name}.md\n"
    return converted, (min(taken) - 1, max(taken)), include, issue_dir / "articles" / f"{name}.md"


# --- helpers ------------------------------------------------------------------------------------


def _load(path: Path, reader: Callable[[Path, Problems, Budget], Loaded | None]) -> Loaded:
    """An article or issue file that loads without problems, or a ConvertError naming them."""
    problems = Problems()
    loaded = reader(path, problems, Budget())
    if problems or loaded is None or not isinstance(loaded.data, dict):
        raise ConvertError("fix these first; nothing was converted", [str(p) for p in problems])
    if path.name != "issue.yaml" and not isinstance(loaded.data.get("body"), list):
        raise ConvertError(f"{shown_path(path)}: an article file has a 'body' list; nothing was converted")
    return loaded


_Dumper: Any = type("_Dumper", (yaml.SafeDumper,), {})
"""YAML as an editor writes it: mappings in blocks, short lists of plain values on one line (`[a, b]`)."""


def _list(dumper: Any, data: list[Any]) -> yaml.Node:
    scalars = all(not isinstance(item, list | dict) for item in data)
    flow = scalars and sum(len(str(item)) for item in data) < 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _dict(dumper: Any, data: dict[Any, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


def _str(dumper: Any, data: str) -> yaml.Node:
    style = "|" if "\n" in data.strip("\n") and data == data.strip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _dict)


def _dump(value: Any) -> str:
    text: str = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.removesuffix("...\n")


def _read_markdown(text: str) -> list[Any] | None:
    loaded = parse_markdown(text, Path("article.md"), Problems(), Budget())
    return None if loaded is None else list(loaded.data["body"])


def _defaults(block: Any) -> Any:
    """A block without the keys that only repeat its model's defaults (`level: 1`, `marker: •`)."""
    if not isinstance(block, dict):
        return block
    name = next((key for key in block if key in BLOCK_TYPES), None)
    fields = BLOCK_TYPES[name].model_fields if name else {}
    return {
        key: value
        for key, value in block.items()
        if not (key in fields and not fields[key].is_required() and fields[key].default == value)
    }


def _same(read: list[Any], body: list[Any]) -> bool:
    return [_defaults(block) for block in read] == [_defaults(block) for block in body]


def _first_difference(read: list[Any], body: list[Any]) -> int:
    """Where Markdown joined two blocks that each read back alone (two lists in a row): the second one."""
    for i, block in enumerate(body):
        if i >= len(read) or _defaults(read[i]) != _defaults(block):
            return min(i + 1, len(body) - 1)
    return len(body) - 1


def _leading_comments(lines: list[str]) -> list[str]:
    """The comment lines opening a YAML file (its description), carried into the front matter."""
    head = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            head.append(line)
        else:
            break
    while head and not head[-1].strip():
        head.pop()
    return head


def _segment(
    lines: list[str], loaded: Loaded, keypath: tuple[str | int, ...], value: Any, top: bool = False
) -> tuple[str, set[int]] | None:
    """The YAML lines that wrote `value` (an item of `body`, or a top-level key), dedented, with their line
    numbers, if they read back as exactly that value."""
    spot = loaded.spots.get(keypath)
    if spot is None or spot.value.line == 0:
        return None
    start = spot.key if top and spot.key else spot.value
    first, column = start.line - 1, start.col - 1
    prefix = lines[first][:column]
    if prefix.strip() not in ("", "-") or (not top and prefix.strip() != "-"):
        return None
    above = first
    while not top and above > 0 and lines[above - 1].lstrip().startswith("#"):
        above -= 1  # comments just above an item belong to it
    taken = [*lines[above:first], " " * column + lines[first][column:]]
    for line in lines[first + 1 :]:
        indent = len(line) - len(line.lstrip())
        comment = line.lstrip().startswith("#")
        if line.strip() and indent < column + (1 if top else 0) and (not comment or not top):
            break
        taken.append(line)
    while taken and (not taken[-1].strip() or (taken[-1].lstrip().startswith("#") and top)):
        taken.pop()
    text = "\n".join(line[column:] if not line[:column].strip() else line.lstrip() for line in taken)
    back = parse_yaml(text, Path("block.yaml"), Problems(), Budget())
    if back is None or back.data != value:
        return None
    return text, set(range(above + 1, above + 1 + len(taken)))


def convert(path: Path, to: Form | None = None, output: Path | None = None) -> list[str]:
    """`issuepdf convert`: an issue folder (every included article to `to`) or one article file."""
    if path.is_dir():
        if output is not None:
            raise ConvertError("-o is for one article file; an issue folder is converted in place")
        return convert_issue(path, to or "md")
    wanted: Form = "yaml" if path.suffix.lower() in MARKDOWN_SUFFIXES else "md"
    if to is not None and to != wanted:
        raise ConvertError(f"{shown_path(path)} is {'Markdown' if wanted == 'yaml' else 'YAML'} already")
    target, converted = convert_file(path, output)
    return [
        f"{shown_path(path)} → {shown_path(target)}",
        *converted.notes,
        f"include it as '- include: {target.name}' (in place of {path.name}) in issue.yaml",
    ]
