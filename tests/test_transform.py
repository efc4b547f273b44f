"""Transform: numbering and table preparation."""

from __future__ import annotations

from issuepdf.content.model import Cell, Table
from issuepdf.pipeline.transform import _table


def test_alignment_follows_columns_after_a_spanning_cell() -> None:
    table = Table(table=[[Cell(text="공통 조건", colspan=2), 3.5], ["a", "b", "c"]], align=["left", "center", "right"])
    view = _table(table, "표 1)")
    assert [c.align for c in view.rows[0]] == ["left", "right"]
    assert [c.align for c in view.rows[1]] == ["left", "center", "right"]


def test_numbers_print_as_written_and_align_right() -> None:
    view = _table(Table(table=[[2021, -49, "1,182", "3.1 억", "상하이"]]), "표 1)")
    assert [(c.text, c.align) for c in view.rows[0]] == [
        ("2021", "right"),
        ("-49", "right"),
        ("1,182", "right"),
        ("3.1 억", "right"),
        ("상하이", None),
    ]


def test_two_groups_fold_rows_side_by_side_with_repeated_header() -> None:
    rows = [[rank, f"분야{rank}", rank * 10] for rank in range(1, 6)]
    view = _table(Table(table=rows, header=[["순위", "산업 분야", "수량"]], groups=2), "표 1)")
    assert [c.text for c in view.header[0]] == ["순위", "산업 분야", "수량"] * 2
    assert [[c.text for c in row] for row in view.rows] == [
        ["1", "분야1", "10", "4", "분야4", "40"],
        ["2", "분야2", "20", "5", "분야5", "50"],
        ["3", "분야3", "30", "", "", ""],
    ]
    assert [c.group_start for c in view.rows[0]] == [False, False, False, True, False, False]
    assert len(view.columns) == 6
