"""Sort lines of bytes in bounded memory: sorted runs spilled to temporary files, then merged.

:class:`LineSort` takes lines (each ending in ``\\n``) in any order and gives them back
sorted by byte value (for UTF-8 text, code point order). At most :data:`RUN_BYTES` of
lines are held in memory: each full run is sorted and written to a temporary file, and
the runs are merged (``heapq.merge``) as they are read back, so sorting the N-Quads of a
large store costs one more write and read of its bytes, not several times its size in
memory. Plain Python: no engine, no RDF.

>>> with LineSort(run_bytes=4) as lines:
...     lines.extend([b"b\\n", b"c\\n", b"a\\n"])
...     lines.extend([b"a\\n"])
...     b"".join(lines.merged())
b'a\\na\\nb\\nc\\n'
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

__all__ = ["LineSort", "RUN_BYTES", "write_lines"]

#: Bytes of lines sorted in memory before a run is written to a temporary file (the
#: Python objects of a run take about 1.3 times its bytes).
RUN_BYTES = 8 << 20


class LineSort:
    """Lines in (:meth:`extend`), sorted lines out (:meth:`merged`, once, after the last
    :meth:`extend`); a context manager that deletes its temporary files.

    ``run_bytes`` defaults to :data:`RUN_BYTES`.
    """

    def __init__(self, *, run_bytes: int | None = None) -> None:
        self._run_bytes = RUN_BYTES if run_bytes is None else run_bytes
        self._lines: list[bytes] = []
        self._size = 0
        self._runs: list[IO[bytes]] = []

    def __enter__(self) -> LineSort:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def extend(self, lines: list[bytes]) -> None:
        """Add lines (each ending in ``\\n``); a full run is sorted and spilled to disk."""
        self._lines += lines
        self._size += sum(map(len, lines))
        if self._size >= self._run_bytes:
            self._lines.sort()
            run = tempfile.TemporaryFile(prefix="peacegraph-sort-")
            self._runs.append(run)
            run.writelines(self._lines)
            self._lines = []
            self._size = 0

    def merged(self) -> Iterator[bytes]:
        """Every line added, sorted, the runs on disk merged with the one in memory."""
        self._lines.sort()
        last, self._lines = self._lines, []
        if not self._runs:
            return iter(last)
        for run in self._runs:
            run.seek(0)
        return heapq.merge(*self._runs, last)

    def close(self) -> None:
        """Delete the temporary files (idempotent)."""
        self._lines = []
        for run in self._runs:
            run.close()
        self._runs = []


def write_lines(lines: Iterable[bytes], output: IO[bytes], *, batch: int = 1 << 12) -> int:
    """Write ``lines`` to ``output``, ``batch`` lines per write; return how many were written."""
    count = 0
    buffer: list[bytes] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= batch:
            output.write(b"".join(buffer))
            count += len(buffer)
            buffer.clear()
    if buffer:
        output.write(b"".join(buffer))
        count += len(buffer)
    return count
