package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.WebSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser client's reconnect policy, in headless chromium, against a WebSocket peer that misbehaves on purpose
 * (a real Undertow server on 127.0.0.1; the topic name says what it does): close codes, the heartbeat watchdog,
 * backoff with jitter and the give-up limit. Delays are asserted as the client computed them (its 'state' events),
 * never as elapsed time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserClientPolicyTest
{
    private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private Undertow peer;
    private int peerPort;

    @TempDir
    File journalDir;

    @BeforeEach
    void startPeer()
    {
        peer = Undertow.builder()
            .addHttpListener(0, "127.0.0.1")
            .setHandler(Handlers.path().addExactPath("/ws", Handlers.websocket((exchange, channel) ->
            {
                final String topic = exchange.getRequestParameters().get("topics").get(0);
                connections.computeIfAbsent(topic, k -> new AtomicInteger()).incrementAndGet();
                if (topic.startsWith("close-"))
                {
                    final int code = Integer.parseInt(topic.substring("close-".length()));
                    WebSockets.sendClose(code, "closed by the test peer with " + code, channel, null);
                }
                channel.resumeReceives(); // "silent": open, and never a word
            })))
            .build();
        peer.start();
        peerPort = ((InetSocketAddress)peer.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterEach
    void stopPeer()
    {
        peer.stop();
    }

    @Test
    void closeCodesHeartbeatWatchdogBackoffAndGiveUp() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            HeadlessChromium browser = new HeadlessChromium())
        {
            browser.open(push.http("/")); // the edge serves the module; the clients below talk to the test peer
            browser.eval("(async () => { const m = await import('/push-client.js'); window.PushClient = m.PushClient; " +
                "window.runs = {}; })()");
            await(() -> browser.eval("typeof window.PushClient === 'function'").asBoolean());

            // 1000: a normal close, no reconnect
            start(browser, "close-1000", "{}");
            await(() -> states(browser, "close-1000").toString().contains("\"closed "),
                () -> "states " + states(browser, "close-1000"));
            // 1008: policy (auth): an autherror event, no reconnect
            start(browser, "close-1008", "{}");
            await(() -> isText(browser.eval("window.runs['close-1008'].autherror"))); // undefined (null) until then
            assertTrue(browser.eval("window.runs['close-1008'].autherror").asText().contains("1008"));
            // 1013: try again later: reconnect, with the longer delay
            start(browser, "close-1013", "{ baseDelayMs: 1000, slowDelayFactor: 3, jitter: 0.3 }");
            // 1011 likewise; 1006 (dropped) with the plain backoff
            start(browser, "close-1011", "{ baseDelayMs: 1000, slowDelayFactor: 3, jitter: 0.3 }");
            // silent: the heartbeat watchdog gives up on it and reconnects
            start(browser, "silent", "{ heartbeatTimeoutMs: 500, baseDelayMs: 100, jitter: 0.3 }");
            // nothing listening: backoff doubling to its cap, then the give-up event
            browser.eval("(() => { const c = new window.PushClient({ url: 'http://127.0.0.1:9', topics: ['x'], " +
                "transports: ['websocket'], baseDelayMs: 50, maxDelayMs: 200, jitter: 0.3, maxAttempts: 4 }); " +
                "const run = window.runs['unreachable'] = { states: [] }; " +
                "c.addEventListener('state', (e) => run.states.push(e.detail)); " +
                "c.addEventListener('failure', (e) => run.failure = e.detail.attempts); c.start(); })()");

            await(() -> reconnectDelays(browser, "close-1013").size() >= 1);
            final double slow = reconnectDelays(browser, "close-1013").get(0).asDouble();
            assertTrue(slow >= 3000 * 0.7 && slow <= 3000, "1013: 3 x base less up to 30 % jitter: " + slow);
            await(() -> reconnectDelays(browser, "close-1011").size() >= 1);
            final double error = reconnectDelays(browser, "close-1011").get(0).asDouble();
            assertTrue(error >= 3000 * 0.7 && error <= 3000, "1011: " + error);

            await(() -> states(browser, "silent").toString().contains("silent for 500 ms"));
            await(() -> connections.get("silent").get() >= 2, () -> "silent peer connections " + connections);

            await(() ->
            {
                final JsonNode failure = browser.eval("window.runs['unreachable'].failure");
                return null != failure && failure.isNumber();
            });
            assertEquals(4, browser.eval("window.runs['unreachable'].failure").asInt());
            final JsonNode delays = reconnectDelays(browser, "unreachable");
            assertEquals(4, delays.size(), "one delay per failed attempt before giving up: " + delays);
            final double[] caps = { 50, 100, 200, 200 }; // doubling, capped at maxDelayMs
            for (int i = 0; i < caps.length; i++)
            {
                final double delay = delays.get(i).asDouble();
                assertTrue(delay >= caps[i] * 0.7 && delay <= caps[i], "attempt " + (i + 1) + ": " + delay);
            }

            // the clients that must not reconnect did not: one connection each
            assertEquals(1, connections.get("close-1000").get());
            assertEquals(1, connections.get("close-1008").get());
            assertTrue(connections.get("close-1013").get() >= 1);
        }
    }

    private void start(final HeadlessChromium browser, final String topic, final String options)
    {
        browser.eval("(() => { const c = new window.PushClient({ url: 'http://127.0.0.1:" + peerPort + "', " +
            "topics: ['" + topic + "'], transports: ['websocket'], ..." + options + " }); " +
            "const run = window.runs['" + topic + "'] = { states: [] }; " +
            "c.addEventListener('state', (e) => run.states.push(e.detail)); " +
            "c.addEventListener('autherror', (e) => run.autherror = e.detail.reason); c.start(); })()");
    }

    private static JsonNode states(final HeadlessChromium browser, final String topic)
    {
        return browser.eval("window.runs['" + topic + "'].states.map(s => s.state + ' ' + (s.reason || ''))");
    }

    private static JsonNode reconnectDelays(final HeadlessChromium browser, final String topic)
    {
        return browser.eval("window.runs['" + topic + "'].states.filter(s => s.state === 'reconnecting')" +
            ".map(s => s.delayMs)");
    }

    private static boolean isText(final JsonNode value)
    {
        return null != value && value.isTextual();
    }
}
