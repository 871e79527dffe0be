"""Names a platform reads exactly, and the near misses people commit instead (`requirement.txt`,
`Requirements.txt`, `Procfile.txt` saved by Notepad): a misspelled file is never read, and Linux, where
every platform builds, tells `Requirements.txt` from `requirements.txt`."""

from __future__ import annotations

import difflib
import re

# The names that must be exact (which platforms read each: runtime.platforms.Platform.reads_exact_name).
EXACT = ("requirements.txt", "Procfile", "packages.txt")
# Above this similarity a name is taken for a typo of the target: `requirement.txt` is 0.97, `package.txt`
# 0.96, `Profile` 0.93; `requirements-dev.txt` (0.89) and `Procfile.dev` (0.80) are real variants.
_SIMILAR = 0.9
# Named variants that are files of their own: requirements-dev.txt, test_requirements.txt, requirements.in.
_VARIANT = re.compile(r"^(?:.*[-_.])?requirements(?:[-_.].*)?\.(?:txt|in)$|\.in$", re.IGNORECASE)

# One matcher per target: SequenceMatcher indexes its second sequence once, on creation.
_MATCHERS = {target: difflib.SequenceMatcher(None, "", target.lower()) for target in EXACT}


def misspelling_of(name: str) -> str | None:
    """The exact name `name` was most likely meant to be, or None when it is exact or unrelated."""
    low = name.lower()
    # This runs on every file name of the tree walk: only names of about the target's length that begin as it
    # does are compared (a typo in the first two letters is missed, at no cost to the other 99.9% of names).
    near = [t for t in EXACT if abs(len(name) - len(t)) <= 4 and low[:2] == t[:2].lower()]
    if name in EXACT or not near:
        return None
    for target in near:
        if target.lower() in (low, low + ".txt", low.removesuffix(".txt")):
            return target
    if _VARIANT.match(name):
        return None
    for target in near:
        matcher = _MATCHERS[target]
        matcher.set_seq1(low)
        if matcher.quick_ratio() >= _SIMILAR and matcher.ratio() >= _SIMILAR:
            return target
    return None
