#!/usr/bin/env python3
"""Writes the benchmark transcript: N corpus-style chat messages (default 20,000) in analyze's input format, drawn with a
fixed seed from corpus/train (a fifth of them two messages joined), spread over 200 channels and 40 authors each."""
import glob, json, random, sys, os

count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
texts = []
for path in sorted(glob.glob(os.path.join(root, 'corpus', 'train', '*.jsonl'))):
    with open(path, encoding='utf-8') as f:
        texts += [json.loads(line)['text'] for line in f if line.strip()]
rng = random.Random(13)
for i in range(count):
    text = rng.choice(texts)
    if rng.random() < 0.2:
        text = text + ' ' + rng.choice(texts)
    minute = i // 20
    print(json.dumps({'id': f'm{i}', 'channel': f'g{rng.randrange(200)}', 'author': f'u{rng.randrange(40)}',
                      'ts': f'2026-11-{1 + minute // 1440:02d}T{(minute // 60) % 24:02d}:{minute % 60:02d}:{i % 20 * 3:02d}Z', 'text': text}))
