"""Grading a class on several machines: each grades one shard of the learners.

A learner belongs to shard ``hash(learner id) mod N``: the same learner always lands in the
same shard whatever else is in ROOT, so shards can be re-run (resumed) independently and a
late submission does not move anyone else. All of a learner's labs go to one shard.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from labkit.grading.platform_result import PLATFORM_FOLDER

# every file a graded submission leaves in DIR, by folder
SUBMISSION_FOLDERS = {"results": ".json", "evidence": ".json", "feedback": ".html",
                      PLATFORM_FOLDER: ".json"}


@dataclass(frozen=True)
class Shard:
    number: int   # 1..count
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """"K/N", e.g. "2/3" (1-based, as a person counts)."""
        try:
            number, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard takes K/N with whole numbers, e.g. 2/3 (got {text!r})")
        if not 1 <= number <= count:
            raise ValueError(f"--shard {text}: K must be between 1 and N")
        return cls(number, count)

    def owns(self, learner: str) -> bool:
        digest = hashlib.sha256(learner.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.number - 1


def forget(out: Path, keys: list[str]) -> None:
    """Remove these submissions' files from DIR, so that they are graded again."""
    for key in keys:
        for folder, suffix in SUBMISSION_FOLDERS.items():
            (out / folder / f"{key}{suffix}").unlink(missing_ok=True)
