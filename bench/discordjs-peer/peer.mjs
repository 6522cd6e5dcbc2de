// The like-for-like peer for PeerBot's Discord load test (bench/PeerBot.LoadTest --peer DIR): a discord.js 14 bot that
// reads the same configuration file as PeerBot and does the same work against the same Discord emulator.
//   On start, as PeerBot on a first start: register /peer, make each group's private channel in categories of at most
//   50 channels ("Peer Support", "Peer Support 2", ...), post the group's introduction there, then open each person's
//   DM channel (paced like PeerBot: 10 at once, then 10 a second) and send them a welcome.
//   On every group message: queue it; whatever is queued when the model is free is embedded in one batch (at most 32,
//   padded to the longest) with all-MiniLM-L6-v2 in onnxruntime-node, then the messages are handled one by one and in
//   order: a trivial fatalistic-word test, and a spiral (3 fatalistic messages from 2 people within 30 minutes, PeerBot's
//   defaults) sends the group's facilitators a "Fatalistic spiral" alert in their DMs.
//   /peer help and /peer stats are answered privately (ephemeral).
// The detection is deliberately trivial: it fires on the load test's three fatalistic messages and on none of its calm
// ones. The embedding is computed for every group message all the same, so the model's cost is the same as PeerBot's.
//   node peer.mjs --config peerbot.json --model DIR [--threads 2] [--batch 32]
// Log lines "... warn: ..." and "... fail: ..." are what the load test counts as warnings and errors; SIGTERM stops.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import {
  Client, GatewayIntentBits, ChannelType, OverwriteType, PermissionFlagsBits, MessageFlags, Options, Events, Routes,
} from 'discord.js';
import { createTokenizer } from '../minilm-tokenizer.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
  return pairs;
}, []));
if (!args.config || !args.model) {
  console.error('usage: node peer.mjs --config peerbot.json --model DIR [--threads 2] [--batch 32]');
  process.exit(2);
}

const started = process.hrtime.bigint();
const sinceStart = () => (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2);
const log = (level, text) => console.log(`discordjs-peer ${level}: ${text}`);

// ---- Configuration: PeerBot's own file, as the load test writes it -------------------------------------------------
const root = JSON.parse(fs.readFileSync(args.config, 'utf8')).PeerBot;
const discord = root.Discord;
const token = discord.Token;
const guildId = discord.GuildId;
// PeerBot's ApiBaseUrl ends in /v10; discord.js takes the base without the version and appends /v10 itself.
const api = (discord.ApiBaseUrl ?? 'https://discord.com/api/v10').replace(/\/v\d+\/?$/, '');
const categoryName = discord.CategoryName ?? 'Peer Support';
const categoryLimit = 50;
const people = new Map((root.People ?? []).map(p => [p.Id, { name: p.Name, userId: p.Discord, role: p.Role, pgy: p.Pgy }]));
const groups = (root.Groups ?? []).filter(g => (g.Platform ?? 'Discord') === 'Discord').map((g, index) => ({
  index,
  name: g.Name,
  channelName: channelName(g.Name),
  facilitators: (g.Facilitators ?? []).map(id => people.get(id)).filter(Boolean),
  members: (g.Members ?? []).map(id => people.get(id)).filter(Boolean),
  channelId: null,
  spiral: [],
  messages: 0,
  fatalistic: 0,
  alerts: 0,
}));

// "Group 0007" -> "peer-group-0007", as PeerBot names a group's channel.
function channelName(name) {
  const slug = name.trim().toLowerCase().replace(/[^\p{L}\p{N}_]+/gu, '-').replace(/^-+|-+$/g, '') || 'group';
  return (slug.startsWith('peer-') ? slug : `peer-${slug}`).slice(0, 96).replace(/-+$/, '');
}

// ---- The model: all-MiniLM-L6-v2, the same files PeerBot loads (bench/analyze-peer's tokenizer) ---------------------
const threads = Number(args.threads ?? Math.min(2, os.availableParallelism?.() ?? os.cpus().length));
const batchLimit = Number(args.batch ?? 32);
const maxTokens = 256;
const encode = createTokenizer(path.join(args.model, 'all-MiniLM-L6-v2.vocab.txt'), maxTokens);

const session = await ort.InferenceSession.create(path.join(args.model, 'all-MiniLM-L6-v2.onnx'), {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
});

// Embeds texts in one run, padded to the longest (dynamic padding); mean pooling over the real tokens, unit length.
async function embed(texts) {
  const tokens = texts.map(encode);
  const length = Math.max(...tokens.map(t => t.length));
  const ids = new BigInt64Array(texts.length * length), mask = new BigInt64Array(texts.length * length);
  tokens.forEach((t, r) => t.forEach((id, c) => { ids[r * length + c] = BigInt(id); mask[r * length + c] = 1n; }));
  const dims = [texts.length, length];
  const feeds = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
  const result = await session.run(feeds);
  const hidden = result[session.outputNames[0]].data;
  const width = hidden.length / (texts.length * length);
  return tokens.map((t, r) => {
    const v = new Float32Array(width);
    for (let c = 0; c < t.length; c++) for (let d = 0; d < width; d++) v[d] += hidden[(r * length + c) * width + d];
    let norm = 0;
    for (let d = 0; d < width; d++) { v[d] /= t.length; norm += v[d] * v[d]; }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < width; d++) v[d] /= norm;
    return v;
  });
}

// ---- Detection: trivial, on exactly the load test's spiral messages ------------------------------------------------
const fatalistic = /\bpoint(less)?\b|\bnothing (ever|will ever) changes?\b/i;
const spiralMessages = 3, spiralPeople = 2, spiralWindowMs = 30 * 60 * 1000;

// ---- Discord --------------------------------------------------------------------------------------------------------
const client = new Client({
  // GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT: PeerBot's intents (no privileged GUILD_MEMBERS).
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
  // offset: added to every rate-limit reset before the next request (discord.js: 50 ms). 200 ms is PeerBot's 50 ms margin
  // plus the 150 ms it allows on the global limit for requests whose travel time differs: with 50 ms alone, on a loaded
  // machine a burst's late first request opened the emulator's second after discord.js's, and 51 requests fell into it.
  rest: { api, offset: 200 },
  // Group messages are read once and never looked up again (PeerBot keeps none): no message cache.
  makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
});
client.on(Events.Warn, text => log('warn', text));
client.on(Events.Error, error => log('fail', `client error: ${error?.stack ?? error}`));

const memberAllow = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory;
// PeerBot denies members threads in a group channel (a thread's messages would not be screened).
const memberDeny = PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.CreatePrivateThreads | PermissionFlagsBits.SendMessagesInThreads;
const quiet = { parse: [] };
const byChannel = new Map();
const stats = { embedded: 0, batches: 0, largestBatch: 0, largestQueue: 0, alerts: 0, alertSeq: 0, commands: 0, welcomes: 0 };

function overwrites(userIds) {
  return [
    { id: guildId, type: OverwriteType.Role, allow: 0n, deny: PermissionFlagsBits.ViewChannel },
    ...[...new Set(userIds)].map(id => ({ id, type: OverwriteType.Member, allow: memberAllow, deny: memberDeny })),
    { id: client.user.id, type: OverwriteType.Member, allow: memberAllow, deny: 0n },
  ];
}

// Categories of the series with room, counted from the cache (the GUILD_CREATE listing plus what this process made).
async function categoryWithRoom(guild) {
  const series = [...guild.channels.cache.values()]
    .filter(c => c.type === ChannelType.GuildCategory && (c.name === categoryName || c.name.startsWith(categoryName + ' ')))
    .map(c => ({ c, n: c.name === categoryName ? 1 : Number(c.name.slice(categoryName.length + 1)) }))
    .filter(x => Number.isInteger(x.n))
    .sort((a, b) => a.n - b.n);
  for (const { c } of series) {
    if (guild.channels.cache.filter(x => x.parentId === c.id).size < categoryLimit) return c;
  }
  const n = series.length === 0 ? 1 : series[series.length - 1].n + 1;
  return guild.channels.create({
    name: n === 1 ? categoryName : `${categoryName} ${n}`,
    type: ChannelType.GuildCategory,
    permissionOverwrites: overwrites([]),
    reason: 'Peer support groups',
  });
}

function introduction(group) {
  const lines = [`# Welcome to ${group.name}`, "This is your group's private space. Everyone here is in training or has been, and everyone here can understand."];
  if (group.members.length) lines.push('**Members**', ...group.members.map(m => `- ${m.name}${m.pgy ? ` (PGY-${m.pgy})` : ''}`));
  if (group.facilitators.length) lines.push('**Facilitators**', ...group.facilitators.map(f => `- ${f.name} (${(f.role ?? 'facilitator').toLowerCase()})`));
  lines.push('**Ground rules**', '- What is said here stays here.', '- Listen first.', '- No advice unless someone asks for it.');
  lines.push("A discussion prompt will appear here on the group's schedule. You can share anonymously with /peer share.");
  return lines.join('\n');
}

function welcome(group, facilitator) {
  if (facilitator) {
    return [`# Welcome to ${group.name}`,
      `Thank you for facilitating ${group.name}, a small private peer-support group of residents from different training years.`,
      "**Your role:** you are in the group's channel as yourself, to keep it a safe place to talk. PeerBot posts a discussion prompt on the group's schedule, and tells you privately when a conversation may need you; crisis comes first, and residents are never told they were flagged.",
      '**Your commands**', '- `/peer flags`: open safety flags, crisis first', '- `/peer stats`: your groups, their people and weekly counts',
      '**What PeerBot keeps:** who is in which group, counts, and short excerpts of flagged messages (deleted after a while).',
      '**What it never keeps:** the text of conversations.'].join('\n');
  }
  const by = group.facilitators.length ? `It is facilitated by ${group.facilitators.map(f => f.name).join(' and ')}.` : 'Your program will add a facilitator soon.';
  return [`# Welcome to ${group.name}`,
    `We're glad you're here. ${group.name} is a small, private group of residents from different training years who meet here to talk about how residency is really going. ${by} Come as you are: joining in, reading along and taking a quiet week are all fine.`,
    '**What PeerBot keeps:** who is in which group, which prompts a group has seen, counts of check-in answers, and short excerpts of messages flagged for a facilitator (deleted after a while).',
    '**What it never keeps:** the text of conversations, who wrote an anonymous post, or how anyone answered a check-in.',
    '**Sharing anonymously:** use /peer share.', '**Taking a break:** /peer pause; /peer resume brings you back. /peer help lists everything else.'].join('\n');
}

// DM channels are opened one at a time, at PeerBot's pace: a burst of 10, then one every 100 ms.
let dmTokens = 10, dmTokensAt = Date.now(), dmChain = Promise.resolve();
function openDm(userId) {
  const opened = dmChain.then(async () => {
    for (;;) {
      const now = Date.now();
      dmTokens = Math.min(10, dmTokens + (now - dmTokensAt) / 100);
      dmTokensAt = now;
      if (dmTokens >= 1) { dmTokens -= 1; break; }
      await new Promise(r => setTimeout(r, Math.ceil((1 - dmTokens) * 100)));
    }
    return client.users.createDM(userId);
  });
  dmChain = opened.catch(() => {});
  return opened;
}

async function setUp() {
  const guild = client.guilds.cache.get(guildId) ?? await client.guilds.fetch(guildId);
  await client.rest.put(Routes.applicationCommands(client.application.id), {
    body: [{
      name: 'peer', description: 'Peer support', type: 1, contexts: [0, 1], integration_types: [0],
      options: [{ type: 1, name: 'help', description: 'What PeerBot can do' }, { type: 1, name: 'stats', description: "This group's counts" }],
    }],
  });

  // Channels one at a time (as PeerBot places them under one lock), each followed by its introduction.
  for (const group of groups) {
    let channel = guild.channels.cache.find(c => c.type === ChannelType.GuildText && c.name === group.channelName);
    if (!channel) {
      const parent = await categoryWithRoom(guild);
      channel = await guild.channels.create({
        name: group.channelName,
        type: ChannelType.GuildText,
        topic: `${group.name}: a private peer-support group.`,
        parent: parent.id,
        permissionOverwrites: overwrites([...group.members, ...group.facilitators].map(p => p.userId)),
        reason: `Group ${group.name} created`,
      });
      await channel.send({ content: introduction(group), nonce: `i${channel.id}`, enforceNonce: true, allowedMentions: quiet });
    }
    group.channelId = channel.id;
    byChannel.set(channel.id, group);
  }

  // Welcomes: every person's DM channel opened (paced) and their welcome sent, all at once as the pace allows.
  await Promise.all(groups.flatMap(group => [
    ...group.facilitators.map(p => [p, true]), ...group.members.map(p => [p, false]),
  ].map(async ([person, isFacilitator]) => {
    const dm = await openDm(person.userId);
    await dm.send({ content: welcome(group, isFacilitator), nonce: `w${person.userId}`, enforceNonce: true, allowedMentions: quiet });
    stats.welcomes++;
  })));
  log('info', `ready at ${sinceStart()} s: ${groups.length} group channels, ${stats.welcomes} welcomes`);
}

// ---- Group messages: queued, embedded in batches, handled in order ---------------------------------------------------
const queue = [];
let pumping = false;

client.on(Events.MessageCreate, message => {
  if (message.author.bot || message.author.id === client.user.id) return;
  const group = byChannel.get(message.channelId);
  if (!group) return;
  queue.push({ group, text: message.content, authorId: message.author.id, at: message.createdTimestamp || Date.now() });
  if (queue.length > stats.largestQueue) stats.largestQueue = queue.length;
  if (!pumping) pump();
});

async function pump() {
  pumping = true;
  try {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchLimit);
      let vectors;
      try {
        vectors = await embed(batch.map(m => m.text));
      } catch (error) {
        log('fail', `embedding ${batch.length} messages: ${error?.stack ?? error}`);
        continue;
      }
      stats.embedded += batch.length;
      stats.batches++;
      stats.largestBatch = Math.max(stats.largestBatch, batch.length);
      if (vectors.length !== batch.length) log('fail', `${vectors.length} vectors for ${batch.length} messages`);
      for (const m of batch) handle(m);
    }
  } finally {
    pumping = false;
  }
}

// A message's own handling, in arrival order once its batch is embedded. The detection is the trivial word test; the
// vector is computed for every message (the model's work is the comparison) and is not needed by it.
function handle(m) {
  const group = m.group;
  group.messages++;
  if (!fatalistic.test(m.text)) return;
  group.fatalistic++;
  group.spiral = group.spiral.filter(e => m.at - e.at <= spiralWindowMs);
  group.spiral.push({ at: m.at, authorId: m.authorId });
  const authors = new Set(group.spiral.map(e => e.authorId)).size;
  if (group.spiral.length < spiralMessages || authors < spiralPeople) return;
  const count = group.spiral.length;
  group.spiral = [];
  group.alerts++;
  const when = new Date(m.at).toISOString().slice(11, 16);
  const content = `## Fatalistic spiral: ${group.name}\n${count} fatalistic messages from ${authors} people, the last at ${when} UTC. Nobody in the group has been told.`;
  // Sent while the next messages are handled; the facilitators' DM channels were opened for their welcomes.
  for (const f of group.facilitators) {
    const nonce = `a${++stats.alertSeq}`;
    client.users.createDM(f.userId)
      .then(dm => dm.send({ content, nonce, enforceNonce: true, allowedMentions: quiet }))
      .then(() => { stats.alerts++; }, error => log('fail', `alert for ${group.name}: ${error?.stack ?? error}`));
  }
}

// ---- /peer help and /peer stats --------------------------------------------------------------------------------------
client.on(Events.InteractionCreate, async interaction => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'peer') return;
  const sub = interaction.options.getSubcommand(false);
  const group = byChannel.get(interaction.channelId);
  const content = sub === 'stats'
    ? (group ? `**${group.name}**: ${group.members.length} members, ${group.facilitators.length} facilitators; ${group.messages} messages read, ${group.fatalistic} fatalistic, ${group.alerts} alerts.` : 'Run this in a group channel.')
    : '**/peer help**\n- `/peer stats`: this group\'s counts\n- `/peer help`: this list';
  try {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: quiet });
    stats.commands++;
  } catch (error) {
    log('fail', `answering /peer ${sub}: ${error?.stack ?? error}`);
  }
});

function stop() {
  const mem = process.memoryUsage();
  log('info', `stopping at ${sinceStart()} s: ${stats.embedded} messages embedded in ${stats.batches} batches (largest ${stats.largestBatch}, longest queue ${stats.largestQueue}), ${stats.alerts} alerts, ${stats.commands} commands answered; rss ${(mem.rss / 1048576).toFixed(0)} MB, V8 heap ${(mem.heapUsed / 1048576).toFixed(0)} MB`);
  client.destroy().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('unhandledRejection', error => log('fail', `unhandled: ${error?.stack ?? error}`));

client.once(Events.ClientReady, () => {
  log('info', `connected at ${sinceStart()} s as ${client.user.id}`);
  setUp().catch(error => log('fail', `set-up: ${error?.stack ?? error}`));
});
await client.login(token);
