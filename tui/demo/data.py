"""The demo site's data: products, seeded social posts, product artwork.

Everything is in memory and read-only; per-visitor state (cart, login, posts)
lives in cookies so that each browser session has its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price: float
    category: str
    blurb: str
    color: str  # artwork background
    rating: float = 4.5
    reviews: int = 0

    @property
    def price_text(self) -> str:
        return f"${self.price:,.2f}"

    @property
    def path(self) -> str:
        return f"/shop/product/{self.slug}"

    @property
    def image_path(self) -> str:
        return f"/img/{self.slug}.svg"


PRODUCTS: list[Product] = [
    Product(
        "airpods-pro",
        "AirPods Pro",
        249.00,
        "Audio",
        "Active noise cancellation, adaptive transparency and a MagSafe charging case.",
        "#e8eef7",
        4.7,
        18234,
    ),
    Product(
        "airpods-max",
        "AirPods Max",
        549.00,
        "Audio",
        "Over-ear headphones with computational audio and a knit-mesh canopy.",
        "#dfe9e1",
        4.5,
        6120,
    ),
    Product(
        "airpods-4",
        "AirPods 4",
        129.00,
        "Audio",
        "Open-ear fit, personalised spatial audio and up to 30 hours with the case.",
        "#f3ece3",
        4.4,
        3210,
    ),
    Product(
        "macbook-air",
        "MacBook Air 13-inch",
        1099.00,
        "Computers",
        "M-series chip, 18-hour battery and a fanless design that stays silent.",
        "#e6e3f3",
        4.8,
        9480,
    ),
    Product(
        "kindle-paperwhite",
        "Kindle Paperwhite",
        159.99,
        "E-readers",
        "A 7-inch glare-free display, warm light and weeks of battery.",
        "#e3f0ef",
        4.6,
        40211,
    ),
    Product(
        "sony-wh-1000xm5",
        "Sony WH-1000XM5",
        399.99,
        "Audio",
        "Industry-leading noise cancelling headphones with 30-hour battery life.",
        "#ececec",
        4.6,
        12877,
    ),
    Product(
        "ipad-air",
        "iPad Air",
        599.00,
        "Tablets",
        "An 11-inch Liquid Retina display and Apple Pencil Pro support.",
        "#f5e6ea",
        4.7,
        7322,
    ),
    Product(
        "echo-dot",
        "Echo Dot (5th Gen)",
        49.99,
        "Smart home",
        "A compact smart speaker with clearer vocals and a temperature sensor.",
        "#e2ecf5",
        4.5,
        51022,
    ),
    Product(
        "nintendo-switch",
        "Nintendo Switch OLED",
        349.99,
        "Gaming",
        "A vibrant 7-inch OLED screen, a wide adjustable stand and 64 GB of storage.",
        "#f7e4e1",
        4.8,
        23450,
    ),
    Product(
        "logitech-mx-master-3s",
        "Logitech MX Master 3S",
        99.99,
        "Accessories",
        "A quiet, precise wireless mouse with an 8K DPI sensor and MagSpeed scrolling.",
        "#e9e9e2",
        4.7,
        8810,
    ),
    Product(
        "anker-power-bank",
        "Anker 737 Power Bank",
        89.99,
        "Accessories",
        "24,000 mAh and 140 W output: charges a laptop and a phone at once.",
        "#e4efe6",
        4.5,
        5230,
    ),
    Product(
        "apple-watch-se",
        "Apple Watch SE",
        249.00,
        "Wearables",
        "Crash detection, sleep tracking and a brighter Retina display.",
        "#f1ece1",
        4.6,
        11904,
    ),
]

BY_SLUG = {p.slug: p for p in PRODUCTS}
FEATURED = ["airpods-pro", "macbook-air", "kindle-paperwhite", "sony-wh-1000xm5"]

SEED_POSTS = [
    ("Grace Hopper", "@grace", "It's easier to ask forgiveness than it is to get permission.", 42),
    (
        "Alan Turing",
        "@alan",
        "We can only see a short distance ahead, but we can see plenty there that needs to be done.",
        128,
    ),
    (
        "Margaret Hamilton",
        "@margaret",
        "Shipped the landing software today. No alarms worth worrying about.",
        77,
    ),
]

SHIPPING = [
    ("standard", "Standard (4–6 days)", 0.0),
    ("express", "Express (1–2 days)", 14.99),
    ("pickup", "Pick up in store", 0.0),
]


def search(query: str) -> list[Product]:
    """Products whose name, category or blurb contain every word of the query."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    out = []
    for p in PRODUCTS:
        hay = f"{p.name} {p.category} {p.blurb}".lower()
        if all(w in hay for w in words):
            # Name matches first: "airpods pro" puts AirPods Pro before a blurb mention.
            out.append((0 if all(w in p.name.lower() for w in words) else 1, p))
    return [p for _, p in sorted(out, key=lambda t: t[0])]


def artwork(product: Product) -> str:
    """A small SVG for a product: a tinted card with a simple device silhouette."""
    initials = "".join(w[0] for w in product.name.split()[:2]).upper()
    shape = {
        "Audio": '<path d="M42 92 V78 a38 38 0 0 1 76 0 V92" fill="none" stroke="#333" '
        'stroke-width="8" stroke-linecap="round"/>'
        '<rect x="30" y="84" width="24" height="36" rx="10" fill="#333"/>'
        '<rect x="106" y="84" width="24" height="36" rx="10" fill="#333"/>',
        "Computers": '<rect x="35" y="40" width="90" height="58" rx="6" fill="#333"/>'
        '<rect x="25" y="100" width="110" height="10" rx="4" fill="#666"/>',
        "E-readers": '<rect x="52" y="30" width="56" height="84" rx="8" fill="#333"/>'
        '<rect x="58" y="38" width="44" height="62" fill="#f4f1e8"/>',
        "Tablets": '<rect x="42" y="30" width="76" height="92" rx="10" fill="#333"/>'
        '<rect x="48" y="36" width="64" height="80" rx="4" fill="#9ec5fe"/>',
        "Smart home": '<ellipse cx="80" cy="80" rx="40" ry="26" fill="#334"/>'
        '<ellipse cx="80" cy="70" rx="40" ry="18" fill="#556"/>',
        "Gaming": '<rect x="30" y="50" width="100" height="50" rx="10" fill="#333"/>'
        '<rect x="30" y="50" width="18" height="50" rx="8" fill="#e60012"/>'
        '<rect x="112" y="50" width="18" height="50" rx="8" fill="#00a6d6"/>',
        "Wearables": '<rect x="58" y="40" width="44" height="54" rx="12" fill="#333"/>'
        '<rect x="66" y="20" width="28" height="20" fill="#888"/>'
        '<rect x="66" y="94" width="28" height="20" fill="#888"/>',
    }.get(
        product.category,
        '<rect x="45" y="40" width="70" height="70" rx="16" fill="#333"/>',
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160">'
        f'<rect width="160" height="160" rx="16" fill="{product.color}"/>{shape}'
        f'<text x="80" y="148" font-family="sans-serif" font-size="14" text-anchor="middle" '
        f'fill="#555">{escape(initials)}</text></svg>'
    )
