#!/usr/bin/env python3
"""Turns the hand-written corpus sources (kind<TAB>text, one per line) into JSON Lines.
Kinds: fatalistic ones (futility, helplessness, permanence, resignation, agreement),
crisis ones (ideation, plan, selfharm, goodbye), and not-fatalistic ones
(vent, negated, past, quoted, question, task, idiom, clinical, neutral, positive)."""
import json, sys
FATAL = {"futility", "helplessness", "permanence", "resignation", "agreement"}
CRISIS = {"ideation", "plan", "selfharm", "goodbye"}
HARD = {"negated", "past", "quoted", "question", "task", "idiom", "clinical", "vent"}
OTHER = {"neutral", "positive"}
src, dst, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
out = []
for n, line in enumerate(open(src, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    kind, text = line.split("\t", 1)
    text = text.replace("\\n", "\n")
    fat = kind in FATAL or kind.endswith("+f")
    base = kind.removesuffix("+f")
    assert base in FATAL | CRISIS | HARD | OTHER, (n, kind)
    out.append({"id": f"{prefix}{len(out)+1:03d}", "kind": base, "fatalistic": fat, "crisis": base in CRISIS, "text": text})
with open(dst, "w", encoding="utf-8") as f:
    for o in out:
        f.write(json.dumps(o, ensure_ascii=False) + "\n")
print(dst, len(out))
