"""The instructions and the short name left once the schedule words are taken out of a sentence."""

from __future__ import annotations

import re

URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"')]+|\bwww\.[^\s<>\"')]+", re.IGNORECASE)
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")

_LEAD = re.compile(r"^(?:[\s,;:\-–—.]+|(?:and|then|to|please|also)\b\s*)", re.IGNORECASE)
_TRAIL = re.compile(r"(?:[\s,;:\-–—]+|(?<=\s)(?:and|then|please|at|on|in|from|for)\b\s*)$", re.IGNORECASE)
_REMIND = re.compile(r"^(?:please\s+)?remind\s+me\s+(?:to\s+|that\s+|about\s+)?", re.IGNORECASE)
_NAME_STOP = {"and", "or", "the", "a", "an", "of", "to", "from", "for", "in", "on", "at", "with", "by"}


def instructions_from(text: str, consumed: str) -> str:
    """``text`` without the characters marked NUL in ``consumed``, tidied into a sentence."""
    kept = "".join(ch for ch, mark in zip(text, consumed, strict=True) if mark != "\x00")
    kept = re.sub(r"\(\s*\)|\[\s*\]", " ", kept)
    kept = re.sub(r"\s+", " ", kept)
    kept = re.sub(r"\s+([,.;:!?])", r"\1", kept)
    kept = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", kept)
    kept = re.sub(r"[,;:]\s*([.!?])", r"\1", kept)
    previous = None
    while previous != kept:
        previous = kept
        kept = _LEAD.sub("", kept)
        kept = _TRAIL.sub("", kept)
    return kept[:1].upper() + kept[1:]


def name_from(instructions: str, limit: int = 60) -> str:
    """A short title: the instructions' first words (URLs shortened to their host), at most ``limit`` chars."""
    text = _REMIND.sub("", instructions).strip()
    text = URL.sub(lambda m: re.sub(r"^(?:\w+://)?(?:www\.)?", "", m.group(0)).split("/")[0], text)
    text = re.sub(r"[.!?]+$", "", text)
    words: list[str] = []
    for word in text.split():
        if len(words) >= 8 or len(" ".join([*words, word])) > limit:
            break
        words.append(word)
    while words and (words[-1].lower().strip(",;:") in _NAME_STOP or words[-1][-1] in ",;:"):
        if words[-1][-1] in ",;:" and words[-1].lower().strip(",;:") not in _NAME_STOP:
            words[-1] = words[-1].rstrip(",;:")
            break
        words.pop()
    name = " ".join(words) or text[:limit]
    return (name[:1].upper() + name[1:]) if name else "Scheduled task"


# A word that cannot end a phrase: cut right after it, the sentence is broken.
_DANGLING = frozenset(
    {"the", "a", "an", "of", "at", "on", "in", "to", "for", "by", "from", "with", "than", "is", "are", "was", "were",
     "my", "our", "your", "their", "this", "that", "these", "those", "each", "every", "between", "and", "or", "after",
     "before", "since", "until"}
)  # fmt: skip


def breaks_sentence(text: str, consumed: str) -> bool:
    """Whether cutting the NUL-marked characters out of ``text`` leaves a broken sentence.

    A cut inside a sentence (words on both sides, no punctuation at its edges) right after a
    word that cannot end a phrase ("the", "of", "at"...) breaks it: "at the top of <cut> post".
    """
    kept = "".join(ch for ch, mark in zip(text, consumed, strict=True) if mark != "\x00")
    before_count: list[int] = []  # kept characters before each position
    count = 0
    for mark in consumed:
        before_count.append(count)
        count += mark != "\x00"
    i, n = 0, len(text)
    while i < n:
        if consumed[i] != "\x00":
            i += 1
            continue
        j = i
        while j < n and consumed[j] == "\x00":
            j += 1
        tail = kept[: before_count[i]].rstrip()
        head = kept[before_count[j - 1] :].lstrip() if j - 1 < n else ""
        if tail and head and tail[-1].isalnum() and head[0].isalnum():
            last = re.findall(r"[\w']+", tail[-40:])
            if last and last[-1].lower() in _DANGLING:
                return True
        i = j
    return False
