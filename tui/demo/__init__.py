"""The bundled offline demo site (shop, social, catalog), served on 127.0.0.1.

`server.py` routes, `pages.py` renders HTML, `data.py` holds the products.
"""

from tui.demo.server import DemoServer

__all__ = ["DemoServer"]
