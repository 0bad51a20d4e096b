// TypeScript declarations for push-client.js (the same file browsers load from an edge at /push-client.js).

export type Transport = 'websocket' | 'sse' | 'long-poll' | 'short-poll';

export declare const TRANSPORTS: readonly Transport[];

/** Constructors and functions the client needs per transport; Node 20 has fetch but no WebSocket or EventSource. */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export interface EventSourceLike {
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string; lastEventId?: string }) => void) | null;
  addEventListener(type: string, listener: (event: { data: string; lastEventId?: string }) => void): void;
  close(): void;
}

export interface PushClientOptions {
  /** Base URL of the edge, e.g. 'https://push.example.com' (default: the page's origin). */
  url?: string;
  /** Several edges: the next is used when one drains (1001), loses an open connection, or fails on every transport. */
  urls?: string[];
  topics?: string[];
  /** The order to try; leave some out to never use them. */
  transports?: Transport[];
  /** First connection: the current value of each topic before live events (default true). */
  snapshot?: boolean;
  /** WebSocket/SSE backpressure policy, e.g. 'conflate' for price screens, 'throttle:4'. */
  policy?: string;
  /** A JWT, or a function returning the current one (called on every connect; a live WebSocket is refreshed). */
  token?: string | (() => string | undefined);
  baseDelayMs?: number;
  maxDelayMs?: number;
  jitter?: number;
  maxAttempts?: number;
  slowDelayFactor?: number;
  openTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  upgradeAfterMs?: number;
  longPollWaitMs?: number;
  shortPollIntervalMs?: number;
  /** Topic -> at most this many events per second on it, the latest value when due (every transport). */
  maxFrequencies?: Record<string, number>;
  /** topic -> milliseconds its events may wait to arrive with later ones in one frame (none dropped). */
  batchWindows?: Record<string, number>;
  /** A WebSocket implementation where there is none built in (Node: the 'ws' package's default export). */
  WebSocket?: new (url: string | URL) => WebSocketLike;
  /** An EventSource implementation (Node: the 'eventsource' package) for the SSE transport. */
  EventSource?: new (url: string | URL) => EventSourceLike;
  /** A fetch for the poll transports (default: the global one). */
  fetch?: (input: string | URL, init?: { signal?: AbortSignal; cache?: string }) => Promise<{
    ok: boolean; status: number; headers: { get(name: string): string | null }; text(): Promise<string>;
    json(): Promise<unknown>;
  }>;
}

export declare const DEFAULTS: Readonly<Required<Omit<PushClientOptions,
  'url' | 'urls' | 'policy' | 'token' | 'WebSocket' | 'EventSource' | 'fetch' | 'maxFrequencies' | 'batchWindows'>>>;

export type PayloadType = 'OPAQUE' | 'TEXT' | 'JSON' | 'PRICE_TICK';

export interface PriceTick {
  instrument: string;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  digits: number;
}

/** Once per sequence, in order. The payload: parsed JSON, text, a decoded PriceTick, or bytes (OPAQUE). */
export interface PushEvent {
  sequence: number;
  topic: string;
  topicSequence: number;
  timestampMs: number;
  type: PayloadType;
  payload: unknown;
}

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface StateDetail {
  state: ClientState;
  transport: Transport | null;
  attempt?: number;
  delayMs?: number;
  reason?: string;
}

export interface PushClientEventMap {
  event: CustomEvent<PushEvent>;
  snapshot: CustomEvent<{ asOfSequence: number; valueCount: number }>;
  state: CustomEvent<StateDetail>;
  transport: CustomEvent<{ transport: Transport; previous: Transport }>;
  reset: CustomEvent<{ oldestRetained: number }>;
  gap: CustomEvent<{ topic: string; fromSequence: number; toSequence: number }>;
  subscribed: CustomEvent<{ topic: string; correlationId: number }>;
  autherror: CustomEvent<{ reason: string }>;
  failure: CustomEvent<{ attempts: number; reason: string }>;
  servererror: CustomEvent<{ reason: string }>;
  tokenrefresh: CustomEvent<{ correlationId: number }>;
}

export declare class PushClient extends EventTarget {
  constructor(options?: PushClientOptions);
  /** The last sequence given to the application: every (re)connection resumes after it. */
  readonly cursor: number;
  /** Topic -> its latest event. */
  readonly latest: Map<string, PushEvent>;
  readonly state: ClientState;
  readonly transport: Transport | null;
  start(): this;
  close(): void;
  /** Move to a transport now, resuming from the cursor; throws for one not in `transports`. */
  useTransport(transport: Transport): this;
  /**
   * Publish over the open WebSocket: resolves once journaled; rejects with the edge's reason, or when the
   * connection is lost first (then it may or may not have been journaled).
   */
  publish(topic: string, payload: string | Uint8Array | unknown, type?: PayloadType): Promise<{
    sequence: number; topicSequence: number }>;
  /** At most `maxFrequency` events per second on a topic from now on (0: none), changed live. */
  setMaxFrequency(topic: string, maxFrequency: number): this;
  /** A topic's batching window in milliseconds from now on (0: none), changed live. */
  setBatchWindow(topic: string, batchWindowMs: number): this;
  addEventListener<K extends keyof PushClientEventMap>(
    type: K, listener: (event: PushClientEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(
    type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

/** Decodes one binary WebSocket frame (an SBE message). */
export declare function decodeFrame(buffer: ArrayBuffer, topicNames: Map<number, string>): { type: string; [key: string]: unknown };

/** Decodes an SBE PriceTick message (with its header). */
export declare function decodePriceTick(bytes: Uint8Array): PriceTick;
