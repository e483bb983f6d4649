"""Where the console keeps its files and which mode it runs in: what every other part of the settings uses."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from console.env import env_bool, env_choice, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("CONSOLE_DATA_DIR") or BASE_DIR / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

CONSOLE_MODE = env_choice("CONSOLE_MODE", ("development", "production"), "development")
PRODUCTION = CONSOLE_MODE == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode")
