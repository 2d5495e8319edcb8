"""Write a catalogue CSV of N books (two copies each) for timing `import-books`.

python bench/books_csv.py 100000 /tmp/books.csv
time python -m server import-books /tmp/books.csv
"""

from __future__ import annotations

import sys

from stdnum import ean


def main(count: int, path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("isbn,title,author,publisher,year,barcodes\n")
        for n in range(count):
            body = f"978{n:09d}"
            isbn = body + ean.calc_check_digit(body)
            out.write(
                f"{isbn},测试图书{n},作者{n % 977},出版社{n % 53},2001,BK{n:08d}A|BK{n:08d}B\n"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
