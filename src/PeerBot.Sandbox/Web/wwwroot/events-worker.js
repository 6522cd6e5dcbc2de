// One live connection for every tab of the sandbox. A browser gives a site six HTTP/1.1 connections, and an
// EventSource holds one for as long as the page is open, so with six tabs each on its own stream the page stopped
// updating (and loading). The tabs share this worker instead: it keeps one stream for everyone chosen in any tab
// and hands each tab the events of its own person.
"use strict";

const types = ["ready", "message", "deleted", "channels", "clock"];
const ports = new Map();   // port -> the person chosen in that tab
const clocks = new Map();  // person -> { clock, at }: the last clock seen, for a tab that joins an open stream
let source = null;
let watching = "";
let reopen = null;
let retry = null;

onconnect = (e) => {
  const port = e.ports[0];
  port.onmessage = (m) => {
    const message = m.data ?? {};
    if (message.type === "watch" && typeof message.person === "string") {
      ports.set(port, message.person);
      const known = clocks.get(message.person);
      if (source && source.readyState === EventSource.OPEN && known && wanted().includes(message.person) && watching === wanted().join("\n")) {
        // Already on the stream: this tab is live at once, with the clock moved on by the time since it was seen.
        const now = new Date(Date.parse(known.clock.now) + (Date.now() - known.at)).toISOString();
        port.postMessage({ type: "ready", person: message.person, payload: { ...known.clock, now } });
      }
      schedule();
    } else if (message.type === "bye") {
      ports.delete(port);
      schedule();
    }
  };
  port.start();
};

function wanted() {
  return [...new Set(ports.values())].sort();
}

// Tabs come and go in bursts (a reload is a bye and a watch): the stream is reopened once they settle.
function schedule() {
  clearTimeout(reopen);
  reopen = setTimeout(open, 50);
}

function open() {
  const people = wanted();
  const key = people.join("\n");
  if (key === watching && source && source.readyState !== EventSource.CLOSED) return;
  if (source) source.close();
  source = null;
  watching = key;
  clearTimeout(retry);
  if (people.length === 0) return;
  const query = people.map((p) => `as=${encodeURIComponent(p)}`).join("&");
  const stream = new EventSource(`/api/events/shared?${query}`);
  source = stream;
  for (const type of types) {
    stream.addEventListener(type, (e) => {
      if (source !== stream) return;
      const { person, payload } = JSON.parse(e.data);
      if (type === "ready" || type === "clock") clocks.set(person, { clock: payload, at: Date.now() });
      for (const [port, chosen] of ports) {
        if (chosen === person) port.postMessage({ type, person, payload });
      }
    });
  }
  stream.addEventListener("error", () => {
    if (source !== stream) return;
    // Updates have stopped: every tab says so until the stream is back (EventSource retries by itself; a stream the
    // server refused is closed, so it is opened again here).
    for (const port of ports.keys()) port.postMessage({ type: "down" });
    if (stream.readyState === EventSource.CLOSED) {
      watching = "";
      retry = setTimeout(open, 3000);
    }
  });
}
