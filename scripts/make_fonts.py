"""Build the subset fonts bundled in ``fonts/``.

Why: the PDF must look the same on every machine, so issuepdf ships its own
fonts and points fontconfig at them only (``fonts/fonts.conf``).  The full
Noto CJK collections are ~100 MB and a ``.ttc`` in CSS ``@font-face`` always
yields face 0 (Japanese), so we extract the Korean face (collection index 1)
and subset it to what a Korean bulletin that quotes Chinese names can need.

Sources (all SIL Open Font License 1.1, see ``fonts/OFL.txt``):

* Debian package ``fonts-noto-cjk`` -- ``/usr/share/fonts/opentype/noto/``
  ``NotoSansCJK-{Regular,Bold}.ttc`` and ``NotoSerifCJK-{Regular,Bold}.ttc``
  (Adobe / Google "Noto Sans CJK" 2.004, "Noto Serif CJK" 2.001).
* Debian package ``fonts-noto-core`` --
  ``/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf`` (2.003),
  used only for symbols no CJK face has, e.g. U+2B27 ⬧ (its fontconfig
  family name is "Noto Sans Symbols2", without a space).
* Debian package ``fonts-noto-core`` --
  ``/usr/share/fonts/truetype/noto/NotoSans-{Regular,Bold}.ttf`` (2.004)
  and ``NotoSansMath-Regular.ttf`` (2.001): last-resort fallbacks holding
  only the characters that neither the CJK faces nor Symbols2 have among
  the *required* ones (GB 2312, KS X 1001, sample text, FORMAT symbols)
  and Latin Extended-A (Noto CJK lacks e.g. Č Š Ž Ą ź ř), plus the space
  characters.  Noto CJK lacks 33 KS X 1001 characters; Noto Sans has 31 of
  them (Ħ ı Ĳ Ł Ŋ ŉ ː ˘ ˚ ˛ ˝ ⁿ ₁ ⅓ ⅛ ...), Noto Sans Math the other two,
  U+223C ∼ (Korean ranges such as 9∼10) and U+2252 ≒.  Only Noto Sans has
  a Bold; the Math face is Regular only.

The script prints the sizes and the GB 2312 / KS X 1001 coverage counts.

Run: ``.venv/bin/python scripts/make_fonts.py [--text FILE ...]``
(needs fontTools; the Debian packages must be installed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "fonts"
CJK_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian: fonts-noto-cjk
CORE_DIR = Path("/usr/share/fonts/truetype/noto")  # Debian: fonts-noto-core
KR_INDEX = 1  # face index of "... CJK KR" inside the Noto CJK .ttc files

# Sample text whose every character must be covered (traditional Hanzi etc.).
DEFAULT_TEXTS = [Path("/work/shared/reference/issue-260-text.txt")]

# Symbol list from FORMAT.md; must render even when DEFAULT_TEXTS is absent.
FORMAT_SYMBOLS = (
    "\N{BLACK MEDIUM LOZENGE}"
    "\N{BULLET}"
    "\N{WHITE CIRCLE}"
    "\N{BLACK RIGHT-POINTING TRIANGLE}"
    "\N{CIRCLED DIGIT ONE}"
    "\N{CIRCLED DIGIT TWO}"
    "\N{CIRCLED DIGIT THREE}"
    "\N{ROMAN NUMERAL ONE}"
    "\N{ROMAN NUMERAL TWO}"
    "\N{ROMAN NUMERAL THREE}"
    "\N{SQUARE M SQUARED}"
    "\N{LEFT TORTOISE SHELL BRACKET}"
    "\N{RIGHT TORTOISE SHELL BRACKET}"
    "\N{LEFT BLACK LENTICULAR BRACKET}"
    "\N{RIGHT BLACK LENTICULAR BRACKET}"
    "\N{LEFT SINGLE QUOTATION MARK}"
    "\N{RIGHT SINGLE QUOTATION MARK}"
    "\N{LEFT DOUBLE QUOTATION MARK}"
    "\N{RIGHT DOUBLE QUOTATION MARK}"
    "\N{HORIZONTAL ELLIPSIS}"
    "\N{EM DASH}"
    "\N{MIDDLE DOT}"
)

# Extra characters to keep even without the sample file.  Empty: every
# character of issue 260 already lies in the ranges / charsets below.
PINNED_CHARS = "\u2212"  # − MINUS SIGN: Plotly writes it for negative axis ticks and values

# Inclusive code point ranges kept in the CJK faces.
CJK_RANGES: list[tuple[int, int]] = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation (incl. U+2060 if present)
    (0x2100, 0x214F),  # Letterlike Symbols
    (0x2150, 0x218F),  # Number Forms: roman numerals U+2160..
    (0x2190, 0x21FF),  # Arrows
    (0x2460, 0x24FF),  # Enclosed Alphanumerics: ① ② ...
    (0x25A0, 0x25FF),  # Geometric Shapes: ○ ▶ ...
    (0x3000, 0x303F),  # CJK Symbols and Punctuation: brackets U+3010..
    (0x3131, 0x318E),  # Hangul Compatibility Jamo
    (0x3300, 0x33FF),  # CJK Compatibility: ㎡
    (0xAC00, 0xD7A3),  # all Hangul syllables
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]

SYMBOL_RANGES: list[tuple[int, int]] = [
    (0x2B00, 0x2BFF),  # Miscellaneous Symbols and Arrows: ⬧
]

# Besides required characters, the fallback families fill these CJK_RANGES
# gaps: Noto CJK has only a few Latin Extended-A letters (Ā ā Ē ...).
FALLBACK_RANGES: list[tuple[int, int]] = [
    (0x0100, 0x017F),  # Latin Extended-A: Č Š Ž Ą Ę ź ř ő ...
]

# Space separators (Zs) kept in every fallback face: Pango does not switch
# fonts at a space, so "Ł 나" or "≒ ⅓" shape the space with the fallback
# face and would show a tofu box if it had no space glyph.
SPACE_RANGES: list[tuple[int, int]] = [
    (0x0020, 0x0020),
    (0x00A0, 0x00A0),
    (0x2000, 0x200A),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
]

# Layout features for horizontal Korean/CJK/Latin shaping; vertical ones
# (vert, vrt2, vkrn, vpal, vhal) and aalt/dlig/ruby/hist are dropped.
FEATURES = [
    "ccmp", "locl", "liga", "clig", "calt", "rlig", "kern", "mark", "mkmk",
    "palt", "halt", "fwid", "hwid", "pwid", "ljmo", "vjmo", "tjmo", "rvrn",
]  # fmt: skip


@dataclass(frozen=True)
class FontSpec:
    """One face to extract: source file, expected names, output file."""

    source: str
    family: str
    style: str
    weight: int
    output: str


CJK_FONTS = [
    FontSpec("NotoSansCJK-Regular.ttc", "Noto Sans CJK KR", "Regular", 400,
            "NotoSansCJKkr-Regular.otf"),
    FontSpec("NotoSansCJK-Bold.ttc", "Noto Sans CJK KR", "Bold", 700,
            "NotoSansCJKkr-Bold.otf"),
    FontSpec("NotoSerifCJK-Regular.ttc", "Noto Serif CJK KR", "Regular", 400,
            "NotoSerifCJKkr-Regular.otf"),
    FontSpec("NotoSerifCJK-Bold.ttc", "Noto Serif CJK KR", "Bold", 700,
            "NotoSerifCJKkr-Bold.otf"),
]  # fmt: skip
SYMBOLS_SOURCE = CORE_DIR / "NotoSansSymbols2-Regular.ttf"
SYMBOLS_OUTPUT = "NotoSansSymbols2-Regular.ttf"

# Last-resort families from CORE_DIR, tried in this order after Symbols2;
# each takes the required (and FALLBACK_RANGES) characters still uncovered
# that all its faces have (a few kB each).  Same order as the fallbacks in
# fonts/fonts.conf.
FALLBACK_FAMILIES = [
    [FontSpec("NotoSans-Regular.ttf", "Noto Sans", "Regular", 400,
             "NotoSans-Regular.ttf"),
     FontSpec("NotoSans-Bold.ttf", "Noto Sans", "Bold", 700,
             "NotoSans-Bold.ttf")],
    [FontSpec("NotoSansMath-Regular.ttf", "Noto Sans Math", "Regular", 400,
             "NotoSansMath-Regular.ttf")],
]  # fmt: skip


def expand(ranges: Iterable[tuple[int, int]]) -> set[int]:
    """Turn inclusive ranges into a set of code points."""
    return {cp for lo, hi in ranges for cp in range(lo, hi + 1)}


def double_byte_charset(encoding: str, lead_max: int) -> set[int]:
    """Code points of every 2-byte (0xA1.., 0xA1..0xFE) char in `encoding`.

    Why: GB 2312 and KS X 1001 are the character repertoires Chinese and
    Korean text realistically draws on; covering them avoids tofu.
    """
    found: set[int] = set()
    for lead in range(0xA1, lead_max + 1):
        for trail in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((lead, trail)).decode(encoding)))
            except UnicodeDecodeError:
                continue
    return found


def text_chars(paths: Iterable[Path]) -> set[int]:
    """Printable characters of the sample texts (missing files are skipped)."""
    found: set[int] = set()
    for path in paths:
        if not path.is_file():
            print(f"warning: {path} not found, skipped", file=sys.stderr)
            continue
        found |= {ord(c) for c in path.read_text("utf-8") if c.isprintable()}
    return found


def subset_options() -> subset.Options:
    """Options shared by all outputs: keep all names, drop hinting."""
    options = subset.Options()
    options.layout_features = FEATURES
    options.name_IDs = ["*"]  # keep copyright, licence, family/style names
    options.name_languages = ["*"]  # keep the Korean-language name records
    options.name_legacy = True
    options.hinting = False  # PDF renderers don't need hints; saves size
    options.notdef_outline = True
    options.drop_tables += ["vhea", "vmtx", "VORG", "DSIG"]  # vertical: unused
    return options


def make_subset(font: TTFont, unicodes: set[int], out: Path) -> TTFont:
    """Subset `font` in place to `unicodes` and save it to `out`.

    The source's head.modified is kept so rebuilds are byte-identical.
    """
    subsetter = subset.Subsetter(subset_options())
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(out)
    return font


def check_names(font: TTFont, spec: FontSpec, where: str) -> None:
    """Fail loudly if the face is not the one we expect (e.g. KR face)."""
    name = font["name"]
    got = (name.getDebugName(1), name.getDebugName(2), font["OS/2"].usWeightClass)
    if got != (spec.family, spec.style, spec.weight):
        raise SystemExit(f"{where}: expected {spec}, found {got}")


def main() -> None:
    """Build all fonts and print their sizes and coverage."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text", type=Path, action="append",
                        help="sample text whose characters must be covered "
                        f"(default: {DEFAULT_TEXTS[0]})")  # fmt: skip
    args = parser.parse_args()

    gb2312 = double_byte_charset("gb2312", 0xF7)
    ksx1001 = double_byte_charset("euc-kr", 0xFE)
    sample = text_chars(args.text or DEFAULT_TEXTS)
    symbols = {ord(c) for c in FORMAT_SYMBOLS}
    pinned = {ord(c) for c in PINNED_CHARS}
    wanted = expand(CJK_RANGES) | gb2312 | ksx1001 | sample | symbols | pinned

    OUT_DIR.mkdir(exist_ok=True)
    cmaps: dict[str, set[int]] = {}
    for spec in CJK_FONTS:
        src = CJK_DIR / spec.source
        font = TTFont(src, fontNumber=KR_INDEX, recalcTimestamp=False)
        check_names(font, spec, f"{src}#{KR_INDEX}")
        make_subset(font, wanted, OUT_DIR / spec.output)
        check_names(TTFont(OUT_DIR / spec.output), spec, spec.output)
        cmaps[spec.output] = set(font.getBestCmap())

    # The symbol font gets its block plus whatever any CJK face lacks.
    lacking = {cp for cp in wanted if any(cp not in c for c in cmaps.values())}
    sym_font = TTFont(SYMBOLS_SOURCE, recalcTimestamp=False)
    sym_wanted = (expand(SYMBOL_RANGES) | lacking | expand(SPACE_RANGES)) & set(sym_font.getBestCmap())
    make_subset(sym_font, sym_wanted, OUT_DIR / SYMBOLS_OUTPUT)
    cmaps[SYMBOLS_OUTPUT] = set(sym_font.getBestCmap())

    # Fallback families get only required characters and FALLBACK_RANGES.
    required = gb2312 | ksx1001 | sample | symbols | pinned
    still = ((required | expand(FALLBACK_RANGES)) & lacking) - cmaps[SYMBOLS_OUTPUT]
    spaces = expand(SPACE_RANGES)
    for family in FALLBACK_FAMILIES:
        family_cmaps = []
        for spec in family:
            src = CORE_DIR / spec.source
            font = TTFont(src, recalcTimestamp=False)
            check_names(font, spec, str(src))
            make_subset(font, still | spaces, OUT_DIR / spec.output)
            check_names(TTFont(OUT_DIR / spec.output), spec, spec.output)
            cmaps[spec.output] = set(font.getBestCmap())
            family_cmaps.append(cmaps[spec.output])
        still -= set.intersection(*family_cmaps)

    report(cmaps, sample | symbols, gb2312, ksx1001)


def report(
    cmaps: dict[str, set[int]],
    needed: set[int],
    gb2312: set[int],
    ksx1001: set[int],
) -> None:
    """Print sizes, charset coverage and any uncovered required character."""
    total = 0
    for name in sorted(cmaps):
        size = (OUT_DIR / name).stat().st_size
        total += size
        shown = f"{size / 1e6:6.2f} MB" if size >= 1e5 else f"{size / 1e3:6.1f} kB"
        print(f"{name:34} {shown}  {len(cmaps[name]):6} chars")
    print(f"{'total':34} {total / 1e6:6.2f} MB")

    union = set().union(*cmaps.values())
    latin_a = expand([(0x0100, 0x017F)])
    for label, charset in (
        ("GB 2312", gb2312),
        ("KS X 1001", ksx1001),
        ("Latin Extended-A", latin_a),
    ):
        print(f"{label}: {len(charset & union)}/{len(charset)} covered")
    missing = sorted(cp for cp in needed if cp not in union and chr(cp).isprintable())
    print("uncovered sample/FORMAT characters:",
          " ".join(f"U+{cp:04X} {chr(cp)}" for cp in missing) or "none")  # fmt: skip


if __name__ == "__main__":
    main()
