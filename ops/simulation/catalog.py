"""What the simulated dealer group sells and who comes to buy: brands and models with their
prices and VIN codes, cities, the funnel of each lead channel, the seasons of the Chinese car
market, names, and the words people type (notes, loss, cancel and unwind reasons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.shared.values import Channel


@dataclass(frozen=True)
class Model:
    name: str
    code: str  # two VIN characters of the vehicle descriptor section
    popularity: int
    trims: tuple[tuple[str, int], ...]  # (trim, list price in CNY)


@dataclass(frozen=True)
class Brand:
    name: str
    wmi: str  # world manufacturer identifier
    plant: str
    cost_ratio: tuple[float, float, float]  # dealer cost / list price: low, mode, high
    discount: tuple[float, float]  # first quote's discount / list price
    models: tuple[Model, ...]


BRANDS: tuple[Brand, ...] = (
    Brand(
        "BYD",
        "LGX",
        "S",
        (0.88, 0.91, 0.95),
        (0.0, 0.03),
        (
            Model("秦PLUS DM-i", "KP", 5, (("55km 领先型", 99800), ("120km 卓越型", 125800))),
            Model("宋PLUS DM-i", "SP", 4, (("110km 旗舰型", 155800), ("150km 旗舰PLUS", 169800))),
            Model("汉EV", "HE", 2, (("506km 尊贵型", 209800), ("610km 四驱旗舰型", 259800))),
            Model("海豚", "HT", 3, (("活力版", 99800), ("骑士版", 129800))),
            Model("元PLUS", "YP", 3, (("430km 领先型", 135800), ("510km 旗舰型", 153800))),
        ),
    ),
    Brand(
        "Toyota",
        "LVG",
        "G",
        (0.86, 0.89, 0.93),
        (0.02, 0.07),
        (
            Model("卡罗拉", "CR", 5, (("1.2T 先锋版", 119800), ("双擎 精英版", 139800))),
            Model("凯美瑞", "CM", 3, (("2.0E 精英版", 179800), ("2.5HQ 旗舰版", 219800))),
            Model("RAV4荣放", "RV", 4, (("2.0L 风尚版", 175800), ("双擎 四驱旗舰版", 219800))),
            Model("汉兰达", "HL", 2, (("2.5L 两驱精英版", 269800), ("四驱至尊版", 329800))),
        ),
    ),
    Brand(
        "Volkswagen",
        "LFV",
        "C",
        (0.84, 0.88, 0.92),
        (0.04, 0.12),
        (
            Model("朗逸", "LV", 5, (("1.5L 新逸版", 120900), ("280TSI 满逸版", 142900))),
            Model("速腾", "ST", 4, (("200TSI 飞越版", 149900), ("300TSI 超越版", 179900))),
            Model("迈腾", "MT", 3, (("330TSI 领先型", 189900), ("380TSI 旗舰型", 249900))),
            Model("途观L", "TG", 3, (("330TSI 两驱智享版", 215800), ("380TSI 四驱R-Line", 279800))),
            Model("ID.4 CROZZ", "DC", 2, (("纯净智享版", 199900), ("长续航 Prime", 252900))),
        ),
    ),
    Brand(
        "Geely",
        "L6T",
        "N",
        (0.87, 0.90, 0.94),
        (0.02, 0.08),
        (
            Model("帝豪", "DH", 4, (("1.5L 亚运版", 72900), ("1.5L 旗舰型", 89900))),
            Model("星瑞", "XR", 3, (("2.0TD 动Pro", 115700), ("2.0TD 征服者", 139700))),
            Model("博越L", "BY", 4, (("1.5T 智享版", 121700), ("2.0TD 旗舰版", 153700))),
            Model("星越L", "XY", 3, (("2.0TD 两驱旗舰", 173700), ("2.0TD 四驱至尊", 209700))),
        ),
    ),
    Brand(
        "Honda",
        "LHG",
        "J",
        (0.86, 0.90, 0.93),
        (0.02, 0.08),
        (
            Model("思域", "CV", 4, (("240TURBO 劲动版", 129900), ("HATCHBACK 极客版", 159900))),
            Model("雅阁", "AC", 3, (("260TURBO 精英版", 179800), ("锐·混动 旗舰版", 229800))),
            Model("CR-V", "CR", 4, (("240TURBO 两驱活力版", 181900), ("锐·混动 四驱版", 259900))),
        ),
    ),
    Brand(
        "Nissan",
        "LGB",
        "F",
        (0.85, 0.89, 0.93),
        (0.05, 0.13),
        (
            Model("轩逸", "SY", 5, (("1.6L XE 舒享版", 99800), ("e-POWER 超智联Pro", 139900))),
            Model("天籁", "TL", 2, (("2.0L XL 舒适版", 179800), ("2.0T 智享版", 229800))),
            Model("奇骏", "KJ", 3, (("VC-Turbo 300 两驱", 183900), ("e-POWER 四驱超越版", 249900))),
        ),
    ),
    Brand(
        "Mercedes-Benz",
        "LE4",
        "B",
        (0.88, 0.92, 0.96),
        (0.05, 0.15),
        (
            Model("C级", "CC", 4, (("C 260 L 皓夜运动版", 334900), ("C 260 L 4MATIC", 359900))),
            Model("E级", "EE", 3, (("E 260 L", 446100), ("E 300 L 豪华型", 496100))),
            Model(
                "GLC", "GL", 3, (("GLC 260 L 4MATIC 动感型", 428800), ("GLC 300 L 豪华型", 480800))
            ),
        ),
    ),
    Brand(
        "BMW",
        "LBV",
        "E",
        (0.88, 0.92, 0.96),
        (0.08, 0.18),
        (
            Model("3系", "TS", 4, (("325Li M运动套装", 349900), ("330Li xDrive", 399900))),
            Model("5系", "FS", 3, (("525Li 豪华套装", 439900), ("530Li 领先型", 499900))),
            Model("X3", "XT", 3, (("xDrive25i M运动套装", 399900), ("xDrive30i 领先型", 449900))),
        ),
    ),
)
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY"  # model years 2010..2030
VIN_SERIAL = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # 33 symbols for the six serial positions
COLOURS = (
    ("珍珠白", 30),
    ("曜石黑", 25),
    ("星河银", 15),
    ("钛金灰", 15),
    ("天际蓝", 10),
    ("中国红", 5),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏"
)
# Split from one string so the lists stay readable (ruff would explode a literal list).
GIVEN = (  # noqa: SIM905
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 浩 宇"
    " 欣怡 子涵 梓萱 思远 俊杰 晨曦 雨桐 佳琪 建国 建华 志强 海燕"
    " 秀英 玉兰 文博 一鸣 浩然 若曦 嘉怡 家豪 俊熙 晓东 立新 春梅"
).split()
MOBILE_PREFIXES = "138 139 136 137 135 150 151 158 159 186 187 188 177 199".split()  # noqa: SIM905

# --- the funnels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """How leads of a channel move: reached, booked, shown, and bought after a visit."""

    share: int  # weight among channels
    reached: float  # the first call gets through
    booked: float  # a reached customer books a visit or a test drive
    shows: float  # the customer comes to the appointment
    buys: float  # after a visit, a deal is opened (more after a test drive)
    online: bool


FUNNELS: dict[Channel, Funnel] = {
    Channel.WALK_IN: Funnel(30, 1.00, 0.00, 1.00, 0.38, False),
    Channel.PHONE: Funnel(14, 0.95, 0.45, 0.70, 0.36, False),
    Channel.WEBSITE: Funnel(16, 0.85, 0.33, 0.62, 0.32, True),
    Channel.MARKETPLACE: Funnel(24, 0.80, 0.30, 0.60, 0.30, True),
    Channel.REFERRAL: Funnel(8, 0.97, 0.55, 0.85, 0.50, False),
    Channel.CAMPAIGN: Funnel(8, 0.78, 0.25, 0.58, 0.30, True),
}
NOTES = {
    Channel.WEBSITE: ("官网留资",),
    Channel.MARKETPLACE: ("汽车之家询价", "懂车帝询价", "易车询价"),
    Channel.CAMPAIGN: ("抖音直播活动", "周末团购会", "以旧换新活动"),
    Channel.REFERRAL: ("老客户转介绍",),
}
LENDERS = ("平安银行", "招商银行", "工商银行", "厂家金融", "微众银行")
INSURERS = ("中国人保", "平安产险", "太平洋保险")
LEAVE_REASONS = ("个人原因离职", "转行", "回老家发展", "跳槽至竞品门店")
LOST_WITHOUT_VISIT = (
    ("no_response", 45),
    ("not_interested", 20),
    ("bought_elsewhere", 12),
    ("price", 10),
    ("competitor", 8),
    ("financing", 5),
)
LOST_AFTER_VISIT = (
    ("price", 30),
    ("competitor", 25),
    ("bought_elsewhere", 18),
    ("financing", 10),
    ("not_interested", 10),
    ("other", 7),
)
# Notes and reasons are what a Chinese salesperson types, fullwidth punctuation included.
OTHER_LOSS_NOTES = ("家人意见不一致，暂缓购车", "想等新款上市", "摇号未中，暂时无法上牌")
CANCEL_REASONS = ("价格未谈拢", "贷款未获批", "客户改选其他车型", "家庭原因暂缓购车")
UNWIND_REASONS = ("贷款审批撤销，客户退车", "交车后质量争议，协商退车")
WEEKDAY_WEIGHT = (0.8, 0.75, 0.8, 0.85, 1.0, 1.7, 1.6)  # Monday .. Sunday

# Spring Festival (Chinese New Year's day) by year: the floor empties around it.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}


def season(day: date) -> float:
    """The lead volume of a day relative to an ordinary one (weekday effects apart)."""
    factor = 1.0
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None:
        offset = (day - festival).days
        if -21 <= offset < -7:
            factor *= 1.15  # buy before the holiday
        elif -7 <= offset <= 7:
            factor *= 0.3
        elif 7 < offset <= 15:
            factor *= 0.7
    if day.month in (3, 4):
        factor *= 1.08  # 金三银四
    elif day.month in (7, 8):
        factor *= 0.9
    elif day.month == 10 and day.day <= 7:
        factor *= 1.7  # Golden Week
    elif day.month == 12:
        factor *= 1.15 + 0.35 * day.day / 31  # the year-end push for the annual targets
    return factor
