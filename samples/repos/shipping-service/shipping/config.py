"""Carrier settings from config/carriers.json."""

import json
from pathlib import Path

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "carriers.json"


def load_config(path=CONFIG_FILE):
    """The carrier settings as a dict."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
