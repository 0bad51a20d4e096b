// Push engine browser client: WebSocket transport, binary SBE decoding, reconnect with backoff and jitter.
// Plain ES module, no dependencies. (Fallback to SSE / long-poll arrives with the migration-path issue.)

const SCHEMA_ID = 7101;
const TEMPLATE = {
  BATCH: 2, SUBSCRIBED: 12, HEARTBEAT: 13, ERROR: 14, GAP: 15, RESUMED: 16, SNAPSHOT_BEGIN: 17, SNAPSHOT_END: 18,
};
const PAYLOAD = { OPAQUE: 0, TEXT: 1, JSON: 2, PRICE_TICK: 3 };
const utf8 = new TextDecoder();

function decodeDecimal(view, offset) {
  const mantissa = Number(view.getBigInt64(offset, true));
  const exponent = view.getInt8(offset + 8);
  return { value: mantissa * Math.pow(10, exponent), digits: Math.max(0, -exponent) };
}

/** Decodes an SBE PriceTick message (with its header) from a payload. */
export function decodePriceTick(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = 8; // message header
  let instrument = '';
  for (let i = 0; i < 16; i++) {
    const c = view.getUint8(o + 42 + i);
    if (c === 0) break;
    instrument += String.fromCharCode(c);
  }
  return {
    timestampNs: view.getBigInt64(o, true),
    bid: decodeDecimal(view, o + 8),
    ask: decodeDecimal(view, o + 17),
    bidSize: Number(view.getBigInt64(o + 26, true)),
    askSize: Number(view.getBigInt64(o + 34, true)),
    instrument,
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

/** Decodes one WebSocket frame into a list of messages. */
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
        events.push({
          sequence: Number(view.getBigInt64(p, true)),
          topic: topicNames.get(topic) ?? `#${topic}`,
          topicSequence: Number(view.getBigInt64(p + 12, true)),
          timestampNs: view.getBigInt64(p + 20, true),
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
      return { type: 'subscribed', topic, name, topicSequence: Number(view.getBigInt64(body + 12, true)) };
    }
    case TEMPLATE.HEARTBEAT:
      return { type: 'heartbeat', lastSequence: Number(view.getBigInt64(body + 8, true)) };
    case TEMPLATE.ERROR: {
      const code = view.getUint16(body, true);
      const length = view.getUint16(body + blockLength, true);
      return { type: 'error', code, reason: utf8.decode(new Uint8Array(buffer, body + blockLength + 2, length)) };
    }
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

/**
 * Connects to /ws, delivers events, reconnects with exponential backoff and jitter.
 * Options: topics, policy ('conflate' | 'disconnect'), snapshot (true: the current value of each topic first, on
 * the first connection), onEvent(event), onSnapshot(end), onState(state, detail), baseDelayMs (1000),
 * maxDelayMs (30000), jitter (0.3).
 */
export class PushClient {
  constructor(url, options) {
    this.url = url;
    this.options = { baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0.3, ...options };
    this.topicNames = new Map();
    this.attempt = 0;
    this.lastSequence = 0;
    this.closedByUser = false;
  }

  connect() {
    const topics = encodeURIComponent(this.options.topics.join(','));
    const policy = this.options.policy ? `&policy=${this.options.policy}` : '';
    const from = this.lastSequence > 0 ? `&from=${this.lastSequence}` : ''; // resume: nothing lost, nothing twice
    const snapshot = this.lastSequence === 0 && this.options.snapshot ? '&snapshot=true' : '';
    const ws = new WebSocket(`${this.url}?topics=${topics}${policy}${from}${snapshot}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.state('connecting');
    ws.onopen = () => { this.attempt = 0; this.state('open'); };
    ws.onmessage = (m) => {
      const msg = decodeFrame(m.data, this.topicNames);
      if (msg.type === 'batch') {
        // snapshot values carry older sequences than live events: the cursor only moves forward
        for (const e of msg.events) { this.lastSequence = Math.max(this.lastSequence, e.sequence); this.options.onEvent?.(e); }
      } else if (msg.type === 'snapshot-end') {
        this.lastSequence = Math.max(this.lastSequence, msg.asOfSequence); // the state is as of this sequence
        this.options.onSnapshot?.(msg);
      } else if (msg.type === 'resumed') {
        this.options.onResumed?.(msg); // complete false: events were no longer retained, resync (snapshot)
      } else if (msg.type === 'gap') {
        this.options.onGap?.(msg); // policy=drop: these events were not sent; resync the topic if it matters
      } else if (msg.type === 'error') {
        this.state('error', msg.reason);
      }
    };
    ws.onclose = (e) => {
      if (this.closedByUser || e.code === 1000 || e.code === 1008) { this.state('closed', e.reason); return; }
      const slow = e.code === 1011 || e.code === 1013;
      const base = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** this.attempt++) * (slow ? 2 : 1);
      const delay = Math.min(this.options.maxDelayMs, base) * (1 - this.options.jitter * Math.random());
      this.state('reconnecting', `${e.code} ${e.reason || ''} — retry in ${(delay / 1000).toFixed(1)} s`);
      setTimeout(() => this.connect(), delay);
    };
  }

  state(state, detail) { this.options.onState?.(state, detail ?? ''); }

  close() { this.closedByUser = true; this.ws?.close(1000, 'client closed'); }
}
