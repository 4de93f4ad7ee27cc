"""quizapp's own RSA key pairs for LTI: generated and rotated by CLI, published at /lti/jwks.

The newest active key signs (client assertions for AGS/NRPS tokens, deep-linking
responses). Retired keys stay published for a while so platforms holding a token signed
with one can still verify it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from jwcrypto.jwk import JWK

from quizapp.extensions import db
from quizapp.models import LtiToolKey, utcnow

KEY_SIZE = 2048


def generate_key() -> LtiToolKey:
    """Create a new active RSA key; its key id is the RFC 7638 thumbprint."""
    key = JWK.generate(kty="RSA", size=KEY_SIZE)
    kid = key.thumbprint()
    public = key.export_public(as_dict=True)
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    row = LtiToolKey(
        kid=kid,
        private_key_pem=key.export_to_pem(private_key=True, password=None).decode(),
        public_jwk=public,
        active=True,
    )
    db.session.add(row)
    db.session.flush()
    return row


def rotate(now: datetime | None = None) -> LtiToolKey:
    """Retire every active key and start signing with a new one."""
    now = now or utcnow()
    db.session.execute(
        sa.update(LtiToolKey)
        .where(LtiToolKey.active.is_(True))
        .values(active=False, retired_at=now)
    )
    return generate_key()


def signing_key() -> LtiToolKey:
    """The newest active key, generated on first use so a fresh install just works."""
    key = db.session.scalar(
        sa.select(LtiToolKey)
        .where(LtiToolKey.active.is_(True))
        .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        .limit(1)
    )
    return key or generate_key()


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
