import datetime as dt
import re
from pathlib import Path

from assetmap.config import SETTINGS_HELP, Settings, load_settings


def test_environment_overrides_defaults_and_ints_are_parsed():
    settings = load_settings({"DATABASE_URL": "postgresql+psycopg://x/y", "ASSETMAP_STALE_AFTER_DAYS": "400"})
    assert settings.database_url == "postgresql+psycopg://x/y" and settings.stale_after_days == 400
    assert load_settings({}).database_url == "sqlite:///assetmap.db"


def test_clock_is_injectable():
    fixed = dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    assert Settings(clock=lambda: fixed).today() == dt.date(2030, 1, 2)


def test_readme_settings_table_matches_the_settings():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == set(SETTINGS_HELP)
