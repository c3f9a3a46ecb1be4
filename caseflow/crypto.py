"""Symmetric encryption and keyed hashing under keys that never live in the database.

Each purpose derives its own sub-key from ``CASEFLOW_DATA_KEY`` with HKDF-SHA256, so the TOTP
secrets, personal ID numbers and their matching hashes never share key material.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


@lru_cache(maxsize=32)
def derive_key(master: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"caseflow", info=purpose.encode()
    ).derive(master.encode())


def fernet(purpose: str) -> Fernet:
    key = derive_key(current_app.config["DATA_KEY"], f"fernet:{purpose}")
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(purpose: str, plaintext: str) -> str:
    return fernet(purpose).encrypt(plaintext.encode()).decode("ascii")


def decrypt(purpose: str, token: str) -> str:
    return fernet(purpose).decrypt(token.encode("ascii")).decode()


def keyed_hash(purpose: str, value: str) -> str:
    key = derive_key(current_app.config["DATA_KEY"], f"hmac:{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
