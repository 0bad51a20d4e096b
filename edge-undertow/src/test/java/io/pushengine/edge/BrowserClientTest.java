package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser client ({@code /push-client.js}) and the demo ticker page in a real headless chromium, against a real
 * engine and edge: live ticks over WebSocket; the fallback chain when the edge stops serving a transport; edge
 * restarts under the page; every published sequence shown once, in order, whatever the transport.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrowserClientTest
{
    private static final String[] INSTRUMENTS = { "EURUSD", "USDJPY", "GBPUSD" };
    private static final String FAST_RECOVERY = "record=1&baseDelayMs=200&maxDelayMs=1000&openTimeoutMs=3000" +
        "&shortPollIntervalMs=200&longPollWaitMs=5000&heartbeatTimeoutMs=8000";

    @TempDir
    File journalDir;

    @Test
    void tickerShowsLiveTicksOverWebSocket() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            TickPublisher publisher = new TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium())
        {
            browser.open(push.http("/?" + FAST_RECOVERY));
            await(() -> "websocket".equals(text(browser, "window.pushClient && window.pushClient.transport")),
                () -> "transport " + text(browser, "window.pushClient && window.pushClient.transport"));
            publisher.start();
            await(() -> count(browser, "window.ticker.ticks") >= 30);
            await(() -> !"–".equals(text(browser, "document.querySelector('[data-symbol=EURUSD] .bid .px').textContent")));
            assertTrue(text(browser, "document.getElementById('transport').textContent").startsWith("WebSocket"));
            publisher.stop();
            assertAllShownOnceInOrder(browser, publisher);
            final List<Long> published = publisher.sequences();
            final JsonNode latest = browser.eval("Object.fromEntries([...window.pushClient.latest].map(" +
                "([topic, e]) => [topic, e.sequence]))");
            assertEquals(INSTRUMENTS.length, latest.size(), "latest value per topic: " + latest);
            final long lastPublished = published.get(published.size() - 1);
            assertTrue(latest.toString().contains(":" + lastPublished), "the newest event is a latest value: " + latest);
            assertTrue(Files.size(browser.screenshot("ticker-websocket")) > 10_000);
        }
    }

    @Test
    void thePillsSwitchTransportLiveDownTheMigrationPathAndBackWithNothingLostAndDisplayLatencyMeasured()
        throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compression("poll,sse,websocket")); // the browser inflates the SSE stream and WebSocket messages
            TickPublisher publisher = new TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium())
        {
            browser.open(push.http("/?" + FAST_RECOVERY));
            awaitTransport(browser, "websocket");
            publisher.start();
            awaitMoreTicks(browser, 20);
            for (final String transport : List.of("sse", "long-poll", "short-poll", "websocket"))
            {
                browser.eval("document.querySelector('#chain [data-t=\"" + transport + "\"]').click(), true");
                awaitTransport(browser, transport);
                assertTrue(text(browser, "document.querySelector('#chain .on').dataset.t").equals(transport));
                awaitMoreTicks(browser, 20);
                if ("sse".equals(transport))
                {
                    assertEquals(1, push.edge.counters().sseCompressedStreams().get(), "Chromium asked for gzip");
                }
                if ("websocket".equals(transport))
                {
                    assertEquals(1, push.edge.counters().webSocketCompressedStreams().get(),
                        "Chromium offered permessage-deflate");
                }
            }
            publisher.stop();
            assertAllShownOnceInOrder(browser, publisher);
            final JsonNode transports = browser.eval("window.ticker.transports");
            assertEquals("[\"websocket\",\"sse\",\"long-poll\",\"short-poll\",\"websocket\"]",
                transports.toString(), "transports used, in order");
            assertEquals(0, count(browser, "window.ticker.reconnects"), "switches are not reconnects");
            final JsonNode latency = browser.eval("window.ticker.displayLatencyMs");
            assertTrue(null != latency && latency.get("count").asLong() > 0 && latency.get("p50").asDouble() > 0,
                "publish → display measured at paint: " + latency);
            assertTrue(text(browser, "document.getElementById('latency').textContent").endsWith(" ms"));
            browser.screenshot("ticker-after-live-switches");
        }
    }

    @Test
    void fallsBackThroughSseLongPollAndShortPollAcrossEdgeRestartsThenBackToWebSocketWithNothingLost() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .transports("sse,long-poll,short-poll"));
            TickPublisher publisher = new TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium())
        {
            browser.open(push.http("/?" + FAST_RECOVERY + "&upgradeAfterMs=2000"));
            awaitTransport(browser, "sse"); // WebSocket refused with a 403: the page fell back
            publisher.start(); // after the (empty) snapshot: every tick from here must be shown, once, in order
            awaitMoreTicks(browser, 20);

            push.restartEdge(new EdgeServer.Context().transports("long-poll,short-poll"));
            awaitTransport(browser, "long-poll");
            awaitMoreTicks(browser, 20);

            push.restartEdge(new EdgeServer.Context().transports("short-poll"));
            awaitTransport(browser, "short-poll");
            awaitMoreTicks(browser, 20);
            browser.screenshot("ticker-short-poll");

            push.restartEdge(new EdgeServer.Context()); // every transport again: the page probes its way back up
            awaitTransport(browser, "websocket");
            awaitMoreTicks(browser, 20);

            push.restartEdge(new EdgeServer.Context()); // and an edge restart under a WebSocket page
            await(() -> count(browser, "window.ticker.reconnects") >= 1);
            awaitTransport(browser, "websocket");
            awaitMoreTicks(browser, 20);

            publisher.stop();
            assertAllShownOnceInOrder(browser, publisher);
            final JsonNode transports = browser.eval("window.ticker.transports");
            assertTrue(transports.toString().contains("\"sse\",\"long-poll\",\"short-poll\",\"websocket\""),
                "transports used, in order: " + transports);
            browser.screenshot("ticker-after-fallback");
        }
    }

    @Test
    void movesToThePeerEdgeWhenItsEdgeDrainsOrDiesAndResumesThere() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().drainMs(500));
            EdgeServer peer = push.launchPeerEdge(new EdgeServer.Context().drainMs(500));
            TickPublisher publisher = new TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium())
        {
            final String edgeA = "http://127.0.0.1:" + push.edge.port();
            final String edgeB = "http://127.0.0.1:" + peer.port();
            // WebSocket only, to keep it short (SSE and polls across edges work too: CORS echoes allowed origins)
            browser.open(push.http("/?" + FAST_RECOVERY + "&transports=websocket&urls=" + edgeA + "," + edgeB));
            awaitTransport(browser, "websocket");
            publisher.start();
            awaitMoreTicks(browser, 20);
            assertEquals(0, count(browser, "window.pushClient.urlIndex"));

            // rolling restart of edge A: it drains, closing the page's WebSocket with 1001 and a hint
            assertEquals(0, push.edge.drain(), "edge A drained");
            await(() -> 1 == count(browser, "window.pushClient.urlIndex") &&
                "open".equals(text(browser, "window.pushClient.state")),
                () -> "not moved to edge B; states " + browser.eval("window.ticker.states"));
            awaitMoreTicks(browser, 20);
            assertTrue(browser.eval("window.ticker.states").toString().contains("retry-after-ms="),
                "the drain's reason reached the page: " + browser.eval("window.ticker.states"));

            // edge A back; then edge B dies under the page: the lost connection moves it to A
            push.restartEdge(new EdgeServer.Context());
            peer.close();
            await(() -> 0 == count(browser, "window.pushClient.urlIndex") &&
                "open".equals(text(browser, "window.pushClient.state")),
                () -> "not moved back to edge A; states " + browser.eval("window.ticker.states"));
            awaitMoreTicks(browser, 20);

            publisher.stop();
            assertAllShownOnceInOrder(browser, publisher);
            browser.screenshot("ticker-after-failover");
        }
    }

    @Test
    void reconnectsAndResumesWhenItsConnectionIsRecycledWithNothingLost() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxConnectionAgeMs(1_500)
            .drainReconnectJitterMs(100));
            TickPublisher publisher = new TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium())
        {
            browser.open(push.http("/?" + FAST_RECOVERY + "&transports=websocket"));
            awaitTransport(browser, "websocket");
            publisher.start();
            await(() -> push.edge.counters().fanOut().recycleCloses().get() >= 2,
                () -> "recycled " + push.edge.counters().fanOut().recycleCloses().get() + " times");
            awaitTransport(browser, "websocket");
            awaitMoreTicks(browser, 20);
            assertTrue(browser.eval("window.ticker.states").toString().contains("connection recycled"),
                "the recycle's reason reached the page: " + browser.eval("window.ticker.states"));

            publisher.stop();
            assertAllShownOnceInOrder(browser, publisher);
        }
    }

    private static void awaitTransport(final HeadlessChromium browser, final String transport)
    {
        await(() -> transport.equals(text(browser, "window.pushClient && window.pushClient.transport")) &&
            "open".equals(text(browser, "window.pushClient.state")),
            () -> "waiting for " + transport + "; states " + browser.eval("window.ticker && window.ticker.states"));
    }

    private static void awaitMoreTicks(final HeadlessChromium browser, final int more)
    {
        final long target = count(browser, "window.ticker.ticks") + more;
        await(() -> count(browser, "window.ticker.ticks") >= target,
            () -> "ticks " + count(browser, "window.ticker.ticks") + " of " + target + "; states " +
                browser.eval("window.ticker.states"));
    }

    private static void assertAllShownOnceInOrder(final HeadlessChromium browser, final TickPublisher publisher)
    {
        final List<Long> published = publisher.sequences();
        await(() -> count(browser, "window.ticker.received.length") >= published.size(),
            () -> "page has " + count(browser, "window.ticker.received.length") + " of " + published.size());
        final List<Long> received = new ArrayList<>();
        browser.eval("window.ticker.received").forEach(node -> received.add(node.asLong()));
        PollTest.assertSameSequences(published, received, "sequences shown by the page");
    }

    private static String text(final HeadlessChromium browser, final String expression)
    {
        final JsonNode value = browser.eval(expression);
        return null == value || value.isNull() ? null : value.asText();
    }

    private static long count(final HeadlessChromium browser, final String expression)
    {
        final JsonNode value = browser.eval(expression);
        return null == value || value.isNull() ? -1 : value.asLong();
    }

    /**
     * Price ticks on a few instruments at about 40 a second, through the engine's API, remembering each sequence.
     */
    static final class TickPublisher implements AutoCloseable
    {
        private final EmbeddedPush push;
        private final List<Long> sequences = new ArrayList<>();
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        private final PriceTickEncoder tickEncoder = new PriceTickEncoder();
        private final Thread thread = new Thread(this::run, "tick-publisher");
        private volatile boolean running;

        TickPublisher(final EmbeddedPush push)
        {
            this.push = push;
            for (final String instrument : INSTRUMENTS)
            {
                push.engine.topic("prices." + instrument); // declared before the page asks /topics
            }
        }

        void start()
        {
            running = true;
            thread.start();
        }

        void stop()
        {
            running = false;
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        synchronized List<Long> sequences()
        {
            return new ArrayList<>(sequences);
        }

        private void run()
        {
            long i = 0;
            while (running)
            {
                final String instrument = INSTRUMENTS[(int)(i % INSTRUMENTS.length)];
                final long mid = (instrument.endsWith("JPY") ? 151_200L : 108_500L) + (i * 7 % 40) - 20;
                tickEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                    .timestampNs(System.currentTimeMillis() * 1_000_000L)
                    .bidSize(1_000_000L)
                    .askSize(2_000_000L);
                tickEncoder.bid().mantissa(mid - 2).exponent((byte)(instrument.endsWith("JPY") ? -3 : -5));
                tickEncoder.ask().mantissa(mid + 2).exponent((byte)(instrument.endsWith("JPY") ? -3 : -5));
                tickEncoder.putInstrument(Arrays.copyOf(instrument.getBytes(StandardCharsets.US_ASCII),
                    PriceTickEncoder.instrumentLength()), 0);
                final int length = MessageHeaderEncoder.ENCODED_LENGTH + tickEncoder.encodedLength();
                final byte[] payload = Arrays.copyOf(buffer.byteArray(), length);
                final long sequence = push.engine.publish("prices." + instrument, PayloadType.PRICE_TICK, payload);
                if (sequence > 0)
                {
                    synchronized (this)
                    {
                        sequences.add(sequence);
                    }
                }
                i++;
                try
                {
                    Thread.sleep(25);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }

        public void close()
        {
            if (running)
            {
                stop();
            }
        }
    }
}
