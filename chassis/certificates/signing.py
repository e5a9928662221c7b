"""Verification codes and the HMAC-SHA256 signature over a certificate's stored facts.

The code is what a bank types in or scans: 16 characters from an alphabet without look-alikes (80 bits, never
guessed), shown in groups of four. The signature covers every stored fact, so a record altered in the database
(or a code pointed at other facts) no longer verifies. The key comes from the service's Secret
(`HALL_CERTIFICATE_KEY`); a production process refuses the development default (settings.py).
"""

import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime
from typing import Any

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
_NOT_CODE = re.compile(r"[\s\-]")


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """What the person typed (any case, with dashes or spaces) as a stored code; None if it cannot be one."""
    code = _NOT_CODE.sub("", text or "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def display_code(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: easier to read aloud and to type."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def signed_text(
    *, code: str, kind: str, owner: str, facts: dict[str, Any], issued_at: datetime, expires_at: datetime
) -> bytes:
    """The canonical bytes a signature covers: sorted JSON, so the same facts always sign the same."""
    document = {
        "code": code,
        "kind": kind,
        "owner": owner,
        "facts": facts,
        "issued_at": issued_at.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(key: bytes, text: bytes) -> str:
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def signature_holds(key: bytes, text: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(key, text), signature or "")
