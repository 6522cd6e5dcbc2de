#!/usr/bin/env bash
# analyze over a 20,000-message transcript, whole process, side by side with the like-for-like peer (the same MiniLM
# weights in onnxruntime-node, dynamic padding), one after the other in one run. Figures go to docs/PERFORMANCE.md.
#   bench/analyze-peer/run.sh [messages]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
count="${1:-20000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet build "$root/src/PeerBot" -c Release --nologo -v quiet > /dev/null
(cd "$here" && npm ci --silent --no-audit --no-fund > /dev/null)
python3 "$here/make-transcript.py" "$count" > "$work/transcript.jsonl"
bin="$root/src/PeerBot/bin/Release/net10.0"

measure() { # name, command...
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out.jsonl" 2> "$work/err"
  read -r seconds kilobytes < "$work/time"
  local lines; lines=$(wc -l < "$work/out.jsonl")
  awk -v n="$name" -v s="$seconds" -v k="$kilobytes" -v c="$lines" \
    'BEGIN { printf "| %s | %.1f s | %.0f | %.0f MB |\n", n, s, c / s, k / 1024 }'
}

echo "| program | wall time | messages / s | peak resident memory |"
echo "|---|---:|---:|---:|"
for threads in 1 2; do
  measure "onnxruntime-node 1.30.0, $threads thread(s), batches of 64 in arrival order" \
    node "$here/peer.mjs" --model "$bin/models" --input "$work/transcript.jsonl" --threads "$threads"
done
measure "onnxruntime-node 1.30.0, 2 threads, batches of 64 sorted by length" \
  node "$here/peer.mjs" --model "$bin/models" --input "$work/transcript.jsonl" --threads 2 --sort
measure "peerbot analyze, semantic engine" env PeerBot__Safety__Engine=Semantic dotnet "$bin/peerbot.dll" analyze --input "$work/transcript.jsonl"
measure "peerbot analyze, lexicon alone" env PeerBot__Safety__Engine=Lexicon dotnet "$bin/peerbot.dll" analyze --input "$work/transcript.jsonl"
uptime
