"""Does title search on PostgreSQL need more than LIKE at 5,000 titles? Measure it.

Builds a copy of `library_titles` (same columns and indexes) with N realistic titles
in a schema of its own (`bench_library`, dropped first), then times the search query
of services/library/catalogue.py (`title ILIKE %q% OR author ILIKE %q% OR isbn = …`)
for a set of short and long Chinese queries: first with the plain indexes the app
has, then after adding pg_trgm GIN indexes on title and author. Prints the median and
95th percentile per variant and the plan PostgreSQL picked.

    .venv/bin/python -m bench.library_search --url postgres://postgres@127.0.0.1:5432/t16
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

import asyncpg
from stdnum import ean

_WORD_LIST = (
    "中国 城市 治理 基层 经济 发展 政府 改革 历史 文化 法治 行政 管理 社会 乡村 振兴 "
    "数字 时代 科学 技术 人工智能 哲学 思想 文学 小说 诗歌 散文 传记 人生 故事 三体 "
    "红楼 西游 长安 明朝 宋词 唐诗 江南 北京 上海 家庭 教育 心理 健康 医学 营养 旅行 "
    "世界 未来 简史 原则 读本 概论 导论 研究 案例 实务 手册 指南 精讲 评论 随笔"
)
WORDS = _WORD_LIST.split()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓梅海燕志红"
QUERIES = ["治理", "三体", "经济", "王", "人工智能", "城市治理", "中国历史", "读本", "简史", "李强"]


def title_of(rng: random.Random) -> str:
    return "".join(rng.sample(WORDS, rng.randint(2, 4)))


def author_of(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2)))


def isbn_of(n: int) -> str:
    body = f"978{n:09d}"
    return body + ean.calc_check_digit(body)


SEARCH = """
    SELECT id FROM library_titles
    WHERE title ILIKE $1 OR author ILIKE $1 OR isbn = $2
    ORDER BY id LIMIT 21
"""


async def build(conn: asyncpg.Connection, count: int) -> None:
    rng = random.Random(16)
    await conn.execute("DROP SCHEMA IF EXISTS bench_library CASCADE; CREATE SCHEMA bench_library")
    await conn.execute("SET search_path TO bench_library")
    await conn.execute(
        """CREATE TABLE library_titles (
            id SERIAL PRIMARY KEY, isbn VARCHAR(13) NOT NULL UNIQUE, title VARCHAR(200) NOT NULL,
            author VARCHAR(200) NOT NULL DEFAULT '', publisher VARCHAR(200) NOT NULL DEFAULT '',
            year INT, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
           CREATE INDEX idx_library_ti_title ON library_titles (title);"""
    )
    rows = [
        (isbn_of(n), title_of(rng), author_of(rng), "测试出版社", 2000 + n % 25)
        for n in range(count)
    ]
    await conn.copy_records_to_table(
        "library_titles", records=rows, columns=["isbn", "title", "author", "publisher", "year"]
    )
    await conn.execute("ANALYZE library_titles")


async def measure(conn: asyncpg.Connection, rounds: int) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            await conn.fetch(SEARCH, f"%{q}%", q)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)]


async def plan(conn: asyncpg.Connection, q: str) -> str:
    rows = await conn.fetch("EXPLAIN ANALYZE " + SEARCH, f"%{q}%", q)
    return "\n    ".join(r[0] for r in rows)


async def main(url: str, count: int, rounds: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await build(conn, count)
        for _ in range(3):  # warm the cache
            await measure(conn, 1)
        plain = await measure(conn, rounds)
        print(f"{count} titles, {len(QUERIES)} queries x {rounds} rounds")
        print(f"  LIKE (app indexes):  median {plain[0]:.2f} ms, p95 {plain[1]:.2f} ms")
        print("    " + await plan(conn, "治理"))
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA bench_library")
        await conn.execute(
            "CREATE INDEX t_trgm ON library_titles USING gin (title gin_trgm_ops);"
            "CREATE INDEX a_trgm ON library_titles USING gin (author gin_trgm_ops);"
            "ANALYZE library_titles"
        )
        for _ in range(3):
            await measure(conn, 1)
        trgm = await measure(conn, rounds)
        print(f"  + pg_trgm GIN:       median {trgm[0]:.2f} ms, p95 {trgm[1]:.2f} ms")
        print("    " + await plan(conn, "城市治理"))
        await conn.execute("DROP SCHEMA bench_library CASCADE")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/t16")
    parser.add_argument("--titles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.titles, args.rounds))
