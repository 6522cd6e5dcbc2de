#!/usr/bin/env python3
"""Writes the timestamped conversations (analyze input format). File names say what a facilitator
should get with the default settings (30 min window, 3 messages, 2 people): spiral-* must alert once
(at least), calm-* must not raise a spiral alert."""
import json, datetime, os
OUT = "../tests/PeerBot.Core.Tests/Safety/Corpus/conversations"
base = datetime.datetime(2026, 11, 2, 21, 0, tzinfo=datetime.timezone.utc)
C = {}
C["spiral-01-night-float"] = [
 (0, "ana", "night float schedule for january just came out"),
 (2, "ben", "let me guess, same as last year"),
 (3, "ana", "yep. 7 nights in a row again"),
 (5, "ben", "what's the point of even giving feedback, it never changes"),
 (7, "cat", "we all said this in the survey. nobody cares"),
 (9, "ana", "honestly it's hopeless. this is how it'll always be"),
 (12, "dev", "ugh"),
]
C["spiral-02-pd-meeting"] = [
 (0, "raj", "how did the meeting with the PD go"),
 (4, "li", "he nodded a lot and nothing will happen"),
 (6, "raj", "there's nothing we can do about any of it"),
 (9, "sam", "we're just cogs. no say in anything"),
 (15, "li", "i give up honestly"),
]
C["spiral-03-agreement-chain"] = [
 (0, "mo", "another resident left the program this week"),
 (1, "jo", "this place is never going to change"),
 (2, "kim", "^ this. no point."),
 (3, "mo", "same. why even bother"),
 (5, "jo", "anyway who's on tonight"),
]
C["spiral-04-slow-burn"] = [
 (0, "ana", "so the extra sleep room request got denied"),
 (10, "ben", "of course it did. nothing we ask for ever happens"),
 (20, "ana", "i've stopped caring at this point"),
 (26, "cat", "what's even the point of the resident council"),
 (40, "dev", "i'm going to bed, night all"),
]
C["spiral-05-anonymous"] = [
 (0, "anon:7f3a", "does anyone else feel like nothing we do makes a difference"),
 (3, "anon:19bc", "every day. we're powerless here"),
 (6, "anon:7f3a", "it's never going to get better"),
 (8, "zoe", "i hear you both. what would help this week?"),
]
C["spiral-06-lowercase-typos"] = [
 (0, "tam", "wats the point lol"),
 (1, "ola", "for real nothing ever changes here"),
 (2, "tam", "we cant change anything so why try"),
 (3, "ola", "its hopless"),
 (5, "pia", "guys let's not spiral"),
]
C["spiral-07-two-waves"] = [
 (0, "ana", "nothing will ever change in this program"),
 (5, "ben", "pointless to fight it"),
 (8, "cat", "i've given up"),
 (15, "ana", "anyway, see you all tomorrow"),
 (200, "ben", "back on this: we can't do anything about the schedule"),
 (205, "cat", "no point trying, they'll never listen"),
 (209, "dev", "it's hopeless"),
]
C["spiral-08-mixed-with-venting"] = [
 (0, "eli", "i'm so tired. 4 admits and a rapid"),
 (3, "fay", "same, my feet are killing me"),
 (6, "eli", "and tomorrow will be the same. always is. it will never get better"),
 (9, "gus", "no matter what we do nothing changes"),
 (11, "fay", "there's no way out of this, we just take it"),
 (13, "eli", "anyway, food?"),
]
C["spiral-09-after-bad-news"] = [
 (0, "ivy", "the chiefs said the ICU cap isn't happening"),
 (2, "jon", "what's the point of telling them anything"),
 (4, "ivy", "i'm done fighting for this"),
 (6, "kai", "nothing we say makes a difference"),
 (8, "lea", "it's been like this forever and it'll be like this forever"),
]
C["spiral-10-slack-style"] = [
 (0, "U1", "just found out we're losing the second senior on nights"),
 (1, "U2", "lol of course. we have zero control over anything here"),
 (2, "U3", "why do we even bother with the survey"),
 (3, "U1", "honestly i've given up on this place"),
 (4, "U2", "same"),
]
C["calm-01-venting-only"] = [
 (0, "ana", "worst shift in months. coded a 30 year old"),
 (2, "ben", "i'm so sorry. that's awful"),
 (4, "ana", "i'm exhausted and angry and sad"),
 (6, "cat", "want to grab food after? my treat"),
 (8, "ana", "yes please"),
]
C["calm-02-one-person"] = [
 (0, "raj", "what's the point of any of this"),
 (3, "raj", "nothing ever changes"),
 (6, "raj", "i've given up on the schedule"),
 (8, "li", "hey, want to talk after sign out?"),
]
C["calm-03-spread-out"] = [
 (0, "mo", "it's hopeless trying to get the lounge fixed"),
 (45, "jo", "nothing is ever going to change with the parking"),
 (100, "kim", "what's the point of the evals"),
]
C["calm-04-pushback"] = [
 (0, "ana", "it's never going to get better"),
 (2, "ben", "i don't believe that. we got the extra day off last year"),
 (4, "cat", "not hopeless at all, the new chiefs are actually listening"),
 (6, "ana", "ok fair. maybe i'm just tired"),
]
C["calm-05-tasks-and-idioms"] = [
 (0, "eli", "the CT scanner is down again"),
 (1, "fay", "it's always down on sundays"),
 (2, "gus", "these notes are going to kill me"),
 (3, "eli", "dead on my feet"),
 (4, "fay", "no point paging GI before 8, they never answer"),
 (6, "gus", "the printer on 5 is hopeless too"),
]
C["calm-06-questions"] = [
 (0, "ivy", "does it ever get better after intern year?"),
 (2, "jon", "is there any point in applying for chief?"),
 (4, "kai", "yes it does, pgy2 was a different world"),
 (5, "lea", "apply! you'd be great"),
]
C["calm-07-past"] = [
 (0, "zoe", "back in intern year i was sure it was hopeless. i was wrong"),
 (2, "tam", "i used to think nothing would change. then we got the new PD"),
 (4, "ola", "same. i felt powerless last year, not anymore"),
]
C["calm-08-clinical"] = [
 (0, "pia", "rough consult. my patient told me she wanted to die"),
 (2, "raj", "that's so heavy. did psych see her?"),
 (4, "pia", "yes, she's on a hold. i keep thinking about her"),
 (6, "li", "that's a lot to carry, check in with us tomorrow"),
]
C["calm-09-two-fatalistic"] = [
 (0, "sam", "nothing will ever change here"),
 (3, "mo", "yeah, what's the point"),
 (5, "jo", "idk i think the new chiefs might surprise us"),
 (9, "sam", "hope so"),
]
C["calm-10-neutral-chat"] = [
 (0, "U1", "who has the february schedule"),
 (1, "U2", "posted in the drive"),
 (3, "U3", "thanks! also pizza friday?"),
 (4, "U1", "yes!!"),
]
os.makedirs(OUT, exist_ok=True)
for name, msgs in C.items():
    ch = name
    with open(f"{OUT}/{name}.jsonl", "w", encoding="utf-8") as f:
        for i, (m, a, t) in enumerate(msgs, 1):
            ts = (base + datetime.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(json.dumps({"id": f"{name[:9]}-m{i}", "channel": ch, "author": a, "ts": ts, "text": t}, ensure_ascii=False) + "\n")
print(len(C))
