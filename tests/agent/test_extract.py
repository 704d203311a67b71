"""Extraction on a live session of the demo catalog."""

from __future__ import annotations

import pytest

from tui.demo.data import PRODUCTS

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_extract_catalog_matches_the_page(shop):
    await shop.goto("/catalog")
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "price": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "image": {"type": "string"},
            },
        },
    }
    items = await shop.provider.scrape(shop.id, schema=schema)
    assert items == [
        {
            "name": p.name,
            "price": p.price_text,
            "url": shop.base + p.path,
            "image": shop.base + p.image_path,
        }
        for p in PRODUCTS
    ]
    # What the person sees on the page says the same.
    page = await shop.page()
    for item in items:
        assert item["name"] in page.markdown and item["price"] in page.markdown
    few = await shop.provider.scrape(
        shop.id, schema=["name", "price"], max_items=3, scroll_to_bottom=True
    )
    assert [i["name"] for i in few] == [p.name for p in PRODUCTS[:3]]


async def test_extract_asks_the_model_when_one_is_configured(shop, scripted_model):
    await shop.goto("/catalog")
    scripted_model.script = [
        '[{"name": "AirPods Pro", "price": 249}, {"name": "Kindle", "price": 159.99, "extra": 1}]'
    ]
    items = await shop.provider.scrape(
        shop.id, schema={"name": "string", "price": "number"}, instructions="only audio"
    )
    assert items == [{"name": "AirPods Pro", "price": 249}, {"name": "Kindle", "price": 159.99}]
    prompt = scripted_model.received[0]["messages"][-1]["content"]
    assert "AirPods Max" in prompt and "Instructions: only audio" in prompt
    # An unusable answer falls back to the rules.
    scripted_model.script = ["sorry, I cannot"]
    items = await shop.provider.scrape(shop.id, schema=["name"], max_items=2)
    assert items == [{"name": "AirPods Pro"}, {"name": "AirPods Max"}]
