"""The subscriber list: a CSV with one address per cell (or several, split at commas and semicolons),
checked as IDNA 2008 addresses, each with the line it came from."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content.addresses import normal_address
from ..content.errors import IssuepdfError

HEADER_NAMES = {"email", "e-mail", "mail", "address", "email address", "이메일", "메일", "이메일 주소", "주소"}
"""Column titles that name the address column of a subscriber CSV."""
CELL_ADDRESS = re.compile(r'(?:"[^"]*"|<[^>]*>|[^,;])+')
"""One address of a cell: text up to a `,` or `;` that is not inside quotes or `<…>`."""


# --- subscribers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invalid:
    """A line of the subscriber list that holds no usable address."""

    line: int
    text: str
    reason: str


@dataclass
class Recipients:
    """The subscriber list, read and checked before anything is sent."""

    path: Path
    addresses: list[str] = field(default_factory=list)
    """Valid addresses in file order, each once (compared without case)."""
    invalid: list[Invalid] = field(default_factory=list)
    duplicates: int = 0
    encoding: str = "utf-8"
    """How the file was read: `utf-8` (with or without BOM) or `cp949` (Korean Excel's CSV)."""
    seen: set[str] = field(default_factory=set, init=False, repr=False)
    """Keys of the addresses taken so far."""

    def add(self, text: str, line: int) -> None:
        """Take one address of line `line`: valid and new, a duplicate, or invalid with the reason."""
        try:
            address = normal_address(text)
        except ValueError as err:
            self.invalid.append(Invalid(line, text, str(err)))
            return
        if key(address) in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key(address))
        self.addresses.append(address)


def key(address: str) -> str:
    """Addresses compare without case, so `Kim@x.org` and `kim@x.org` never both get the issue."""
    return address.casefold()


def cell_addresses(cell: str) -> list[str]:
    """The addresses in one cell: `a@x.org, b@x.org` or `a@x.org; b@x.org` (as Outlook writes them) are two.

    Commas and semicolons inside quotes or `<…>` do not split: `"Kim, Minsu" <kim@x.org>` is one.
    """
    return [piece.strip() for piece in CELL_ADDRESS.findall(cell) if piece.strip()]


def read_recipients(path: Path) -> Recipients:
    """Read a subscriber CSV (UTF-8 with or without BOM, else CP949): the column titled `email` (or `이메일`, …),
    else the first column.

    Blank lines and lines starting with `#` are skipped; a line may hold several addresses
    (`row_addresses`); every bad address is kept with its line number.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise IssuepdfError(f"cannot read {path}: {err.strerror}") from err
    recipients = Recipients(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        try:  # Korean Excel's plain "CSV" is CP949
            text = data.decode("cp949")
        except UnicodeDecodeError:
            reason = f"neither UTF-8 nor CP949 ({err.reason}); save the list as 'CSV UTF-8'"
            raise IssuepdfError(f"{path}: {reason}") from err
        recipients.encoding = "cp949"
    column: int | None = None
    titled = 1
    reader = csv.reader(io.StringIO(text, newline=""))  # csv reads \r, \n and \r\n itself, even a lone \r
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if column is None:
                titles = [cell.casefold() for cell in cells]
                column = next((i for i, title in enumerate(titles) if title in HEADER_NAMES), None)
                if column is not None:
                    titled = len(cells)
                    continue
                column = 0
            for address in row_addresses(cells, column, titled) or [""]:
                recipients.add(address, reader.line_num)
    except csv.Error as err:  # a field over the csv module's size limit
        raise IssuepdfError(f"{path}:{reader.line_num}: not a readable CSV line ({err})") from err
    return recipients


def row_addresses(cells: list[str], column: int, titled: int) -> list[str]:
    """The addresses of one line: those of its address cell, and of any cell holding `@` past the titled columns.

    Typed without quotes, `kim@x.org, kim.home@x.org` is two CSV cells: the second lands past the
    columns the header names (or past the first, without a header), and the editor meant it too.
    """
    cells = [cells[column] if column < len(cells) else "", *(cell for cell in cells[titled:] if "@" in cell)]
    return [address for cell in cells for address in cell_addresses(cell)]
