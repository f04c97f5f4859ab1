"""The vocabulary of design.md as plain, immutable values. Depends on nothing else in Ombuds."""

from ombuds.domain.bank import Bank, BankEntry
from ombuds.domain.content import AttributeValue, Content, ContentKind
from ombuds.domain.decision import Action, Decision, Evidence, Notice, Reason, Tier
from ombuds.domain.lexicon import Lexicon, LexiconRule, RuleKind
from ombuds.domain.policy import Policy
from ombuds.domain.signal import Signal

__all__ = [
    "Action",
    "AttributeValue",
    "Bank",
    "BankEntry",
    "Content",
    "ContentKind",
    "Decision",
    "Evidence",
    "Lexicon",
    "LexiconRule",
    "Notice",
    "Policy",
    "Reason",
    "RuleKind",
    "Signal",
    "Tier",
]
