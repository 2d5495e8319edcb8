"""`python -m server import-books FILE.csv`: idempotent, bad rows reported by line, never half a row."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from models.library import Copy, Title
from tests.support.library import new_barcodes, new_isbn

ROOT = Path(__file__).resolve().parent.parent


async def _import(path: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "import-books",
        str(path),
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_import_books_reports_bad_rows_and_is_idempotent(client, tmp_path):
    good, isbn10_row, clash, bad_digit = new_isbn(), new_isbn(), new_isbn(), new_isbn()
    codes = new_barcodes(5)
    # An ISBN-10 form of a 978 ISBN-13: drop the prefix and recompute the check digit.
    from stdnum import isbn as stdnum_isbn

    isbn10 = stdnum_isbn.to_isbn10(isbn10_row)
    rows = [
        "isbn,title,author,publisher,year,barcodes",
        f"{good},乡土中国（导入）,费孝通,三联书店,1998,{codes[0]}|{codes[1]}",  # line 2
        f"{isbn10},围城（导入）,钱锺书,人民文学出版社,2012,{codes[2]}",  # line 3
        f"{bad_digit[:-1]}{(int(bad_digit[-1]) + 1) % 10},坏校验位,某人,某社,2000,{codes[3]}",  # 4
        f"{clash},条码冲突,某人,某社,2001,{codes[4]}|{codes[0]}",  # line 5: codes[0] is taken
        f"{new_isbn()},,无书名,某社,2001,",  # line 6
        f"{new_isbn()},年份错,某人,某社,20X1,",  # line 7
    ]
    csv_file = tmp_path / "books.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = await _import(csv_file)
    assert code == 1, (out, err)
    assert "2 titles and 3 copies created" in out and "4 bad rows" in out
    for line in (4, 5, 6, 7):
        assert f"line {line}:" in err, err
    assert "line 2:" not in err and "line 3:" not in err
    assert await Title.filter(isbn=good).count() == 1
    assert (await Title.get(isbn=isbn10_row)).title == "围城（导入）"  # stored as ISBN-13
    # The clashing row imported nothing: neither its title nor its first barcode.
    assert await Title.filter(isbn=clash).count() == 0
    assert await Copy.filter(barcode=codes[4]).count() == 0
    # Again: nothing new.
    code, out, _ = await _import(csv_file)
    assert "0 titles and 0 copies created, 2 rows unchanged" in out
    assert await Copy.filter(barcode__in=codes).count() == 3


async def test_import_refuses_a_file_without_the_columns(client, tmp_path):
    csv_file = tmp_path / "wrong.csv"
    csv_file.write_text("isbn,name\n9787020002207,红楼梦\n", encoding="utf-8")
    code, _, err = await _import(csv_file)
    assert code == 2 and "缺少列" in err and len(err.strip().splitlines()) == 1


async def test_import_reads_utf8_with_a_bom_and_gb18030(client, tmp_path):
    for encoding, name in (("utf-8-sig", "bom.csv"), ("gbk", "gbk.csv"), ("gb18030", "gb.csv")):
        isbn, codes = new_isbn(), new_barcodes(1)
        title = f"乡土中国·{encoding}"
        csv_file = tmp_path / name
        csv_file.write_bytes(
            f"isbn,title,author,publisher,year,barcodes\n{isbn},{title},费孝通,三联书店,1998,"
            f"{codes[0]}\n".encode(encoding)
        )
        code, out, err = await _import(csv_file)
        assert code == 0, (encoding, out, err)
        assert (await Title.get(isbn=isbn)).title == title
        assert await Copy.filter(barcode=codes[0]).count() == 1


async def test_a_file_in_another_encoding_is_refused_in_one_line(client, tmp_path):
    csv_file = tmp_path / "latin.csv"
    csv_file.write_bytes(b"isbn,title\n9787020002207,\xff\xfe\xff\n")
    code, out, err = await _import(csv_file)
    assert code == 2, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "UTF-8" in err and "GB18030" in err


async def test_a_large_import_goes_in_batches_and_shows_no_progress_in_a_pipe(client, tmp_path):
    """More rows than one statement may carry arguments for (asyncpg: 32,767)."""
    count = 12_000
    unique: set[str] = set()
    while len(unique) < count:
        unique.add(new_isbn())
    isbns = sorted(unique)
    codes = new_barcodes(count * 2)
    lines = ["isbn,title,author,publisher,year,barcodes"] + [
        f"{isbn},批量{n},某人,某社,2001,{codes[2 * n]}|{codes[2 * n + 1]}"
        for n, isbn in enumerate(isbns)
    ]
    csv_file = tmp_path / "many.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = await _import(csv_file)
    assert code == 0, (out, err[-2000:])
    assert f"{count} titles and {count * 2} copies created" in out
    assert err == ""  # stderr is not a terminal here: no progress lines
    assert await Title.filter(isbn__in=isbns[:100]).count() == 100
    assert await Copy.filter(barcode__in=codes[-100:]).count() == 100
