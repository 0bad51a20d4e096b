// Push engine client for browsers and Node. Plain ES module: no build step, no dependencies. Served by every edge
// at /push-client.js; the npm package of this directory (package.json, push-client.d.ts) is the same file.
//
//   import { PushClient } from '/push-client.js';            // a browser
//   import { PushClient } from '@pushengine/client';          // Node 20+: pass a WebSocket implementation,
//   import WebSocket from 'ws';                               //   e.g. new PushClient({ WebSocket, url, topics })
//   const client = new PushClient({ topics: ['prices.EURUSD', 'prices.GBPUSD'] });
//   client.addEventListener('event', (e) => render(e.detail));      // { sequence, topic, payload, ... }
//   client.addEventListener('state', (e) => show(e.detail));        // { state, transport, attempt, delayMs, reason }
//   client.start();
//
// Transports, best first: WebSocket (binary SBE frames) -> SSE -> long-poll -> short-poll (JSON). One that fails to
// open is skipped for the next; when all fail the client backs off (1 s, doubling, 30 s cap, up to 30 % jitter) and
// tries again from the best. Running on a lower transport, it probes the best one now and then and moves back up.
// Every (re)connection and every switch resumes from the last sequence seen: nothing lost, nothing twice.

const SCHEMA_ID = 7101;
const TEMPLATE = {
  BATCH: 2, SUBSCRIBED: 12, HEARTBEAT: 13, ERROR: 14, GAP: 15, RESUMED: 16, SNAPSHOT_BEGIN: 17, SNAPSHOT_END: 18,
  PUBLISHED: 36,
};
const PAYLOAD = { OPAQUE: 0, TEXT: 1, JSON: 2, PRICE_TICK: 3 };
const utf8 = new TextDecoder();

export const TRANSPORTS = ['websocket', 'sse', 'long-poll', 'short-poll'];

export const DEFAULTS = {
  url: undefined,              // base URL of the edge, e.g. 'https://push.example.com' (default: this page's origin)
  urls: undefined,             // or several edges: the next is used when one drains (1001), loses an open connection,
                               // or fails on every transport
  topics: [],
  transports: TRANSPORTS,      // the order to try; leave some out to never use them
  snapshot: true,              // first connection: the current value of each topic before live events
  policy: undefined,           // WebSocket/SSE backpressure policy: 'conflate' for price screens
  token: undefined,            // a JWT, or a function returning the current one (called on every connect): sent as
                               // access_token; with a function, a live WebSocket is sent a fresh one before expiry
                               // (Authenticate), and a 'token expired' close (SSE, polls) reconnects with a fresh one
  baseDelayMs: 1000,           // reconnect backoff: base, doubling per failed attempt ...
  maxDelayMs: 30000,           // ... up to this cap ...
  jitter: 0.3,                 // ... minus up to this fraction at random, so clients do not return in step
  maxAttempts: 20,             // failed attempts in a row before giving up ('failure' event); Infinity: never
  slowDelayFactor: 3,          // close 1011/1013 (server error, try again later): wait this much longer
  openTimeoutMs: 8000,         // a transport not open by then has failed to open
  heartbeatTimeoutMs: 45000,   // silence (no event, no heartbeat) for this long: the connection is dead
  upgradeAfterMs: 60000,       // on a lower transport, probe the best one after this long
  longPollWaitMs: 25000,       // long-poll: how long the edge may hold a poll
  shortPollIntervalMs: 1000,   // short-poll: pause between polls
  maxFrequencies: {},          // topic -> at most this many events/s on it, the latest value when due (a poll's
                               // answer keeps the latest event per 1/N s); change live with setMaxFrequency()
  batchWindows: {},            // topic -> ms its events may wait to arrive with later ones in one frame (none
                               // dropped; WebSocket and SSE); change live with setBatchWindow()
  WebSocket: undefined,        // implementations, for where there are none built in (Node: 'ws'; 'eventsource' for
  EventSource: undefined,      // SSE); default: the global ones. A transport whose implementation is missing is
  fetch: undefined,            // skipped like one that does not open
};

// ------------------------------------------------------------------------------------------------ decoding

function decodeDecimal(view, offset) {
  const mantissa = Number(view.getBigInt64(offset, true));
  const exponent = view.getInt8(offset + 8);
  return { value: mantissa * Math.pow(10, exponent), digits: Math.max(0, -exponent) };
}

/** Decodes an SBE PriceTick message (with its header) into { instrument, bid, ask, bidSize, askSize, digits }. */
export function decodePriceTick(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = 8; // message header
  let instrument = '';
  for (let i = 0; i < 16; i++) {
    const c = view.getUint8(o + 42 + i);
    if (c === 0) break;
    instrument += String.fromCharCode(c);
  }
  const bid = decodeDecimal(view, o + 8);
  const ask = decodeDecimal(view, o + 17);
  return {
    instrument,
    bid: bid.value,
    ask: ask.value,
    digits: Math.max(bid.digits, ask.digits),
    bidSize: Number(view.getBigInt64(o + 26, true)),
    askSize: Number(view.getBigInt64(o + 34, true)),
    timestampNs: Number(view.getBigInt64(o, true)),
  };
}

function decodePayload(type, bytes) {
  switch (type) {
    case PAYLOAD.PRICE_TICK: return decodePriceTick(bytes);
    case PAYLOAD.JSON: return JSON.parse(utf8.decode(bytes));
    case PAYLOAD.TEXT: return utf8.decode(bytes);
    default: return bytes;
  }
}

const PAYLOAD_NAMES = ['OPAQUE', 'TEXT', 'JSON', 'PRICE_TICK'];

/** Decodes one binary WebSocket frame (an SBE message) into { type, ... }. */
export function decodeFrame(buffer, topicNames) {
  const view = new DataView(buffer);
  const blockLength = view.getUint16(0, true);
  const templateId = view.getUint16(2, true);
  const schemaId = view.getUint16(4, true);
  if (schemaId !== SCHEMA_ID) throw new Error(`unknown schema ${schemaId}`);
  const body = 8;
  switch (templateId) {
    case TEMPLATE.BATCH: {
      const events = [];
      let p = body + blockLength;
      const entryLength = view.getUint16(p, true);
      const count = view.getUint16(p + 2, true);
      p += 4;
      for (let i = 0; i < count; i++) {
        const topic = view.getInt32(p + 8, true);
        const payloadType = view.getUint8(p + 28);
        const length = view.getUint32(p + entryLength, true);
        const bytes = new Uint8Array(buffer, p + entryLength + 4, length);
        const timestampNs = view.getBigInt64(p + 20, true);
        events.push({
          sequence: Number(view.getBigInt64(p, true)),
          topic: topicNames.get(topic) ?? `#${topic}`,
          topicSequence: Number(view.getBigInt64(p + 12, true)),
          timestampMs: Number(timestampNs / 1000n) / 1000,
          type: PAYLOAD_NAMES[payloadType] ?? 'OPAQUE',
          payload: decodePayload(payloadType, bytes),
        });
        p += entryLength + 4 + length;
      }
      return { type: 'batch', events };
    }
    case TEMPLATE.SUBSCRIBED: {
      const topic = view.getInt32(body + 8, true);
      const nameLength = view.getUint16(body + blockLength, true);
      const name = utf8.decode(new Uint8Array(buffer, body + blockLength + 2, nameLength));
      topicNames.set(topic, name);
      return { type: 'subscribed', topic, name, topicSequence: Number(view.getBigInt64(body + 12, true)),
        correlationId: Number(view.getBigInt64(body, true)) };
    }
    case TEMPLATE.HEARTBEAT:
      return { type: 'heartbeat', lastSequence: Number(view.getBigInt64(body + 8, true)) };
    case TEMPLATE.ERROR: {
      const code = view.getUint16(body, true);
      const correlationId = Number(view.getBigInt64(body + 2, true));
      const length = view.getUint16(body + blockLength, true);
      return { type: 'error', code, correlationId,
        reason: utf8.decode(new Uint8Array(buffer, body + blockLength + 2, length)) };
    }
    case TEMPLATE.PUBLISHED:
      return {
        type: 'published',
        correlationId: Number(view.getBigInt64(body, true)),
        sequence: Number(view.getBigInt64(body + 8, true)),
        topicSequence: Number(view.getBigInt64(body + 20, true)),
      };
    case TEMPLATE.GAP: {
      const topic = view.getInt32(body, true);
      return {
        type: 'gap',
        topic: topicNames.get(topic) ?? `#${topic}`,
        fromSequence: Number(view.getBigInt64(body + 4, true)),
        toSequence: Number(view.getBigInt64(body + 12, true)),
        fromTopicSequence: Number(view.getBigInt64(body + 20, true)),
        toTopicSequence: Number(view.getBigInt64(body + 28, true)),
      };
    }
    case TEMPLATE.RESUMED:
      return {
        type: 'resumed',
        fromSequence: Number(view.getBigInt64(body, true)),
        toSequence: Number(view.getBigInt64(body + 8, true)),
        complete: view.getUint8(body + 16) === 1,
        oldestRetained: Number(view.getBigInt64(body + 17, true)),
      };
    case TEMPLATE.SNAPSHOT_BEGIN:
      return { type: 'snapshot-begin', correlationId: Number(view.getBigInt64(body, true)) };
    case TEMPLATE.SNAPSHOT_END:
      return {
        type: 'snapshot-end',
        correlationId: Number(view.getBigInt64(body, true)),
        asOfSequence: Number(view.getBigInt64(body + 8, true)),
        valueCount: view.getInt32(body + 16, true),
      };
    default:
      return { type: 'unknown', templateId };
  }
}

/** An event as the SSE and poll endpoints render it (JSON), in the shape the WebSocket decoder gives. */
function fromJson(e) {
  return {
    sequence: e.sequence,
    topic: e.topic,
    topicSequence: e.topicSequence,
    timestampMs: e.timestampNs / 1e6,
    type: e.type,
    payload: e.payload,
  };
}

// ------------------------------------------------------------------------------------------------ transports
//
// A transport connection calls back into its owner (the PushClient):
//   opened()                 it is open: events will follow
//   message(msg)             { type: 'events', events, snapshot } | { type: 'snapshot-end', asOfSequence }
//                            | { type: 'heartbeat' } | { type: 'reset', oldestRetained } | { type: 'gap', ... }
//   closed({ code, reason, opened, auth, fatal, slow })
// and is stopped with stop(). After closed() or stop() it calls nothing more.

/** An SBE Authenticate message (template 31): refreshes the token of a live WebSocket. */
function encodeAuthenticate(correlationId, token) {
  const bytes = new TextEncoder().encode(token);
  const buffer = new ArrayBuffer(8 + 8 + 2 + bytes.length);
  const view = new DataView(buffer);
  view.setUint16(0, 8, true);            // block length
  view.setUint16(2, 31, true);           // template id
  view.setUint16(4, SCHEMA_ID, true);
  view.setUint16(6, 1, true);            // schema version
  view.setBigInt64(8, BigInt(correlationId), true);
  view.setUint16(16, bytes.length, true);
  new Uint8Array(buffer, 18).set(bytes);
  return buffer;
}

/** An SBE Publish message (template 35): a payload to sequence on a topic, answered by Published or an Error. */
function encodePublish(correlationId, topic, payloadType, payload) {
  const name = new TextEncoder().encode(topic);
  const buffer = new ArrayBuffer(8 + 9 + 2 + name.length + 4 + payload.length);
  const view = new DataView(buffer);
  view.setUint16(0, 9, true);            // block length: correlationId, payloadType
  view.setUint16(2, 35, true);           // template id
  view.setUint16(4, SCHEMA_ID, true);
  view.setUint16(6, 1, true);            // schema version
  view.setBigInt64(8, BigInt(correlationId), true);
  view.setUint8(16, payloadType);
  view.setUint16(17, name.length, true);
  new Uint8Array(buffer, 19, name.length).set(name);
  view.setUint32(19 + name.length, payload.length, true);
  new Uint8Array(buffer, 23 + name.length).set(payload);
  return buffer;
}

/**
 * An SBE UpdateSubscription message (template 19): a live subscription's new maximum frequency and batching window
 * (0: none).
 */
function encodeUpdateSubscription(correlationId, topic, maxFrequency, batchWindowMs) {
  const bytes = new TextEncoder().encode(topic);
  const buffer = new ArrayBuffer(8 + 12 + 2 + bytes.length);
  const view = new DataView(buffer);
  view.setUint16(0, 12, true);           // block length: correlationId, maxFrequency, batchWindowMs
  view.setUint16(2, 19, true);           // template id
  view.setUint16(4, SCHEMA_ID, true);
  view.setUint16(6, 1, true);            // schema version
  view.setBigInt64(8, BigInt(correlationId), true);
  view.setUint16(16, maxFrequency, true);
  view.setUint16(18, batchWindowMs, true);
  view.setUint16(20, bytes.length, true);
  new Uint8Array(buffer, 22).set(bytes);
  return buffer;
}

/** A JWT's exp in epoch ms (read, not verified: the edge verifies), or null. */
function tokenExpiryMs(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch (ignore) {
    return null;
  }
}

/** The edge's reconnect hint in a close reason ("... retry-after-ms=N"), or null. */
function retryHintMs(reason) {
  const match = /retry-after-ms=(\d+)/.exec(reason ?? '');
  return match ? Number(match[1]) : null;
}

/** What a close code means for reconnecting (RFC 6455 codes, as the edge uses them on every transport). */
function closeDetail(code, reason, opened) {
  return {
    code,
    reason,
    opened,
    auth: code === 1008,
    normal: code === 1000,
    slow: code === 1011 || code === 1013,
    goingAway: code === 1001,      // the edge is draining or restarting: go to another edge
    hintMs: retryHintMs(reason),
  };
}

class WebSocketConnection {
  constructor(owner, base, query) {
    this.owner = owner;
    this.topicNames = new Map();
    this.done = false;
    this.inSnapshot = false;
    const url = new URL('/ws', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = query.toString();
    const ws = new (owner.implementation('WebSocket'))(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onerror = () => { /* the close that follows says why ('ws' in Node throws on an error nobody handles) */ };
    ws.onopen = () => { if (!this.done) { this.wasOpen = true; owner.opened(this); } };
    ws.onmessage = (m) => {
      if (this.done) return;
      const msg = decodeFrame(m.data, this.topicNames);
      switch (msg.type) {
        case 'batch': owner.message(this, { type: 'events', events: msg.events, snapshot: this.inSnapshot }); break;
        case 'snapshot-begin': this.inSnapshot = true; owner.message(this, { type: 'heartbeat' }); break;
        case 'snapshot-end': this.inSnapshot = false; owner.message(this, msg); break;
        case 'resumed':
          owner.message(this, msg.complete ? { type: 'heartbeat' } : { type: 'reset', oldestRetained: msg.oldestRetained });
          break;
        case 'gap': owner.message(this, msg); break;
        case 'subscribed': owner.message(this, msg); break;
        case 'published': owner.message(this, msg); break;
        case 'error': owner.message(this, { type: 'error', reason: msg.reason, correlationId: msg.correlationId }); break;
        default: owner.message(this, { type: 'heartbeat' }); break;
      }
    };
    ws.onclose = (e) => this.finish(closeDetail(
      e.code, e.reason || (this.wasOpen ? 'connection lost' : 'WebSocket refused or unreachable'), !!this.wasOpen));
  }

  finish(detail) {
    if (this.done) return;
    this.done = true;
    this.owner.closed(this, detail);
  }

  send(buffer) {
    if (!this.done && this.ws.readyState === 1) this.ws.send(buffer);
  }

  stop() {
    this.done = true;
    try { this.ws.close(1000, 'client switched or closed'); } catch (ignore) { /* closing anyway */ }
  }
}

class SseConnection {
  constructor(owner, base, query) {
    this.owner = owner;
    this.done = false;
    this.inSnapshot = false;
    const url = new URL('/sse', base);
    url.search = query.toString();
    const source = new (owner.implementation('EventSource'))(url);
    this.source = source;
    source.onopen = () => { if (!this.done) { this.wasOpen = true; owner.opened(this); } };
    // The browser would reconnect by itself with Last-Event-ID; the client does it instead, with its own backoff
    // and its own cursor (which a WebSocket or a poll may have moved on since).
    source.onerror = () => this.finish({
      code: 0,
      reason: this.wasOpen ? 'event stream lost' : 'event stream refused or unreachable',
      opened: !!this.wasOpen,
    });
    source.onmessage = () => owner.message(this, { type: 'heartbeat' });
    source.addEventListener('$heartbeat', () => owner.message(this, { type: 'heartbeat' }));
    source.addEventListener('$snapshot-begin', () => { this.inSnapshot = true; });
    source.addEventListener('$snapshot-end', (m) => {
      this.inSnapshot = false;
      owner.message(this, { type: 'snapshot-end', ...JSON.parse(m.data) });
    });
    source.addEventListener('$resumed', (m) => {
      const r = JSON.parse(m.data);
      owner.message(this, r.complete ? { type: 'heartbeat' } : { type: 'reset', oldestRetained: r.oldestRetained });
    });
    source.addEventListener('$gap', (m) => owner.message(this, { type: 'gap', ...JSON.parse(m.data) }));
    // the edge says why it closes, with the WebSocket close code it would have used (1001 + hint: draining)
    source.addEventListener('$close', (m) => {
      const c = JSON.parse(m.data);
      this.finish(closeDetail(c.code, c.reason, true));
    });
    for (const topic of query.get('topics').split(',')) {
      source.addEventListener(topic, (m) => {
        if (!this.done) {
          owner.message(this, { type: 'events', events: [fromJson(JSON.parse(m.data))], snapshot: this.inSnapshot });
        }
      });
    }
  }

  finish(detail) {
    if (this.done) return;
    this.done = true;
    this.source.close();
    this.owner.closed(this, detail);
  }

  stop() {
    this.done = true;
    this.source.close();
  }
}

/** Long-poll (waitMs > 0) or short-poll (waitMs 0, a pause between polls). */
class PollConnection {
  constructor(owner, base, query, cursor, waitMs, intervalMs) {
    this.owner = owner;
    this.base = base;
    this.query = query;
    this.cursor = cursor;
    this.waitMs = waitMs;
    this.intervalMs = intervalMs;
    this.done = false;
    this.poll();
  }

  async poll() {
    const url = new URL('/poll', this.base);
    const query = new URLSearchParams(this.query);
    // after the first answer its cursor is known, even 0 (a fresh engine): events from then on are all wanted
    if (this.cursor > 0 || this.wasOpen) query.set('after', String(this.cursor));
    // the first poll of a connection is answered at once (it is what opens it: one held on a quiet topic would look
    // like a transport that does not open), yet still a long poll (wait > 0) for a long-poll connection, so an edge
    // that does not serve long-poll refuses it; long polls follow from its cursor
    const waitMs = this.wasOpen ? this.waitMs : Math.min(this.waitMs, 1);
    query.set('wait', String(waitMs));
    url.search = query.toString();
    this.abort = new AbortController();
    const timer = setTimeout(() => this.abort.abort(), waitMs + 10000);
    let response, body;
    try {
      response = await this.owner.implementation('fetch').call(globalThis, url,
        { signal: this.abort.signal, cache: 'no-store' });
      body = await response.json();
    } catch (error) {
      this.finish({ code: 0, reason: `poll failed: ${error.message}`, opened: !!this.wasOpen });
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.done) return;
    if (response.status !== 200) {
      const reason = `HTTP ${response.status}: ${body?.error ?? ''}`;
      const hintMs = retryHintMs(reason);
      this.finish({
        code: response.status,
        reason,
        opened: !!this.wasOpen,
        auth: response.status === 401,
        fatal: response.status === 400,
        slow: hintMs === null && (response.status === 429 || response.status === 503),
        goingAway: hintMs !== null,
        hintMs,
      });
      return;
    }
    if (!this.wasOpen) {
      this.wasOpen = true;
      this.owner.opened(this);
      if (this.done) return;
    }
    if (body.reset) {
      this.owner.message(this, { type: 'reset', oldestRetained: body.reset.oldestRetained });
      return;
    }
    const events = body.events.map(fromJson);
    this.owner.message(this, { type: 'events', events, snapshot: !!body.snapshot });
    if (this.done) return;
    if (body.snapshot) this.owner.message(this, { type: 'snapshot-end', ...body.snapshot });
    if (this.done) return;
    this.owner.message(this, { type: 'heartbeat' });
    if (this.done) return;
    this.cursor = Math.max(this.cursor, body.cursor);
    this.owner.pollCursor(this, body.cursor);
    if (this.waitMs > 0) {
      this.poll();
    } else {
      this.next = setTimeout(() => this.poll(), this.intervalMs);
    }
  }

  finish(detail) {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.next);
    this.owner.closed(this, detail);
  }

  stop() {
    this.done = true;
    clearTimeout(this.next);
    this.abort?.abort();
  }
}

// ------------------------------------------------------------------------------------------------ client

/** A transport with no implementation here (no WebSocket in Node without 'ws'): it fails to open, at once. */
class UnavailableConnection {
  constructor(owner, reason) {
    this.owner = owner;
    this.done = false;
    setTimeout(() => this.finish({ code: 0, reason, opened: false }), 0);
  }

  finish(detail) {
    if (this.done) return;
    this.done = true;
    this.owner.closed(this, detail);
  }

  send() {}

  stop() {
    this.done = true;
  }
}

/**
 * Events (addEventListener), each with a `detail`:
 *   event      { sequence, topic, topicSequence, timestampMs, type, payload } once per sequence, in order
 *   snapshot   { asOfSequence, valueCount }: the current values have been given; live follows
 *   state      { state: 'connecting'|'open'|'reconnecting'|'closed'|'failed', transport, attempt, delayMs, reason }
 *   transport  { transport, previous }: moved to another transport
 *   reset      { oldestRetained }: what was missed is no longer retained; the client resyncs with a snapshot
 *   gap        { topic, fromSequence, toSequence }: the edge dropped these (policy=drop)
 *   subscribed { topic, correlationId }: WebSocket: a topic's subscription is live (correlationId 0 for the URL's
 *              topics), or a setMaxFrequency / setBatchWindow took effect
 *   autherror  { reason }: refused by policy (close 1008, HTTP 401): no reconnect
 *   failure    { attempts, reason }: gave up after maxAttempts
 */
export class PushClient extends EventTarget {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    const origin = typeof location !== 'undefined' ? location.origin : 'http://127.0.0.1:8080';
    this.urls = this.options.urls ?? [this.options.url ?? origin];
    this.urlIndex = 0;
    this.enabled = (this.options.transports ?? TRANSPORTS).filter((t) => TRANSPORTS.includes(t));
    this.transports = this.enabled.slice();   // the chain in use: useTransport() starts it lower
    this.transportIndex = 0;
    this.cursor = 0;                 // the last sequence given to the application
    this.refreshes = 0;
    this.latest = new Map();         // topic -> latest event
    this.topicSequences = new Map(); // topic -> last topic sequence given: nothing twice, judged per topic
    this.maxFrequencies = { ...(this.options.maxFrequencies ?? {}) };
    this.batchWindows = { ...(this.options.batchWindows ?? {}) };
    this.correlationIds = 0;
    this.publishes = new Map();      // correlationId -> { resolve, reject } of a publish awaiting its answer
    this.attempt = 0;
    this.connection = null;
    this.probe = null;
    this.stopped = true;
    this.state = 'closed';
    this.transport = null;
  }

  start() {
    if (!this.stopped) return this;
    this.stopped = false;
    this.connect();
    return this;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.watchdog);
    clearTimeout(this.upgradeTimer);
    this.connection?.stop();
    this.probe?.stop();
    this.failPublishes(this.connection);
    this.connection = this.probe = null;
    this.setState('closed', { reason: 'closed by the application' });
  }

  /**
   * Move to `transport` now, while connected (the migration story: WebSocket, SSE, long-poll, short-poll): the new
   * connection resumes from the cursor and the old one closes once it is open, so nothing is lost or shown twice.
   * From then on the client falls back only to transports below it and never probes above it; useTransport of the
   * best one restores the full chain. Throws for a transport not in `transports`.
   */
  useTransport(transport) {
    const from = this.enabled.indexOf(transport);
    if (from < 0) throw new Error(`transport ${transport} is not enabled: ${this.enabled.join(', ')}`);
    this.transports = this.enabled.slice(from);
    this.transportIndex = Math.max(0, this.transports.indexOf(this.transport));
    clearTimeout(this.upgradeTimer);
    if (this.stopped || (this.transport === transport && this.connection && this.state === 'open')) return this;
    this.probe?.stop();
    this.openProbe(transport);
    return this;
  }

  /**
   * Open `transport` beside the current connection, from the cursor: it replaces the current one once open
   * (opened()), or is given up after openTimeoutMs (closed(), which asks again later).
   */
  openProbe(transport) {
    const probe = this.open(transport);
    probe.transport = transport;
    this.probe = probe;
    setTimeout(() => {
      if (this.probe === probe && !probe.wasOpen) {
        probe.stop();
        this.closed(probe, { code: 0, reason: `${transport} did not open`, opened: false });
      }
    }, this.options.openTimeoutMs);
  }

  /**
   * At most `maxFrequency` events per second on a topic from now on (0: no per-topic cap), the latest value when
   * due. On a WebSocket the subscription is changed in place (UpdateSubscription); on SSE a new connection with the
   * new rate replaces the current one, resuming from the cursor; on polls the next poll carries it.
   */
  setMaxFrequency(topic, maxFrequency) {
    if (!Number.isInteger(maxFrequency) || maxFrequency < 0 || maxFrequency > 65535) {
      throw new Error(`maxFrequency is a whole number of events per second (0: none), not ${maxFrequency}`);
    }
    this.maxFrequencies[topic] = maxFrequency;
    return this.updateSubscription(topic);
  }

  /**
   * A topic's batching window from now on (0: none): its events may wait up to `batchWindowMs` to arrive with later
   * ones in one frame; none is dropped. Changed in place on a WebSocket, by a new SSE connection on SSE (resuming
   * from the cursor); on polls it applies to the next WebSocket or SSE. The edge refuses one above its maximum
   * ('error' event on a WebSocket, the SSE connection fails to open).
   */
  setBatchWindow(topic, batchWindowMs) {
    if (!Number.isInteger(batchWindowMs) || batchWindowMs < 0 || batchWindowMs > 65535) {
      throw new Error(`batchWindowMs is a whole number of milliseconds (0: none), not ${batchWindowMs}`);
    }
    this.batchWindows[topic] = batchWindowMs;
    return this.updateSubscription(topic);
  }

  /** Tell the edge a topic's options changed: in place on a WebSocket, by a new connection on SSE. */
  updateSubscription(topic) {
    if (this.stopped || !this.connection || this.state !== 'open') return this;
    if (this.transport === 'websocket') {
      this.connection.send(encodeUpdateSubscription(++this.correlationIds, topic,
        this.maxFrequencies[topic] ?? 0, this.batchWindows[topic] ?? 0));
    } else if (this.transport === 'sse' && !this.probe) {
      this.openProbe('sse');
    }
    return this;
  }

  /**
   * Publish over the open WebSocket (binary Publish; the token's pub_topics must grant the topic). Resolves with
   * { sequence, topicSequence } once the engine has journaled it; rejects with the edge's reason, or when the
   * connection is lost first (then it may or may not have been journaled: publish with an idempotency key in the
   * payload if that matters). payload: a string (TEXT), a Uint8Array (OPAQUE), anything else JSON; `type`
   * overrides. Without an open WebSocket it rejects at once: POST /publish/TOPIC is the other way.
   */
  publish(topic, payload, type) {
    if (this.transport !== 'websocket' || this.state !== 'open' || !this.connection) {
      return Promise.reject(new Error('publish needs an open WebSocket (or POST /publish/' + topic + ')'));
    }
    const payloadType = type ?? (typeof payload === 'string' ? 'TEXT' : payload instanceof Uint8Array ? 'OPAQUE' : 'JSON');
    const bytes = payload instanceof Uint8Array ? payload
      : new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const correlationId = ++this.correlationIds;
    const connection = this.connection;
    return new Promise((resolve, reject) => {
      this.publishes.set(correlationId, { resolve, reject, connection });
      connection.send(encodePublish(correlationId, topic, PAYLOAD[payloadType], bytes));
    });
  }

  /** A connection is gone: its publishes awaiting an answer will not get one. */
  failPublishes(connection) {
    for (const [correlationId, pending] of this.publishes) {
      if (pending.connection === connection) {
        this.publishes.delete(correlationId);
        pending.reject(new Error('connection lost before the answer: the publish may or may not be journaled'));
      }
    }
  }

  // ---------------------------------------------------------------- connecting

  query(transport) {
    const query = new URLSearchParams({ topics: this.options.topics.join(',') });
    for (const [topic, frequency] of Object.entries(this.maxFrequencies)) {
      if (frequency > 0 && this.options.topics.includes(topic)) query.set('rate.' + topic, String(frequency));
    }
    if (transport === 'websocket' || transport === 'sse') {
      if (this.options.policy) query.set('policy', this.options.policy);
      for (const [topic, windowMs] of Object.entries(this.batchWindows)) {
        if (windowMs > 0 && this.options.topics.includes(topic)) query.set('window.' + topic, String(windowMs));
      }
      if (this.cursor > 0) query.set(transport === 'sse' ? 'lastEventId' : 'from', String(this.cursor));
      else if (this.options.snapshot) query.set('snapshot', 'true');
    } else if (this.cursor === 0 && !this.options.snapshot) {
      query.set('snapshot', 'false');
    }
    const token = typeof this.options.token === 'function' ? this.options.token() : this.options.token;
    if (token) query.set('access_token', token);   // browsers cannot set headers on WebSocket or EventSource
    this.currentToken = token;
    return query;
  }

  /** The WebSocket, EventSource or fetch to use: the one given in the options, else the global one, else null. */
  implementation(name) {
    return this.options[name] ?? globalThis[name] ?? null;
  }

  open(transport) {
    const needs = { 'websocket': 'WebSocket', 'sse': 'EventSource' }[transport] ?? 'fetch';
    if (!this.implementation(needs)) {
      return new UnavailableConnection(this, `${transport}: no ${needs} here (pass one in the options)`);
    }
    const base = this.urls[this.urlIndex];
    const query = this.query(transport);
    switch (transport) {
      case 'websocket': return new WebSocketConnection(this, base, query);
      case 'sse': return new SseConnection(this, base, query);
      case 'long-poll': return new PollConnection(this, base, query, this.cursor, this.options.longPollWaitMs, 0);
      default: return new PollConnection(this, base, query, this.cursor, 0, this.options.shortPollIntervalMs);
    }
  }

  connect() {
    if (this.stopped) return;
    const transport = this.transports[this.transportIndex];
    this.setState('connecting', { transport });
    const connection = this.open(transport);
    connection.transport = transport;
    this.connection = connection;
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => {
      if (this.connection === connection && !connection.wasOpen) {
        connection.stop();
        this.closed(connection, { code: 0, reason: `${transport} did not open in ${this.options.openTimeoutMs} ms`, opened: false });
      }
    }, this.options.openTimeoutMs);
  }

  opened(connection) {
    if (connection === this.probe) {
      // the better transport works: move to it; both resume from the same cursor, duplicates are dropped
      const previous = this.connection;
      this.probe = null;
      this.connection = connection;
      this.transportIndex = 0;
      previous?.stop();
      this.failPublishes(previous);
      this.switched(connection.transport, previous?.transport);
      this.setState('open', { transport: connection.transport });
      this.armWatchdog();
      this.scheduleRefresh(connection);
      return;
    }
    if (connection !== this.connection) return;
    clearTimeout(this.openTimer);
    this.attempt = 0;
    this.scheduleRefresh(connection);
    this.switched(connection.transport, this.transport);
    this.setState('open', { transport: connection.transport });
    this.armWatchdog();
    this.scheduleUpgrade();
  }

  switched(transport, previous) {
    this.transport = transport;
    if (previous && previous !== transport) this.emit('transport', { transport, previous });
  }

  closed(connection, detail) {
    this.failPublishes(connection);
    if (connection === this.probe) {
      this.probe = null;          // the better transport still does not work: stay, ask again later
      this.scheduleUpgrade();
      return;
    }
    if (connection !== this.connection || this.stopped) return;
    clearTimeout(this.openTimer);
    clearTimeout(this.watchdog);
    clearTimeout(this.upgradeTimer);
    clearTimeout(this.refreshTimer);
    this.connection = null;
    if (detail.normal) {
      this.setState('closed', { transport: connection.transport, reason: detail.reason });
      this.stopped = true;
      return;
    }
    if (detail.auth && typeof this.options.token === 'function' && /^token expired/.test(detail.reason ?? '')) {
      // the token ran out: the token function gives a fresh one, and the new connection resumes from the cursor
      this.transportIndex = 0;
      this.setState('reconnecting', { transport: connection.transport, attempt: this.attempt, delayMs: 0, reason: detail.reason });
      this.connect();
      return;
    }
    if (detail.auth) {
      this.stopped = true;
      this.emit('autherror', { reason: detail.reason });
      this.setState('closed', { transport: connection.transport, reason: `refused: ${detail.reason}` });
      return;
    }
    if (detail.fatal) {
      this.stopped = true;
      this.emit('failure', { attempts: this.attempt, reason: detail.reason });
      this.setState('failed', { transport: connection.transport, reason: detail.reason });
      return;
    }
    if (detail.goingAway) {
      // drained (rolling restart): another edge, after the edge's own hint (it spreads its clients) or a short
      // jittered pause; not a failure, so the backoff does not grow
      this.transportIndex = 0;
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      const delayMs = detail.hintMs ?? this.backoff(1, false);
      this.setState('reconnecting', { transport: connection.transport, attempt: this.attempt, delayMs, reason: detail.reason });
      this.retryTimer = setTimeout(() => this.connect(), delayMs);
      return;
    }
    if (detail.opened && this.urls.length > 1) {
      // an open connection was lost: the edge may be gone, and any edge can resume us, so try the next one
      this.transportIndex = 0;
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    }
    if (!detail.opened && this.transportIndex < this.transports.length - 1) {
      this.transportIndex++;       // blocked or refused: the next transport, at once
      this.connect();
      return;
    }
    if (!detail.opened) {
      this.transportIndex = 0;     // nothing opened: after the pause, start again from the best
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    }
    this.retry(connection.transport, detail);
  }

  retry(transport, detail) {
    this.attempt++;
    if (this.attempt > this.options.maxAttempts) {
      this.stopped = true;
      this.emit('failure', { attempts: this.attempt - 1, reason: detail.reason });
      this.setState('failed', { transport, reason: `gave up after ${this.attempt - 1} attempts: ${detail.reason}` });
      return;
    }
    const delayMs = this.backoff(this.attempt, detail.slow);
    this.setState('reconnecting', { transport, attempt: this.attempt, delayMs, reason: detail.reason });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  /** base * 2^(attempt-1), capped, longer after 1011/1013, minus up to `jitter` of itself at random. */
  backoff(attempt, slow) {
    const o = this.options;
    const exponential = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)) * (slow ? o.slowDelayFactor : 1);
    return Math.round(Math.min(o.maxDelayMs * (slow ? o.slowDelayFactor : 1), exponential) * (1 - o.jitter * Math.random()));
  }

  /**
   * With a token function on a WebSocket: send a fresh token (Authenticate) a minute before the current one
   * expires (at half its remaining life if that is later), so the connection is never closed for expiry.
   */
  scheduleRefresh(connection) {
    clearTimeout(this.refreshTimer);
    if (typeof this.options.token !== 'function' || connection.transport !== 'websocket') return;
    const expiresAt = tokenExpiryMs(this.currentToken);
    if (expiresAt === null) return;
    const remaining = expiresAt - Date.now();
    // a minute before expiry, but never sooner than half the remaining life: with Math.min, a token with under a
    // minute left was refreshed at once, and its short-lived successor again, in a loop
    const delayMs = Math.max(0, Math.max(remaining - 60000, remaining / 2));
    this.refreshTimer = setTimeout(() => {
      if (connection !== this.connection || this.stopped) return;
      this.currentToken = this.options.token();
      connection.send(encodeAuthenticate(++this.refreshes, this.currentToken));
      this.emit('tokenrefresh', { correlationId: this.refreshes });
      this.scheduleRefresh(connection);
    }, delayMs);
  }

  scheduleUpgrade() {
    clearTimeout(this.upgradeTimer);
    if (this.transportIndex === 0 || this.stopped) return;
    this.upgradeTimer = setTimeout(() => {
      if (this.stopped || !this.connection || this.probe) return;
      this.openProbe(this.transports[0]);
    }, this.options.upgradeAfterMs * (0.8 + 0.4 * Math.random()));
  }

  armWatchdog() {
    clearTimeout(this.watchdog);
    const connection = this.connection;
    this.watchdog = setTimeout(() => {
      if (connection !== this.connection) return;
      connection.stop();
      this.closed(connection, { code: 0, reason: `silent for ${this.options.heartbeatTimeoutMs} ms`, opened: true });
    }, this.options.heartbeatTimeoutMs);
  }

  // ---------------------------------------------------------------- messages

  message(connection, msg) {
    if (connection !== this.connection && connection !== this.probe) return;
    if (connection === this.connection) this.armWatchdog();
    switch (msg.type) {
      case 'events':
        for (const event of msg.events) {
          // a snapshot's values are older than the cursor it ends with; anything else already seen is a duplicate
          // (a probe and the connection it replaces overlap for a moment), judged per topic: a throttled or
          // conflated topic's latest value may come after newer events of other topics
          if (!msg.snapshot && event.topicSequence <= (this.topicSequences.get(event.topic) ?? 0)) continue;
          this.topicSequences.set(event.topic, event.topicSequence);
          if (!msg.snapshot && event.sequence > this.cursor) this.cursor = event.sequence;
          this.latest.set(event.topic, event);
          this.emit('event', event);
        }
        break;
      case 'snapshot-end':
        this.cursor = Math.max(this.cursor, msg.asOfSequence);
        this.emit('snapshot', { asOfSequence: msg.asOfSequence, valueCount: msg.valueCount });
        break;
      case 'reset':
        this.emit('reset', { oldestRetained: msg.oldestRetained });
        this.cursor = 0;          // resync: a fresh connection with a snapshot
        this.topicSequences.clear();
        connection.stop();
        if (connection === this.connection) {
          this.connection = null;
          this.connect();
        }
        break;
      case 'gap':
        this.emit('gap', msg);
        break;
      case 'subscribed':
        if (connection === this.connection) {
          this.emit('subscribed', { topic: msg.name, correlationId: msg.correlationId });
        }
        break;
      case 'published': {
        const pending = this.publishes.get(msg.correlationId);
        if (pending) {
          this.publishes.delete(msg.correlationId);
          pending.resolve({ sequence: msg.sequence, topicSequence: msg.topicSequence });
        }
        break;
      }
      case 'error': {
        const pending = msg.correlationId ? this.publishes.get(msg.correlationId) : undefined;
        if (pending) {
          this.publishes.delete(msg.correlationId);
          pending.reject(new Error(msg.reason));
        } else {
          this.emit('servererror', { reason: msg.reason });
        }
        break;
      }
      default:
        break;
    }
  }

  /** A poll's cursor may pass events on other topics: the next poll (or a switch) starts from there. */
  pollCursor(connection, cursor) {
    if (connection === this.connection && cursor > this.cursor) this.cursor = cursor;
  }

  // ---------------------------------------------------------------- plumbing

  setState(state, detail = {}) {
    this.state = state;
    this.emit('state', { state, transport: detail.transport ?? this.transport, ...detail });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
