"""Why a notice could not be rendered or sent: a stable code and a Chinese detail, never a parameter value
(a verification code must not reach an error message or a log through here)."""


class NotificationError(Exception):
    def __init__(self, code: str, detail: str):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


class TemplateError(NotificationError):
    """A template that cannot be rendered with what it was given: a bug for the tests, not a user error."""
