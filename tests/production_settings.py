"""Production settings as a fresh process computes them: manage.py run with
rumahbelajar.settings and a production-like environment, plus what a test changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parents[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs manage.py in a fresh process with production settings plus `env`."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rumahbelajar"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEBUG": "0",
        "SECURE_HTTPS": "1",
        "SECRET_KEY": get_random_secret_key(),
        "ALLOWED_HOSTS": "rb.example.go.id",
        "DEMO_DATA": "0",
        "DOTENV_FILE": "",  # not the developer's .env that `make run` wrote
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_setting(name: str, **env: str) -> str:
    """A setting's value as production settings (plus `env`) compute it, in a fresh process."""
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print(settings.{name})",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
