"""Bearer tokens of the assessment system: created once, stored only as a SHA-256 hash.

The plaintext is shown exactly once (by `create_api_token`, to the command line or the admin);
afterwards a token is found by the hash of what a client presents, so a database leak does not
reveal usable tokens. A token is 256 random bits, so a fast unsalted hash is enough: there is
nothing to brute-force that a salt or a slow hash would protect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from competency.models import ApiToken

TOKEN_PREFIX = "rb_"  # noqa: S105  (marks our tokens in logs and secret scanners; not a secret)
# Longer presented values are not ours: refuse them before hashing anything.
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often per token, so busy clients cause no write load.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
_NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
_PREFIX_LENGTH = ApiToken._meta.get_field("prefix").max_length or 8


class TokenError(Exception):
    """A token could not be created or changed."""


class InvalidTokenName(TokenError):
    pass


class DuplicateTokenName(TokenError):
    pass


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def create_api_token(*, name: str) -> tuple[ApiToken, str]:
    """Creates a token named `name`; returns (row, plaintext). The plaintext is never stored.

    Side effects: none beyond the row. Raises InvalidTokenName or DuplicateTokenName.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidTokenName(_("Nama token wajib diisi."))
    if len(name) > _NAME_MAX_LENGTH:
        raise InvalidTokenName(
            _("Nama token paling banyak %(max)d karakter.") % {"max": _NAME_MAX_LENGTH}
        )
    if ApiToken.objects.filter(name=name).exists():
        raise DuplicateTokenName(_("Token bernama “%(name)s” sudah ada.") % {"name": name})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name, token_hash=hash_token(plaintext), prefix=plaintext[:_PREFIX_LENGTH]
            )
    except IntegrityError:
        # Lost a race with another creation of the same name (the hash cannot collide).
        raise DuplicateTokenName(
            _("Token bernama “%(name)s” sudah ada.") % {"name": name}
        ) from None
    return token, plaintext


def verify_api_token(*, token: str) -> ApiToken | None:
    """The active token whose hash matches `token`, or None. One query when the token was used
    within the last minute; otherwise one more (a conditional UPDATE of last_used_at)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    found = ApiToken.objects.filter(token_hash=digest, is_active=True).first()
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    touch_api_token(token=found)
    return found


def touch_api_token(*, token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Records that the token was used, at most once per TOUCH_INTERVAL. Returns whether it wrote.

    Side effects: one UPDATE in autocommit; the WHERE clause makes concurrent requests write once.
    """
    now = now or timezone.now()
    threshold = now - TOUCH_INTERVAL
    if token.last_used_at is not None and token.last_used_at >= threshold:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)


@transaction.atomic
def revoke_api_tokens(*, tokens: Iterable[ApiToken]) -> int:
    """Deactivates tokens (their rows stay, for the record). Returns how many were active."""
    return ApiToken.objects.filter(pk__in=[t.pk for t in tokens], is_active=True).update(
        is_active=False
    )
