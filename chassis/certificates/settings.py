"""The settings every issuing service shares (env <SERVICE>_X or HALL_X), and the refusal of a development key."""

from dataclasses import dataclass

from chassis.config import UnsafeSettings

DEV_CERTIFICATE_KEY = "dev-only-certificate-key-change-me"


@dataclass(frozen=True)
class CertificateSettings:
    """Mixed into a service's config: `class AccountsConfig(CertificateSettings, ServiceConfig)`."""

    # HMAC key of the certificates' signatures: production sets HALL_CERTIFICATE_KEY from its Secret
    certificate_key: str = DEV_CERTIFICATE_KEY
    certificate_valid_days: int = 90
    # the hall as the public reaches it (HALL_PUBLIC_URL): a certificate's QR code links to its /verify page
    public_url: str = "http://127.0.0.1:8000"

    def __post_init__(self) -> None:
        later = getattr(super(), "__post_init__", None)  # ServiceConfig's own checks, should it have some
        if later is not None:
            later()
        if not getattr(self, "embedded", True) and self.certificate_key == DEV_CERTIFICATE_KEY:
            raise UnsafeSettings(
                "HALL_CERTIFICATE_KEY is the development default: a production process refuses it; "
                "set it from the platform's Secret"
            )

    @property
    def certificate_signing_key(self) -> bytes:
        return self.certificate_key.encode()

    def verify_url(self, display_code: str) -> str:
        return f"{self.public_url.rstrip('/')}/#/verify?code={display_code}"
