"""quizapp's own RSA key pairs for LTI: generated and rotated by CLI, published at /lti/jwks.

The newest active key signs (client assertions for AGS/NRPS tokens, deep-linking
responses). Retired keys stay published for a while so platforms holding a token signed
with one can still verify it.

Private keys are stored encrypted (Fernet), so a copy of the database or of a backup
cannot sign as quizapp. The Fernet keys are derived with HKDF from the secrets that
``LtiSettings.key_secrets`` lists: the first one encrypts, every one decrypts, so a secret
is rotated by putting the new one first and running ``lti-keys encrypt``. Rows written
before encryption hold the plain PEM, which still works until that command encrypts it.
"""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwcrypto.jwk import JWK

from quizapp.extensions import db
from quizapp.models import LtiToolKey, utcnow

KEY_SIZE = 2048
PEM_HEADER = "-----BEGIN"
# HKDF's context: the same SECRET_KEY also signs sessions and passes, never with this key.
HKDF_INFO = b"quizapp lti tool private key v1"

PLAINTEXT = "plaintext"
ENCRYPTED = "encrypted"
STALE = "encrypted with an older secret"
UNREADABLE = "unreadable"

log = logging.getLogger(__name__)


class KeySecretError(RuntimeError):
    """A tool key cannot be encrypted or decrypted with the configured secrets."""


NO_CIPHER_MESSAGE = (
    "There is no secret to encrypt quizapp's LTI keys with: set SECRET_KEY "
    "(`flask --app quizapp setup` writes one) or LTI_KEY_SECRET."
)


def unreadable_message(kid: str) -> str:
    """What an operator reads when the configured secrets cannot decrypt key ``kid``."""
    return (
        f"quizapp's LTI signing key {kid} cannot be decrypted with the configured secrets "
        "(SECRET_KEY or LTI_KEY_SECRET changed since it was stored). Restore the old secret, "
        "or list it after the new one in LTI_KEY_SECRET, or start signing with a new key: "
        "`flask --app quizapp lti-keys rotate`."
    )


@functools.lru_cache(maxsize=16)
def _fernet(secret: str) -> Fernet:
    """The Fernet key of one secret; HKDF (not a password hash) and cached, as every
    signature decrypts the key again."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.encode())))


def _cipher(secrets: Sequence[str]) -> MultiFernet:
    if not secrets:
        raise KeySecretError(NO_CIPHER_MESSAGE)
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(pem: str, secrets: Sequence[str]) -> str:
    """A private key's PEM encrypted with the first secret (what the column stores)."""
    return _cipher(secrets).encrypt(pem.encode()).decode()


def is_encrypted(key: LtiToolKey) -> bool:
    """False for rows stored before encryption: they hold the PEM itself."""
    return not key.stored_private_key.lstrip().startswith(PEM_HEADER)


def private_key_pem(key: LtiToolKey, secrets: Sequence[str]) -> str:
    """The key's PEM for signing: decrypted, or as stored in a row from before encryption.

    :raises KeySecretError: no configured secret decrypts it (logged, naming the key).
    """
    if not is_encrypted(key):
        return key.stored_private_key
    try:
        return _cipher(secrets).decrypt(key.stored_private_key.encode()).decode()
    except InvalidToken:
        message = unreadable_message(key.kid)
        log.error("%s", message)
        raise KeySecretError(message) from None


def protection(key: LtiToolKey, secrets: Sequence[str]) -> str:
    """How the key is stored: PLAINTEXT, ENCRYPTED (with the first secret), STALE (with
    another configured secret) or UNREADABLE (by every configured secret)."""
    if not is_encrypted(key):
        return PLAINTEXT
    token = key.stored_private_key.encode()
    for position, secret in enumerate(secrets):
        try:
            _fernet(secret).decrypt(token)
        except InvalidToken:
            continue
        return ENCRYPTED if position == 0 else STALE
    return UNREADABLE


def generate_key(secrets: Sequence[str]) -> LtiToolKey:
    """Create a new active RSA key; its key id is the RFC 7638 thumbprint."""
    key = JWK.generate(kty="RSA", size=KEY_SIZE)
    kid = key.thumbprint()
    public = key.export_public(as_dict=True)
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = key.export_to_pem(private_key=True, password=None).decode()
    row = LtiToolKey(
        kid=kid,
        stored_private_key=seal(pem, secrets),
        public_jwk=public,
        active=True,
    )
    db.session.add(row)
    db.session.flush()
    return row


def rotate(secrets: Sequence[str], now: datetime | None = None) -> LtiToolKey:
    """Retire every active key and start signing with a new one."""
    _cipher(secrets)  # no secret: fail before retiring anything
    now = now or utcnow()
    db.session.execute(
        sa.update(LtiToolKey)
        .where(LtiToolKey.active.is_(True))
        .values(active=False, retired_at=now)
    )
    return generate_key(secrets)


def signing_key(secrets: Sequence[str]) -> LtiToolKey:
    """The newest active key, generated on first use so a fresh install just works."""
    key = db.session.scalar(
        sa.select(LtiToolKey)
        .where(LtiToolKey.active.is_(True))
        .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        .limit(1)
    )
    return key or generate_key(secrets)


@dataclass
class EncryptReport:
    """What `lti-keys encrypt` did, by key id."""

    encrypted: list[str] = field(default_factory=list)
    reencrypted: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def encrypt_stored_keys(secrets: Sequence[str]) -> EncryptReport:
    """Encrypt every key still stored as PEM, and re-encrypt with the first secret those an
    older one protects. Keys no secret opens stay as they are (reported: nothing can be
    done to them). All in the caller's transaction: commit once, or roll back on failure."""
    cipher = _cipher(secrets)
    report = EncryptReport()
    for key in all_keys():
        state = protection(key, secrets)
        if state == PLAINTEXT:
            key.stored_private_key = seal(key.stored_private_key, secrets)
            report.encrypted.append(key.kid)
        elif state == STALE:
            key.stored_private_key = cipher.rotate(key.stored_private_key.encode()).decode()
            report.reencrypted.append(key.kid)
        else:
            (report.current if state == ENCRYPTED else report.unreadable).append(key.kid)
    db.session.flush()
    return report


def all_keys() -> list[LtiToolKey]:
    """Every key, newest first (for `lti-keys list`)."""
    return list(
        db.session.scalars(
            sa.select(LtiToolKey).order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        )
    )


def published_keys(retired_days: int, now: datetime | None = None) -> list[LtiToolKey]:
    """Active keys and those retired within the last ``retired_days`` days."""
    cutoff = (now or utcnow()) - timedelta(days=retired_days)
    return list(
        db.session.scalars(
            sa.select(LtiToolKey)
            .where(sa.or_(LtiToolKey.active.is_(True), LtiToolKey.retired_at >= cutoff))
            .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        )
    )


def jwks(retired_days: int, now: datetime | None = None) -> dict[str, Any]:
    """The public JSON Web Key Set served at /lti/jwks."""
    return {"keys": [dict(key.public_jwk) for key in published_keys(retired_days, now)]}
