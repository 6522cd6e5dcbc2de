#!/usr/bin/env bash
# PeerBot's host and the discord.js peer, one after the other, under the same Discord load (bench/PeerBot.LoadTest): each
# on a fresh emulator, with the same groups, people, message rate, spirals and commands; both summaries printed.
#   bench/discordjs-peer/run.sh [load test options]     (default: --groups 20 --rate 250 --seconds 60)
# Needs Node 18 or later and npm for the peer. The peer loads the MiniLM files PeerBot's build puts next to the load test.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
if [ $# -eq 0 ]; then
  set -- --groups 20 --rate 250 --seconds 60
fi

dotnet build "$root/bench/PeerBot.LoadTest" -c Release --nologo -v quiet > /dev/null || exit 1
if [ ! -d "$here/node_modules/discord.js" ] || [ ! -d "$here/node_modules/onnxruntime-node" ]; then
  (cd "$here" && npm ci --no-audit --no-fund > /dev/null) || exit 1
fi
load="$root/bench/PeerBot.LoadTest/bin/Release/net10.0/PeerBot.LoadTest.dll"

echo "== PeerBot (host in its own process)"
dotnet "$load" --platform discord "$@"
peerbot=$?
echo
echo "== discord.js $(node -p "require('$here/node_modules/discord.js/package.json').version") peer, onnxruntime-node $(node -p "require('$here/node_modules/onnxruntime-node/package.json').version"), node $(node --version)"
dotnet "$load" --platform discord "$@" --peer "$here"
peer=$?
echo
uptime
echo "exit: PeerBot $peerbot, peer $peer"
exit $(( peerbot > peer ? peerbot : peer ))
