"""Keys made from the session secret: the cookie signature and the refresh-token cipher.

The secret comes as a list, newest first: new cookies are signed and new
refresh tokens encrypted with the first; older ones are still accepted
(and decrypted), so rotating the secret signs nobody out. Drop an old secret
from the list once the sessions it made have expired.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, Signer

NONCE_BYTES = 12


class CannotDecrypt(Exception):
    """No secret in the list opens this refresh token (it was made with a secret since dropped)."""


def derive(secret: str, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose (HKDF-SHA256), so no two uses share key material."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"atoll session", info=purpose).derive(secret.encode())


class SessionKeys:
    def __init__(self, secrets: tuple[str, ...], *, site: str) -> None:
        if not secrets or not all(secrets):
            raise ValueError("the session secret list must not be empty")
        # The salt names the site (issuer and client_id): a cookie made by another
        # site that shares the secret does not verify here.
        self._signer = Signer([derive(s, b"cookie") for s in reversed(secrets)],
                              salt=f"atoll.session {site}", digest_method=hashlib.sha256)
        self._ciphers = [AESGCM(derive(s, b"refresh token")) for s in secrets]

    def sign(self, session_id: str) -> str:
        return self._signer.sign(session_id).decode()

    def unsign(self, value: str) -> str | None:
        """The session id of a cookie value signed with any of the secrets, else None."""
        try:
            return self._signer.unsign(value).decode()
        except (BadSignature, UnicodeError):
            return None

    def encrypt(self, token: str, *, bound_to: str) -> str:
        """AES-GCM with the newest key; ``bound_to`` (the store key) is authenticated,
        so a ciphertext copied into another session does not open."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[0].encrypt(nonce, token.encode(), bound_to.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, text: str, *, bound_to: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(text.encode())
        except ValueError:
            raise CannotDecrypt("the stored refresh token is not base64") from None
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        for cipher in self._ciphers:
            try:
                return cipher.decrypt(nonce, sealed, bound_to.encode()).decode()
            except InvalidTag:
                continue
        raise CannotDecrypt("no session secret in the list opens the stored refresh token")
