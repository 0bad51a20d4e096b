// A Node service subscribing to the push engine: the same client as the browser's, given the 'ws' WebSocket.
//
//   node examples/node-subscriber.mjs http://127.0.0.1:8080 prices.EURUSD,prices.GBPUSD [--count N]
//        [--transports websocket,long-poll,short-poll] [--without-ws]   (--without-ws: pass no WebSocket, to see the
//        client skip that transport where the runtime has none) [--max-frequency TOPIC=N] [--batch-window TOPIC=MS]
// Reads commands on stdin, one per line: "max-frequency TOPIC N" changes a topic's maximum frequency live,
// "batch-window TOPIC MS" its batching window;
// "publish TOPIC TEXT" publishes over the WebSocket and prints {"published":SEQ} or {"publishError":REASON}.
//
// Prints one JSON line per event ({"sequence":..,"topic":..,"payload":..}) and one per state change
// ({"state":..,"transport":..}) on stdout; exits after --count events (default: runs until killed).
import WebSocket from 'ws';
import { PushClient } from '../push-client.js';

const [url, topics, ...rest] = process.argv.slice(2);
if (!url || !topics) {
  console.error('usage: node-subscriber.mjs URL TOPIC[,TOPIC...] [--count N] [--transports websocket,...] ' +
    '[--without-ws]');
  process.exit(2);
}
const option = (name, fallback) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : fallback;
};
const count = Number(option('--count', 'Infinity'));
const transports = option('--transports', 'websocket,long-poll,short-poll').split(',');
const maxFrequencies = {};
const batchWindows = {};
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--max-frequency' || rest[i] === '--batch-window') {
    const [topic, n] = rest[i + 1].split('=');
    (rest[i] === '--max-frequency' ? maxFrequencies : batchWindows)[topic] = Number(n);
  }
}

const client = new PushClient({
  url,
  topics: topics.split(','),
  WebSocket: rest.includes('--without-ws') ? undefined : WebSocket, // Node 20 has none built in
  transports,                // no EventSource in Node either: SSE is left out unless one is passed
  snapshot: false,
  maxFrequencies,
  batchWindows,
  baseDelayMs: 200,
  maxDelayMs: 2000,
});
let received = 0;
client.addEventListener('event', (e) => {
  const { sequence, topic, payload } = e.detail;
  process.stdout.write(JSON.stringify({ sequence, topic, payload }) + '\n');
  if (++received >= count) {
    client.close();
    process.exit(0);
  }
});
client.addEventListener('state', (e) => {
  process.stdout.write(JSON.stringify({ state: e.detail.state, transport: e.detail.transport ?? null,
    reason: e.detail.reason ?? null }) + '\n');
});
client.addEventListener('subscribed', (e) => {
  process.stdout.write(JSON.stringify({ subscribed: e.detail.topic, correlationId: e.detail.correlationId }) + '\n');
});
client.addEventListener('failure', (e) => {
  console.error('gave up: ' + e.detail.reason);
  process.exit(1);
});
client.start();

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  let newline;
  while ((newline = input.indexOf('\n')) >= 0) {
    const [command, topic, n] = input.slice(0, newline).trim().split(/\s+/);
    input = input.slice(newline + 1);
    if (command === 'max-frequency') client.setMaxFrequency(topic, Number(n));
    if (command === 'batch-window') client.setBatchWindow(topic, Number(n));
    if (command === 'publish') {
      client.publish(topic, n).then(
        (ack) => process.stdout.write(JSON.stringify({ published: ack.sequence }) + '\n'),
        (error) => process.stdout.write(JSON.stringify({ publishError: error.message }) + '\n'));
    }
  }
});
