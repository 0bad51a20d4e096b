// Type-checks the declarations as a TypeScript service would use them (npm run check-types; the Node test runs it).
import { PushClient, TRANSPORTS, type PushEvent, type Transport } from '@pushengine/client';

const client = new PushClient({
  url: 'http://127.0.0.1:8080',
  topics: ['prices.EURUSD'],
  transports: TRANSPORTS.filter((t: Transport) => t !== 'sse'),
  token: () => 'a.jwt.from-your-auth-service',
  policy: 'conflate',
  maxFrequencies: { 'prices.EURUSD': 4 },
  batchWindows: { 'prices.EURUSD': 50 },
});
client.addEventListener('event', (e) => {
  const event: PushEvent = e.detail;
  console.log(event.sequence, event.topic, event.payload);
});
client.addEventListener('state', (e) => console.log(e.detail.state, e.detail.transport));
client.start().useTransport('long-poll').setMaxFrequency('prices.EURUSD', 1).setBatchWindow('prices.EURUSD', 0);
const cursor: number = client.cursor;
client.publish('orders.ACME', { side: 'buy', quantity: 100 }).then((ack) => console.log(ack.sequence),
  (error: Error) => console.log(error.message));
console.log(cursor);
client.close();
