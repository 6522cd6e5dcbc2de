// The like-for-like peer for `peerbot analyze`: the same all-MiniLM-L6-v2 weights run by onnxruntime-node, batches of
// 64 messages padded to their longest (dynamic padding), mean pooling and L2 normalisation, one line of output per
// message (its id and the first embedding value). Read docs/PERFORMANCE.md for how it is run beside PeerBot.
//   node peer.mjs --model DIR --input FILE [--threads 2] [--batch 64] [--sort] > out.jsonl
import fs from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { createTokenizer } from '../minilm-tokenizer.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
  return pairs;
}, []));
const modelDir = args.model;
const threads = Number(args.threads ?? 2);
const batchSize = Number(args.batch ?? 64);
const maxTokens = 256;

const encode = createTokenizer(path.join(modelDir, 'all-MiniLM-L6-v2.vocab.txt'), maxTokens);

const session = await ort.InferenceSession.create(path.join(modelDir, 'all-MiniLM-L6-v2.onnx'), {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
});

const messages = [];
const lines = readline.createInterface({ input: fs.createReadStream(args.input), crlfDelay: Infinity });
for await (const line of lines) { if (line.trim()) messages.push(JSON.parse(line)); }

const order = messages.map((_, i) => i);
if (args.sort === 'true') order.sort((a, b) => messages[a].text.length - messages[b].text.length);
const out = new Array(messages.length);
const started = process.hrtime.bigint();
for (let b = 0; b < order.length; b += batchSize) {
  const batch = order.slice(b, b + batchSize);
  const tokens = batch.map(i => encode(messages[i].text));
  const length = Math.max(...tokens.map(t => t.length));
  const ids = new BigInt64Array(batch.length * length), mask = new BigInt64Array(batch.length * length);
  tokens.forEach((t, r) => t.forEach((id, c) => { ids[r * length + c] = BigInt(id); mask[r * length + c] = 1n; }));
  const dims = [batch.length, length];
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
  const result = await session.run(feeds);
  const hidden = result[session.outputNames[0]].data;
  const width = hidden.length / (batch.length * length);
  batch.forEach((i, r) => {
    const v = new Float32Array(width);
    const n = tokens[r].length;
    for (let c = 0; c < n; c++) for (let d = 0; d < width; d++) v[d] += hidden[(r * length + c) * width + d];
    let norm = 0;
    for (let d = 0; d < width; d++) { v[d] /= n; norm += v[d] * v[d]; }
    out[i] = v[0] / Math.sqrt(norm);
  });
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const write = fs.createWriteStream(null, { fd: 1 });
for (let i = 0; i < messages.length; i++) write.write(`{"id":${JSON.stringify(messages[i].id)},"e0":${out[i].toFixed(6)}}\n`);
write.end();
process.stderr.write(`${messages.length} messages embedded in ${seconds.toFixed(1)} s (${(messages.length / seconds).toFixed(0)} messages/s, encoding only)\n`);
