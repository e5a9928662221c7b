"""Errors a user (depositor or staff) can cause in the loans domain: a stable code and a Chinese detail."""

from chassis.rules import RuleViolation as BaseRuleViolation


class RuleViolation(BaseRuleViolation):
    """A business rule of the loans domain refused the request."""


class TransitionRefused(RuleViolation):
    """The workflow refused to move an application: illegal step, wrong role, missing opinion or four-eyes."""
