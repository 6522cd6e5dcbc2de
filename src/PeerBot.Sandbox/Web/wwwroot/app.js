// The PeerBot sandbox page. Everything a message says is written as text, never as markup.
"use strict";

const state = {
  people: [],
  me: null,
  channels: [],
  current: null,
  messages: new Map(),   // channel id -> array of message views
  ephemeral: new Map(),  // channel id -> array of private replies (never stored by the server)
  unread: new Map(),
  events: null,
  clock: null,
  clockSkew: 0,
  timeZone: undefined,   // the program's time zone (IANA); every time on the page is shown in it
  openForm: null,
  maxMessageLength: 4000,
};

const $ = (id) => document.getElementById(id);
const roleOrder = ["Resident", "Alumni", "Psychologist", "Coordinator"];
const roleTitles = { Resident: "Residents", Alumni: "Alumni facilitators", Psychologist: "Psychologists", Coordinator: "Coordinators" };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch {
    return { ok: false, data: { error: "The sandbox is not answering. Is PeerBot still running?" } };
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok && !(data && data.error)) {
    data = { error: `The sandbox answered ${response.status}.` };
  }
  return { ok: response.ok, status: response.status, data };
}

function personLabel(person) {
  if (person.role === "Resident") return `Resident, PGY-${person.pgy}`;
  if (person.role === "Alumni") return "Alumni facilitator";
  return person.role;
}

function initials(name) {
  return name.replace(/^Dr\.\s*/, "").split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}

// Each person keeps one avatar colour, as in the chat apps people know.
function avatar(name, isBot) {
  const node = el("span", { class: `avatar${isBot ? " bot" : ""}`, "aria-hidden": "true", text: isBot ? "P" : initials(name) });
  if (!isBot) {
    let hash = 0;
    for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) % 360;
    node.style.background = `hsl(${hash}, 45%, 38%)`;
  }
  return node;
}

// Times are the program's (the bot writes "Tuesday 19:00" in it), never the browser's: one zone, named once in the
// header. A message from before today shows its date.
function formatTime(iso) {
  const date = new Date(iso);
  const sameDay = dayKey(date) === dayKey(sandboxNow());
  return new Intl.DateTimeFormat(undefined, sameDay
    ? { hour: "numeric", minute: "2-digit", timeZone: state.timeZone }
    : { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: state.timeZone }).format(date);
}

function formatDateTime(date) {
  return new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: state.timeZone }).format(date);
}

function dayKey(date) {
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: state.timeZone }).format(date);
}

function sandboxNow() {
  return new Date(Date.now() + state.clockSkew);
}

// ---- Choosing who you are ----

async function start() {
  const { ok, data } = await api("GET", "/api/roster");
  if (!ok) {
    $("picker-intro").textContent = data.error;
    return;
  }
  state.people = data.people;
  if (data.maxMessageLength) state.maxMessageLength = data.maxMessageLength;
  setClock(data.clock);
  if (data.demoRoster) {
    $("demo-note").textContent = "A local demo workspace with the example program's people (appsettings.example.json): "
      + "nobody signs in, you simply choose who you are, and nothing leaves this computer.";
  }
  renderPicker();
  const select = $("person-select");
  for (const person of state.people) {
    select.append(el("option", { value: person.id, text: `${person.name} (${personLabel(person)})` }));
  }
  select.addEventListener("change", () => choose(select.value));
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("composer-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  $("composer-input").addEventListener("input", () => { autosize(); updateComposerCount(); });
  $("next-prompt").addEventListener("click", () => moveClock("/api/clock/next-prompt", undefined));
  $("skip-ahead").addEventListener("click", () => moveClock("/api/clock/advance", { minutes: 5 }));
  $("form-cancel").addEventListener("click", () => closeForm());
  $("form-body").addEventListener("submit", (e) => { e.preventDefault(); submitForm(); });
  $("form-dialog").addEventListener("close", () => { state.openForm = null; });
  setInterval(renderClock, 15000);

  const wanted = new URLSearchParams(location.search).get("as");
  if (wanted && state.people.some((p) => p.id === wanted)) {
    choose(wanted);
  }
}

function renderPicker() {
  const host = $("picker-roles");
  host.replaceChildren();
  for (const role of roleOrder) {
    const people = state.people.filter((p) => p.role === role);
    if (people.length === 0) continue;
    const headingId = `picker-${role.toLowerCase()}`;
    host.append(
      el("h2", { id: headingId, text: roleTitles[role] }),
      el("ul", { class: "picker-list", "aria-labelledby": headingId },
        people.map((person) => el("li", {},
          el("button", { type: "button", class: "person-button", onclick: () => choose(person.id) },
            avatar(person.name, false),
            el("span", {}, el("span", { text: person.name }), el("span", { class: "person-detail", text: personLabel(person) })))))));
  }
}

async function choose(personId) {
  const person = state.people.find((p) => p.id === personId);
  if (!person) return;
  state.me = person;
  state.messages.clear();
  state.ephemeral.clear();
  state.unread.clear();
  state.current = null;
  history.replaceState(null, "", `?as=${encodeURIComponent(person.id)}`);
  $("person-select").value = person.id;
  $("who").hidden = false;
  $("picker").hidden = true;
  $("sidebar").hidden = false;
  $("conversation").hidden = false;
  document.title = `PeerBot sandbox: ${person.name}`;
  connectEvents();
  await loadChannels();
  const first = state.channels.find((c) => c.kind === "private" && !c.archived) ?? state.channels[0];
  if (first) await openChannel(first.id);
  $("composer-input").focus();
}

// ---- Channels ----

async function loadChannels() {
  const me = state.me;
  const { ok, data } = await api("GET", `/api/channels?as=${encodeURIComponent(me.id)}`);
  if (!ok || state.me !== me) return;
  state.channels = data;
  // What is unread is kept by the server for each person, so badges are right after switching person or reloading.
  state.unread.clear();
  for (const channel of data) {
    if (channel.unread > 0 && channel.id !== state.current) state.unread.set(channel.id, channel.unread);
  }
  renderChannels();
  if (state.current && !state.channels.some((c) => c.id === state.current)) {
    // Taken out of the channel (a pause, forget-me): go to the conversation with PeerBot, where what happened is
    // confirmed, rather than the lobby.
    const direct = state.channels.find((c) => c.kind === "direct");
    await openChannel((direct ?? state.channels[0])?.id);
  }
}

function channelName(channel) {
  return channel.kind === "public" ? `# ${channel.name}` : channel.name;
}

function renderChannels() {
  const rooms = $("channel-list");
  const dms = $("dm-list");
  rooms.replaceChildren();
  dms.replaceChildren();
  for (const channel of state.channels) {
    const unread = state.unread.get(channel.id) ?? 0;
    const sigil = channel.kind === "public" ? "#" : channel.kind === "private" ? "" : "●";
    const kindText = channel.kind === "private" ? ", private group" : channel.kind === "direct" ? ", direct message" : "";
    const link = el("a", {
      href: `#${channel.id}`,
      class: `channel-link${unread ? " unread" : ""}`,
      "aria-current": channel.id === state.current ? "page" : null,
      "data-channel": channel.id,
      "aria-label": `${channel.name}${kindText}${channel.archived ? ", archived" : ""}${unread ? `, ${unread} unread` : ""}`,
      onclick: (e) => { e.preventDefault(); openChannel(channel.id); focusConversation(); },
    },
      el("span", { class: `sigil${channel.kind === "private" ? " lock" : ""}`, "aria-hidden": "true", text: sigil }),
      el("span", { text: channel.name }),
      unread ? el("span", { class: "badge", "aria-hidden": "true", text: String(unread) }) : null,
      channel.archived ? el("span", { class: "archived", "aria-hidden": "true", text: "archived" }) : null);
    (channel.kind === "direct" ? dms : rooms).append(el("li", {}, link));
  }
}

// Opening a channel from the sidebar (click or Enter) takes focus to where one writes, as the sidebar is redrawn and
// the link that had focus is gone; an archived channel cannot be written in, so its messages get focus instead.
function focusConversation() {
  const input = $("composer-input");
  if (input.disabled) $("messages").focus(); else input.focus();
}

async function openChannel(channelId) {
  if (!channelId) return;
  const channel = state.channels.find((c) => c.id === channelId);
  if (!channel) return;
  state.current = channelId;
  state.unread.delete(channelId);
  renderChannels();
  $("channel-title").textContent = channelName(channel);
  $("channel-topic").textContent = channel.archived ? `${channel.topic} (archived: read only)` : channel.topic;
  $("composer-label").textContent = `Message ${channel.name}`;
  $("composer-input").placeholder = channel.kind === "direct" ? `Message ${channel.name} privately` : `Message ${channelName(channel)}`;
  $("composer-input").disabled = channel.archived;
  $("composer-error").textContent = "";
  updateComposerCount();
  const me = state.me;
  // Messages that arrive live while the history loads are collected here and merged in.
  state.messages.set(channelId, []);
  const { ok, data } = await api("GET", `/api/channels/${encodeURIComponent(channelId)}/messages?as=${encodeURIComponent(me.id)}`);
  if (state.me !== me || state.current !== channelId) return;
  if (!ok) {
    $("composer-error").textContent = data.error;
    return;
  }
  const merged = [...data];
  for (const message of state.messages.get(channelId) ?? []) {
    const index = merged.findIndex((m) => m.id === message.id);
    if (index >= 0) merged[index] = message; else merged.push(message);
  }
  state.messages.set(channelId, merged);
  renderMessages();
  markRead(channelId);
}

function markRead(channelId) {
  const me = state.me;
  if (!me || !channelId) return;
  api("POST", `/api/channels/${encodeURIComponent(channelId)}/read`, { as: me.id });
}

// ---- Messages ----

// A full render (opening a channel) is marked busy so screen readers do not read the whole history out;
// live messages are appended one by one, so only they are announced.
function renderMessages() {
  const list = $("messages");
  list.setAttribute("aria-busy", "true");
  const messages = state.messages.get(state.current) ?? [];
  const privateReplies = state.ephemeral.get(state.current) ?? [];
  const items = [...messages.map((m) => ({ at: m.postedAt, node: () => renderMessage(m) })),
                 ...privateReplies.map((r) => ({ at: r.at, node: () => renderEphemeral(r) }))]
    .sort((a, b) => new Date(a.at) - new Date(b.at));
  list.replaceChildren(...items.map((i) => i.node()));
  if (items.length === 0) {
    list.append(el("li", { class: "empty", text: "No messages yet." }));
  }
  list.scrollTop = list.scrollHeight;
  list.removeAttribute("aria-busy");
}

function appendToList(node) {
  const list = $("messages");
  list.querySelector(".empty")?.remove();
  list.append(node);
  list.scrollTop = list.scrollHeight;
}

const toneLabels = { crisis: "URGENT \u2014 CRISIS", warning: "Needs attention" };

function renderContent(content) {
  const body = el("div", { class: content.tone ? `message-body tone tone-${content.tone}` : "message-body" });
  if (toneLabels[content.tone]) body.append(el("p", { class: "tone-label", text: toneLabels[content.tone] }));
  for (const block of content.blocks ?? []) {
    switch (block.kind) {
      case "heading": body.append(el("h3", { text: block.text })); break;
      case "quote": body.append(el("blockquote", { text: block.text })); break;
      case "list": body.append(el("ul", {}, (block.items ?? []).map((item) => el("li", {}, spans(item))))); break;
      default: body.append(el("p", {}, spans(block.spans ?? [])));
    }
  }
  // Images (a digest's charts) come as PNG data URLs; anything else is not shown.
  for (const image of content.images ?? []) {
    if (typeof image.src !== "string" || !image.src.startsWith("data:image/png;base64,")) continue;
    body.append(el("figure", { class: "message-image" },
      el("img", { src: image.src, alt: image.altText ?? "", title: image.fileName ?? "", loading: "lazy" })));
  }
  return body;
}

function spans(list) {
  return list.map((s) => {
    let node = document.createTextNode(s.text);
    if (s.code) node = el("code", {}, node);
    if (s.italic) node = el("em", {}, node);
    if (s.bold) node = el("strong", {}, node);
    return node;
  });
}

function renderMessage(message) {
  const buttons = (message.content.buttons ?? []).map((b) =>
    el("button", { type: "button", class: `button ${b.style}`, onclick: (e) => press(message, b, e.currentTarget) }, b.label));
  return el("li", { class: "message", id: `message-${message.id}`, "data-message": message.id },
    avatar(message.authorName, message.isBot),
    el("div", { class: "message-main" },
      el("div", { class: "message-meta" },
        el("span", { class: "message-author", text: message.authorName }),
        message.isBot ? el("span", { class: "bot-tag", text: "APP" }) : null,
        el("time", { class: "message-time", datetime: message.postedAt, text: formatTime(message.postedAt) }),
        message.edited ? el("span", { class: "message-edited", text: "(edited)" }) : null),
      renderContent(message.content),
      buttons.length ? el("div", { class: "message-buttons" }, buttons) : null));
}

// A private reply shows every button Core sent, as Discord's and Slack's ephemeral messages do.
function renderEphemeral(reply) {
  const buttons = reply.id ? (reply.content.buttons ?? []).map((b) =>
    el("button", { type: "button", class: `button ${b.style}`, onclick: (e) => pressPrivate(reply, b, e.currentTarget) }, b.label)) : [];
  return el("li", { class: "message ephemeral", "data-ephemeral": "true" },
    avatar("PeerBot", true),
    el("div", { class: "message-main" },
      el("div", { class: "message-meta" },
        el("span", { class: "message-author", text: "PeerBot" }),
        el("span", { class: "bot-tag", text: "APP" }),
        el("time", { class: "message-time", datetime: reply.at, text: formatTime(reply.at) })),
      el("p", { class: "ephemeral-note" },
        el("span", { text: "Only you can see this" }),
        el("button", { type: "button", class: "link-button", onclick: () => dismiss(reply) }, "Dismiss")),
      renderContent(reply.content),
      buttons.length ? el("div", { class: "message-buttons" }, buttons) : null));
}

function dismiss(reply) {
  const list = state.ephemeral.get(reply.channelId) ?? [];
  state.ephemeral.set(reply.channelId, list.filter((r) => r !== reply));
  renderMessages();
  $("composer-input").focus();
}

// A private reply belongs to the channel the command was sent from, even if the page has moved on since (leaving a
// group takes the person to their direct messages before the command's answer arrives).
function addEphemeral(content, id, channelId = state.current) {
  if (!content || !channelId) return;
  const reply = { id, channelId, at: sandboxNow().toISOString(), content };
  const list = state.ephemeral.get(channelId) ?? [];
  list.push(reply);
  state.ephemeral.set(channelId, list);
  if (channelId === state.current) appendToList(renderEphemeral(reply));
}

function upsertMessage(message) {
  const list = state.messages.get(message.channelId);
  let known = false;
  if (list) {
    const index = list.findIndex((m) => m.id === message.id);
    known = index >= 0;
    if (known) list[index] = message; else list.push(message);
  }
  if (message.isBot) refreshClock();
  if (message.channelId === state.current) {
    const existing = document.getElementById(`message-${message.id}`);
    if (existing) existing.replaceWith(renderMessage(message));
    else if (!known) {
      appendToList(renderMessage(message));
      markRead(message.channelId);
    }
  } else if (!message.edited) {
    state.unread.set(message.channelId, (state.unread.get(message.channelId) ?? 0) + 1);
    renderChannels();
  }
}

async function send() {
  const input = $("composer-input");
  const text = input.value.trim();
  const error = $("composer-error");
  error.textContent = "";
  if (!text || !state.current || !state.me) return;
  // Too long: refused here, before anything is sent, with the text left as typed (the counter says by how much).
  if (text.length > state.maxMessageLength) {
    updateComposerCount();
    return;
  }
  const channelId = state.current;
  input.value = "";
  autosize();
  updateComposerCount();
  const { ok, data } = await api("POST", `/api/channels/${encodeURIComponent(channelId)}/messages`, { as: state.me.id, text });
  if (!ok) {
    if (text.length > 0 && !input.value) {
      input.value = text;
      autosize();
      updateComposerCount();
    }
    error.textContent = data.error;
    return;
  }
  handleInteraction(data, channelId);
}

function handleInteraction(data, channelId = state.current) {
  if (data.error) addEphemeral({ blocks: [{ kind: "paragraph", spans: [{ text: data.error }] }], buttons: [] }, undefined, channelId);
  if (data.reply) addEphemeral(data.reply, data.replyId, channelId);
  if (data.form) openForm(data.form);
}

async function press(message, button, node) {
  node.disabled = true;
  const { data } = await api("POST", "/api/buttons", { as: state.me.id, channelId: message.channelId, messageId: message.id, actionId: button.actionId });
  node.disabled = false;
  handleInteraction(data ?? {});
}

async function pressPrivate(reply, button, node) {
  node.disabled = true;
  const { data } = await api("POST", "/api/buttons", { as: state.me.id, channelId: reply.channelId, replyId: reply.id, actionId: button.actionId });
  node.disabled = false;
  if (data && data.updated) {
    reply.content = data.updated;
    if (reply.channelId === state.current) renderMessages();
  }
  handleInteraction(data ?? {});
}

// ---- Forms ----

function openForm(form) {
  state.openForm = form;
  $("form-title").textContent = form.title;
  $("form-submit").textContent = form.submitLabel || "Submit";
  $("form-error").textContent = "";
  const fields = $("form-fields");
  fields.replaceChildren();
  form.fields.forEach((field, index) => {
    const id = `form-field-${index}`;
    const label = el("label", { for: id }, field.label, field.required ? null : el("span", { class: "field-optional", text: " (optional)" }));
    let input;
    if (field.kind === "choice") {
      input = el("select", { id, name: field.id, required: field.required },
        field.required ? el("option", { value: "", text: "Choose…" }) : el("option", { value: "", text: "None" }),
        (field.choices ?? []).map((c) => el("option", { value: c.value, text: c.label })));
    } else if (field.kind === "long") {
      input = el("textarea", { id, name: field.id, required: field.required, placeholder: field.placeholder ?? undefined });
    } else {
      input = el("input", { id, name: field.id, type: "text", required: field.required, placeholder: field.placeholder ?? undefined });
    }
    // No maxlength: it would cut pasted text without a word. A counter says how long it is, and the form is refused
    // while a field is over.
    const count = field.maxLength ? el("p", { class: "field-count", id: `${id}-count`, "aria-live": "polite", hidden: true }) : null;
    if (count) {
      input.setAttribute("aria-describedby", count.id);
      input.addEventListener("input", () => updateFormCounts());
    }
    fields.append(el("div", { class: "field" }, label, input, count));
  });
  updateFormCounts();
  const dialog = $("form-dialog");
  if (!dialog.open) dialog.showModal();
  fields.querySelector("input, textarea, select")?.focus();
}

function closeForm() {
  const dialog = $("form-dialog");
  if (dialog.open) dialog.close();
  $("composer-input").focus();
}

async function submitForm() {
  const form = state.openForm;
  if (!form) return;
  const values = {};
  for (const field of form.fields) {
    const input = $("form-fields").querySelector(`[name="${CSS.escape(field.id)}"]`);
    const value = input.value.trim();
    if (field.required && !value) {
      $("form-error").textContent = `"${field.label}" is required.`;
      input.focus();
      return;
    }
    if (field.maxLength && value.length > field.maxLength) {
      $("form-error").textContent = `"${field.label}" is at most ${formatCount(field.maxLength)} characters; it has ${formatCount(value.length)}.`;
      input.focus();
      return;
    }
    values[field.id] = value;
  }
  $("form-submit").disabled = true;
  const { status, data } = await api("POST", "/api/forms", { as: state.me.id, formId: form.formId, values });
  updateFormCounts();
  if (status === 400) {
    // A value the form refuses: the dialog stays open with what was typed.
    $("form-error").textContent = data.error;
    return;
  }
  closeForm();
  handleInteraction(data);
}

// ---- Clock ----

function setClock(clock) {
  state.clock = clock;
  state.clockSkew = new Date(clock.now).getTime() - Date.now();
  if (clock.timeZone && clock.timeZone !== state.timeZone) {
    try {
      new Intl.DateTimeFormat(undefined, { timeZone: clock.timeZone });
      state.timeZone = clock.timeZone;
    } catch {
      state.timeZone = "UTC";  // a zone this browser does not know: UTC, still named, never the browser's own
    }
    const label = $("time-zone");
    label.textContent = `Times in ${state.timeZone.replaceAll("_", " ")}`;
    label.title = "The program's time zone: PeerBot writes its times in it too.";
    label.hidden = false;
  }
  renderClock();
}

function renderClock() {
  if (!state.clock) return;
  const now = sandboxNow();
  const text = formatDateTime(now);
  const time = $("clock-now");
  time.textContent = text;
  time.setAttribute("datetime", now.toISOString());
  $("clock-next").textContent = state.clock.nextPromptAt
    ? `Next prompt: ${formatDateTime(new Date(state.clock.nextPromptAt))}`
      + (state.clock.nextPromptGroup ? ` in ${state.clock.nextPromptGroup}` : "")
    : "No prompt scheduled";
  $("next-prompt").disabled = !state.clock.nextPromptAt;
}

let clockRefresh = null;

// A prompt or post from the bot may change when the next prompt is due.
function refreshClock() {
  clearTimeout(clockRefresh);
  clockRefresh = setTimeout(async () => {
    const { ok, data } = await api("GET", "/api/clock");
    if (ok) setClock(data);
  }, 300);
}

async function moveClock(url, body) {
  const status = $("clock-status");
  status.textContent = "";
  const { ok, data } = await api("POST", url, body ?? {});
  if (!ok) {
    status.textContent = data.error;
    return;
  }
  setClock(data);
  status.textContent = `The sandbox clock is now ${$("clock-now").textContent}.`;
}

// ---- Live updates ----

// The tabs share one stream through a worker (events-worker.js): a browser gives a site six connections, and a
// stream per tab used them up at six tabs, after which the page silently stopped updating. Without shared workers,
// each tab has its own stream.
const liveHandlers = {
  ready: (clock) => {
    setClock(clock);
    setLive(true);
    if (state.wasLive) {
      // Whatever happened while the stream was down is fetched afresh.
      loadChannels().then(() => openChannel(state.current));
    }
    state.wasLive = true;
  },
  message: (message) => upsertMessage(message),
  deleted: (d) => {
    const list = state.messages.get(d.channelId);
    if (list) state.messages.set(d.channelId, list.filter((m) => m.id !== d.id));
    if (d.channelId === state.current) renderMessages();
  },
  channels: () => loadChannels(),
  clock: (clock) => setClock(clock),
};

// Whenever updates stop, the page says so, until the stream is back.
function setLive(live) {
  document.body.dataset.live = live ? "true" : "false";
  const banner = $("connection");
  banner.hidden = live;
  banner.textContent = live ? "" : state.wasLive
    ? "Reconnecting to the sandbox… new messages will appear once it answers again."
    : "Connecting to the sandbox…";
}

function connectEvents() {
  if (state.events) state.events.close();
  state.events = null;
  state.wasLive = false;
  setLive(false);
  const me = state.me;
  if (typeof SharedWorker !== "undefined") {
    if (!state.worker) {
      state.worker = new SharedWorker("/events-worker.js");
      state.worker.port.onmessage = (e) => {
        const { type, person, payload } = e.data ?? {};
        if (type === "down") setLive(false);
        else if (state.me && person === state.me.id && liveHandlers[type]) liveHandlers[type](payload);
      };
      state.worker.port.start();
      addEventListener("pagehide", () => state.worker.port.postMessage({ type: "bye" }));
      addEventListener("pageshow", (e) => { if (e.persisted && state.me) state.worker.port.postMessage({ type: "watch", person: state.me.id }); });
    }
    state.worker.port.postMessage({ type: "watch", person: me.id });
    return;
  }
  const events = new EventSource(`/api/events?as=${encodeURIComponent(me.id)}`);
  state.events = events;
  for (const [type, handler] of Object.entries(liveHandlers)) {
    events.addEventListener(type, (e) => { if (state.me === me) handler(JSON.parse(e.data)); });
  }
  events.addEventListener("error", () => setLive(false));
}

// ---- Length limits ----

function formatCount(n) {
  return new Intl.NumberFormat().format(n);
}

// The counter shows from 90% of the limit; past the limit, it says by how much and nothing can be sent.
function describeLength(length, max) {
  if (length > max) return { text: `${formatCount(length)} / ${formatCount(max)} characters: ${formatCount(length - max)} too many to send`, over: true, near: true };
  return { text: `${formatCount(length)} / ${formatCount(max)} characters`, over: false, near: length >= max * 0.9 };
}

function updateComposerCount() {
  const input = $("composer-input");
  const count = $("composer-count");
  const length = describeLength(input.value.trim().length, state.maxMessageLength);
  count.hidden = !length.near;
  count.textContent = length.near ? length.text : "";
  count.classList.toggle("over", length.over);
  $("send-button").disabled = input.disabled || length.over;
}

function updateFormCounts() {
  const form = state.openForm;
  let over = false;
  for (const [index, field] of (form?.fields ?? []).entries()) {
    const count = document.getElementById(`form-field-${index}-count`);
    const input = document.getElementById(`form-field-${index}`);
    if (!count || !input || !field.maxLength) continue;
    const length = describeLength(input.value.trim().length, field.maxLength);
    count.hidden = !length.near;
    count.textContent = length.near ? length.text : "";
    count.classList.toggle("over", length.over);
    over ||= length.over;
  }
  $("form-submit").disabled = over;
}

function autosize() {
  const input = $("composer-input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

document.addEventListener("DOMContentLoaded", start);
