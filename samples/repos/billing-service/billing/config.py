"""Billing settings from config/billing.json."""

import json
from pathlib import Path

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "billing.json"


def load_config(path=CONFIG_FILE):
    """The billing settings as a dict."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
