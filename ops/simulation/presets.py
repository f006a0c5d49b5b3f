"""The groups the simulation can play: the demo (`make run`) and a generated group of any size.

A preset says which stores the group has (name, city, brand, size, salespeople), whether staff
come and go, and whether the standard pay plan is published. The demo's stores and teams are
fixed, so its logins are known without running it (`demo_logins`); a generated group draws its
brands and sizes from the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ops.simulation.catalog import BRANDS, Brand

# Stores of the demo, by number: (name, city, brand); beyond the list it repeats as second,
# third... stores of a city. Salespeople per store, by store number (repeating too).
DEMO_STORES: tuple[tuple[str, str, str], ...] = (
    ("杭州西湖比亚迪4S店", "杭州", "BYD"),
    ("苏州园区丰田4S店", "苏州", "Toyota"),
    ("成都武侯大众4S店", "成都", "Volkswagen"),
    ("南京江宁吉利4S店", "南京", "Geely"),
    ("武汉光谷比亚迪4S店", "武汉", "BYD"),
    ("广州天河丰田4S店", "广州", "Toyota"),
    ("西安高新大众4S店", "西安", "Volkswagen"),
    ("宁波鄞州吉利4S店", "宁波", "Geely"),
)
DEMO_TEAM_SIZES = (5, 6, 4)

CITIES = (
    ("杭州", "西湖"),
    ("苏州", "园区"),
    ("成都", "武侯"),
    ("南京", "江宁"),
    ("武汉", "光谷"),
    ("广州", "天河"),
    ("西安", "高新"),
    ("宁波", "鄞州"),
    ("上海", "浦东"),
    ("北京", "朝阳"),
    ("深圳", "南山"),
    ("重庆", "渝北"),
    ("长沙", "岳麓"),
    ("郑州", "金水"),
    ("青岛", "崂山"),
    ("合肥", "蜀山"),
)
BRAND_WEIGHTS = (5, 4, 4, 3, 3, 2, 2, 2)  # how many stores of the group carry each brand
BRAND_BY_NAME = {b.name: b for b in BRANDS}


@dataclass(frozen=True)
class StoreSpec:
    name: str
    city: str
    brand: Brand
    size: float  # leads and stock relative to an ordinary store
    sellers: int  # salespeople at the start


@dataclass(frozen=True)
class Preset:
    name: str
    demo: bool  # fixed stores and teams, no turnover, the standard pay plan

    def store(self, index: int, rng: random.Random | None = None) -> StoreSpec:
        """The store with this number (the demo's are fixed; a generated one is drawn)."""
        if self.demo:
            name, city, brand = DEMO_STORES[index % len(DEMO_STORES)]
            round_ = index // len(DEMO_STORES)
            if round_:
                name = name.replace("4S店", f"{round_ + 1}号4S店")
            sellers = DEMO_TEAM_SIZES[index % len(DEMO_TEAM_SIZES)]
            return StoreSpec(name, city, BRAND_BY_NAME[brand], 1.0, sellers)
        if rng is None:
            raise ValueError("a generated store is drawn: give the simulation's random source")
        brand_ = rng.choices(BRANDS, BRAND_WEIGHTS)[0]
        city, district = CITIES[index % len(CITIES)]
        number = index // len(CITIES) + 1
        suffix = f"{number}号店" if number > 1 else "4S店"
        size = rng.choices((0.7, 1.0, 1.5), (3, 5, 2))[0]  # small, medium, large stores
        return StoreSpec(
            f"{city}{district}{brand_.name}{suffix}", city, brand_, size, max(3, round(5 * size))
        )


DEMO = Preset("demo", demo=True)
GROUP = Preset("group", demo=False)
