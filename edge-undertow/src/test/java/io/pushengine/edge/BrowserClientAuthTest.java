package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser client against an edge with authentication on, in headless chromium: its token goes as
 * {@code access_token} on WebSocket and SSE. On the WebSocket the client sends a fresh token (Authenticate) before
 * the edge's deadline and is never closed; the SSE stream is closed with 1008 "token expired" and the client asks
 * its token function for a fresh one and resumes. Neither misses an event.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserClientAuthTest
{
    @TempDir
    File journalDir;

    @Test
    void tokenExpiryReconnectsWithAFreshTokenAndLosesNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .jwtSecret(Tokens.SECRET));
            HeadlessChromium browser = new HeadlessChromium())
        {
            push.engine.topic("auth.t");
            browser.open(push.http("/"));
            browser.eval("(async () => { const m = await import('/push-client.js'); window.PushClient = m.PushClient; " +
                "window.runs = {}; })()");
            await(() -> browser.eval("typeof window.PushClient === 'function'").asBoolean());

            for (final String transport : new String[]{ "websocket", "sse" })
            {
                // the first token lapses in about 2 s (30 s of skew allowed); each later call gives an hour
                browser.eval("window.tokens_" + transport.replace('-', '_') + " = ['" +
                    Tokens.token("pat", -28_000, List.of("auth.*"), List.of()) + "', '" +
                    Tokens.token("pat", 3_600_000, List.of("auth.*"), List.of()) + "']");
                browser.eval("(() => { const run = window.runs['" + transport + "'] = { states: [], seqs: [], " +
                    "calls: 0 }; const tokens = window.tokens_" + transport + "; " +
                    "const c = new window.PushClient({ topics: ['auth.t'], transports: ['" + transport + "'], " +
                    "snapshot: false, baseDelayMs: 100, token: () => tokens[Math.min(run.calls++, 1)] }); " +
                    "c.addEventListener('state', (e) => run.states.push(e.detail.state + ' ' + (e.detail.reason || ''))); " +
                    "c.addEventListener('event', (e) => run.seqs.push(e.detail.sequence)); " +
                    "c.addEventListener('autherror', (e) => run.autherror = e.detail.reason); " +
                    "c.addEventListener('tokenrefresh', () => run.refreshed = (run.refreshed || 0) + 1); c.start(); })()");
            }
            for (final String transport : new String[]{ "websocket", "sse" })
            {
                await(() -> browser.eval("window.runs['" + transport + "'].states.some(s => s.startsWith('open'))")
                    .asBoolean());
            }

            final List<Long> published = new ArrayList<>();
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4); // across the first token's expiry
            while (System.nanoTime() < until)
            {
                published.add(push.engine.publish("auth.t", PayloadType.TEXT, "p".getBytes(StandardCharsets.UTF_8)));
                Thread.sleep(50);
            }
            for (final String transport : new String[]{ "websocket", "sse" })
            {
                await(() -> browser.eval("window.runs['" + transport + "'].seqs.length").asInt() >= published.size(),
                    () -> transport + " states " + browser.eval("window.runs['" + transport + "'].states"));
                final List<Long> seen = new ArrayList<>();
                browser.eval("window.runs['" + transport + "'].seqs").forEach(n -> seen.add(n.asLong()));
                assertEquals(published, seen, transport + ": every event once, in order, across the token change");
                final String states = browser.eval("window.runs['" + transport + "'].states").toString();
                assertTrue(browser.eval("window.runs['" + transport + "'].calls").asInt() >= 2);
                if ("websocket".equals(transport))
                {
                    // refreshed in band (Authenticate) before the edge's deadline: never closed for expiry
                    assertTrue(browser.eval("window.runs.websocket.refreshed").asInt() >= 1, states);
                    assertTrue(!states.contains("token expired") && !states.contains("reconnecting"), states);
                }
                else
                {
                    // an event stream cannot refresh in band: closed at expiry, reconnected with a fresh token
                    assertTrue(states.contains("token expired"), transport + " states " + states);
                }
            }
            assertEquals(1, push.edge.counters().tokenExpiryCloses().get(), "only the SSE connection expired");
        }
    }
}
