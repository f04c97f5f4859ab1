"""The vocabulary of design.md as plain, immutable values. Depends on nothing else in Ombuds."""

from ombuds.domain.bank import Bank, BankEntry
from ombuds.domain.case import Case, CaseStatus, Outcome, needs_review, opens_case
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
    "Case",
    "CaseStatus",
    "Content",
    "ContentKind",
    "Decision",
    "Evidence",
    "Lexicon",
    "LexiconRule",
    "Notice",
    "Outcome",
    "Policy",
    "Reason",
    "RuleKind",
    "Signal",
    "Tier",
    "needs_review",
    "opens_case",
]
