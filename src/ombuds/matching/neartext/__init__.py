"""Near-duplicate text index over MinHash values (`ombuds.matching.signals.minhash`).

index = NearTextIndex()
index.add(value, ref)                  # ref: the bank entry id
index.query(value, threshold=0.8)      # [NearTextMatch(ref, similarity), ...]
index.save(folder); NearTextIndex.load(folder)
"""

from ombuds.matching.neartext.index import DEFAULT_BANDS, NearTextIndex, NearTextMatch

__all__ = ["DEFAULT_BANDS", "NearTextIndex", "NearTextMatch"]
