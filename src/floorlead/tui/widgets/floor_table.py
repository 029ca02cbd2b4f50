"""A DataTable that refreshes in place: cursor, selection and scroll survive every reload."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from floorlead.domain.safe_text import clean

Cell = str | Text
Row = tuple[str, Sequence[Cell]]


def terminal_safe(cell: Cell) -> Cell:
    """Text as it is: no control character, and no markup read from a name with ``[``
    (DataTable reads a plain string as markup). Most cells pass as they came."""
    if isinstance(cell, str):
        return Text(clean(cell)) if "[" in cell or clean(cell) != cell else cell
    plain = cell.plain
    return cell if clean(plain) == plain else Text(clean(plain), style=cell.style)


def cut(cell: Cell, most: int | None) -> Cell:
    """``cell`` within ``most`` cells, its end an ellipsis when it had to be cut."""
    if most is None or _width(cell) <= most:
        return cell
    text = cell.copy() if isinstance(cell, Text) else Text(cell)
    text.truncate(most, overflow="ellipsis")
    return text


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


class FloorTable(DataTable[Cell]):
    """Rows have stable keys (agent id, queue id, ...); :meth:`sync` diffs against them.

    Moves as k9s, lazygit and less do beside the arrows: ``j``/``k`` a row, ``g``/``G`` and
    Home/End the first and last row, PageUp/PageDown a page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,home", "scroll_top", "First row", show=False, id="table.first"),
        Binding("G,end", "scroll_bottom", "Last row", show=False, id="table.last"),
    ]

    DEFAULT_CSS = """
    FloorTable { height: 1fr; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        first: Sequence[str] = (),
        widest: dict[str, int] | None = None,
        **kwargs: object,
    ) -> None:
        """``columns`` in the order the screen builds its cells; ``first``, the keys of the
        columns that decide an action, shown first (the first of all stays in place when the
        table scrolls sideways); ``widest``, the most cells a free-text column takes (longer
        text ends in an ellipsis)."""
        super().__init__(cursor_type="row", zebra_stripes=True, fixed_columns=1, **kwargs)  # type: ignore[arg-type]
        keys = [key for key, _label in columns]
        order = [keys.index(k) for k in first] + [i for i, k in enumerate(keys) if k not in first]
        self._order = order if order != list(range(len(keys))) else None
        self._column_spec = [columns[i] for i in order]
        self._widest = [(widest or {}).get(key) for key, _label in self._column_spec]
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        """Columns first: a screen may hand over rows before this widget's own mount ran,
        and rows added before their columns would never size them."""
        if not self.columns:
            for key, label in self._column_spec:
                self.add_column(label, key=key)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Textual 8.2.8 keys its line caches by an update counter that measuring columns
        # does not move: a frame drawn between add_row and this (idle-time) measurement
        # would keep label-wide, truncated columns until the next change. Drop the caches.
        super()._update_dimensions(new_rows)
        self._clear_caches()
        self.refresh()
        # the scrollbar is its own widget: measured rows move its thumb too
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.refresh()

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        if not self._keys or not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def select_key(self, key: str) -> bool:
        if key in self._keys:
            self.move_cursor(row=self._keys.index(key), animate=False)
            return True
        return False

    def sync(self, rows: Sequence[Row]) -> None:
        """Show ``rows``: update changed cells in place, or rebuild keeping the cursor's row.
        Cells are cleaned of control characters: text from a feed never drives the terminal."""
        order, widest = self._order, self._widest
        if order is not None:
            rows = [(key, [cells[i] for i in order if i < len(cells)]) for key, cells in rows]
        rows = [
            (key, [cut(terminal_safe(c), w) for c, w in zip(cells, widest, strict=False)])
            for key, cells in rows
        ]
        self._ensure_columns()
        keys = [key for key, _cells in rows]
        columns = [key for key, _label in self._column_spec]
        if keys == self._keys:
            for key, cells in rows:
                old = self._cells.get(key, ())
                for index, (column, value) in enumerate(zip(columns, cells, strict=False)):
                    if index >= len(old) or old[index] != value:
                        # a value wider than its column re-measures it (``OUT adh`` must not
                        # stay ``OUT a`` because the column was sized for ``✓``)
                        wider = _width(value) > self.columns[ColumnKey(column)].content_width
                        self.update_cell(key, column, value, update_width=wider)
                self._cells[key] = tuple(cells)
            return
        selected = self.selected_key
        old_row = self.cursor_row
        scroll_x, scroll_y = self.scroll_x, self.scroll_y
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
            self._cells[key] = tuple(cells)
        self._keys = keys
        if selected in keys:
            target = keys.index(selected)
        else:
            target = min(max(old_row, 0), max(len(keys) - 1, 0))
        if keys:
            self.move_cursor(row=target, animate=False, scroll=False)
        self.scroll_to(scroll_x, scroll_y, animate=False)
        if keys and selected in keys:
            self.move_cursor(row=target, animate=False)
