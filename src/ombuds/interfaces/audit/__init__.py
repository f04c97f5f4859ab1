"""`ombuds audit`: check from outside that a deployment analyses only in-scope content.

An automated version of the Citizen Lab experiment that exposed WeChat's surveillance of
one-to-one chats: fresh canaries go between accounts outside every policy's scope, then,
with fresh controls, between accounts inside it. In-scope enforcement that already knows
the canaries (matches them inline, on first sight) proves the out-of-scope copies were
fingerprinted. See `protocol` for the steps and `verdict` for the rule.
"""

from ombuds.interfaces.audit.config import AuditConfig
from ombuds.interfaces.audit.protocol import AuditResult, run_audit
from ombuds.interfaces.audit.verdict import CLEAN, INCONCLUSIVE, LEAK, Verdict

__all__ = ["CLEAN", "INCONCLUSIVE", "LEAK", "AuditConfig", "AuditResult", "Verdict", "run_audit"]
