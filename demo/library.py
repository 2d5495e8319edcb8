"""Demo data: real-looking Chinese titles with copies, a loan and a hold for S0001."""

from __future__ import annotations

from datetime import datetime

from models.library import Copy, Hold, Loan, Title
from services.library.catalogue import normalise_isbn

# isbn, title, author, publisher, year, copies
BOOKS = [
    ("9787020002207", "红楼梦", "曹雪芹", "人民文学出版社", 1996, 3),
    ("9787020008735", "三国演义", "罗贯中", "人民文学出版社", 1998, 2),
    ("9787020008728", "水浒传", "施耐庵", "人民文学出版社", 1997, 2),
    ("9787020008742", "西游记", "吴承恩", "人民文学出版社", 1980, 2),
    ("9787506365437", "活着", "余华", "作家出版社", 2012, 3),
    ("9787530216781", "平凡的世界", "路遥", "北京十月文艺出版社", 2017, 2),
    ("9787536692930", "三体", "刘慈欣", "重庆出版社", 2008, 2),
    ("9787536693968", "三体Ⅱ：黑暗森林", "刘慈欣", "重庆出版社", 2008, 1),
    ("9787229030933", "三体Ⅲ：死神永生", "刘慈欣", "重庆出版社", 2010, 1),
    ("9787544253994", "百年孤独", "加西亚·马尔克斯", "南海出版公司", 2011, 2),
    ("9787020090006", "围城", "钱锺书", "人民文学出版社", 2012, 2),
    ("9787108009821", "乡土中国", "费孝通", "生活·读书·新知三联书店", 1998, 2),
    ("9787101003048", "史记（全十册）", "司马迁", "中华书局", 1982, 1),
    ("9787532731077", "1984", "乔治·奥威尔", "上海译文出版社", 2003, 1),
    ("9787508647357", "人类简史", "尤瓦尔·赫拉利", "中信出版社", 2014, 2),
    ("9787111213826", "Java编程思想", "Bruce Eckel", "机械工业出版社", 2007, 1),
    ("9787115428028", "Python编程：从入门到实践", "埃里克·马瑟斯", "人民邮电出版社", 2016, 2),
    ("9787300263601", "行政法与行政诉讼法", "姜明安", "中国人民大学出版社", 2019, 2),
    ("9787208171336", "置身事内：中国政府与经济发展", "兰小欢", "上海人民出版社", 2021, 3),
    ("9787544270878", "解忧杂货店", "东野圭吾", "南海出版公司", 2014, 2),
    ("9787208061644", "追风筝的人", "卡勒德·胡赛尼", "上海人民出版社", 2006, 1),
    ("9787020125265", "白鹿原", "陈忠实", "人民文学出版社", 2012, 1),
    ("9787530211304", "穆斯林的葬礼", "霍达", "北京十月文艺出版社", 2015, 1),
    ("9787020024759", "围城（典藏版）", "钱锺书", "人民文学出版社", 1991, 1),
    ("9787201077598", "人间失格", "太宰治", "天津人民出版社", 2015, 1),
    ("9787544291170", "月亮与六便士", "毛姆", "南海出版公司", 2017, 1),
    ("9787508660752", "原则", "瑞·达利欧", "中信出版社", 2018, 1),
    ("9787300140421", "经济学原理", "曼昆", "北京大学出版社", 2015, 1),
    ("9787513332262", "长安的荔枝", "马伯庸", "湖南文艺出版社", 2022, 2),
    ("9787020139927", "人世间", "梁晓声", "中国青年出版社", 2017, 2),
]


async def _seed_titles() -> int:
    created = 0
    for index, (isbn, name, author, publisher, year, copies) in enumerate(BOOKS, start=1):
        isbn13 = normalise_isbn(isbn)
        title, made = await Title.get_or_create(
            isbn=isbn13,
            defaults={"title": name, "author": author, "publisher": publisher, "year": year},
        )
        created += int(made)
        for number in range(1, copies + 1):
            await Copy.get_or_create(
                barcode=f"LIB{index:03d}{number:02d}", defaults={"title_id": title.id}
            )
    return created


async def seed(*, now: datetime) -> list[str]:
    """Idempotent: titles and copies by ISBN and barcode; S0001's loan and hold once."""
    from demo import demo_account
    from services.library.circulation import borrow
    from services.library.holds import place_hold

    created = await _seed_titles()
    reader = await demo_account("S0001")
    lines = [f"library: {await Title.all().count()} titles ({created} new)"]
    if not await Loan.filter(borrower_id=reader.id).exists():
        await borrow(user_id=reader.id, barcode="LIB00501", channel="self", now=now)
        lines.append("library: S0001 borrowed 活着 (LIB00501)")
    if not await Hold.filter(user_id=reader.id).exists():
        # 三体Ⅱ has one copy: lend it to S0002, then S0001 waits in the queue.
        other = await demo_account("S0002")
        sandii = await Copy.get(barcode="LIB00801")
        if sandii.status == "available":
            await borrow(user_id=other.id, barcode="LIB00801", channel="desk", now=now)
        title_id: int = sandii.title_id
        await place_hold(user_id=reader.id, title_id=title_id, now=now)
        lines.append("library: S0001 holds 三体Ⅱ (waiting behind S0002's loan)")
    return lines
