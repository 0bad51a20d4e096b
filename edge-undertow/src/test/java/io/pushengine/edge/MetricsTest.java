package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushengine.codec.metrics.LatencyBuckets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} over real sockets: latency histograms count what was delivered, per transport, with valid
 * Prometheus buckets; {@code promtool check metrics} accepts the exposition; a real Prometheus server scrapes a
 * running edge and answers queries on it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsTest
{
    private static final int EVENTS = 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    File journalDir;

    @TempDir
    Path prometheusDir;

    @Test
    void latencyHistogramsCountEveryDeliveryByTransport() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient webSocket = new WebSocketTestClient(push.ws("/ws?topics=m.A"));
            SseTestClient sse = new SseTestClient(push.http("/sse?topics=m.A")))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
            final long before = PollTest.publish(push, "m.B", "other topic");
            for (int i = 0; i < EVENTS; i++)
            {
                PollTest.publish(push, "m.A", "{\"i\":" + i + "}");
            }
            await(() -> webSocket.events.size() == EVENTS && sse.events.size() == EVENTS);
            final PollTestClient poll = new PollTestClient(push);
            assertEquals(200, poll.poll("topics=m.A&after=" + before).status());

            final String metrics = await(() -> scrape(push),
                text -> histogramCount(text, "push_edge_publish_to_write_seconds", "transport=\"poll\"") == EVENTS,
                "poll's answer counted");
            assertEquals(EVENTS, histogramCount(metrics, "push_edge_publish_to_write_seconds",
                "transport=\"websocket\""), metrics);
            assertEquals(EVENTS, histogramCount(metrics, "push_edge_publish_to_write_seconds",
                "transport=\"sse\""), metrics);
            assertEquals(EVENTS + 1, histogramCount(metrics, "push_edge_publish_to_fan_out_seconds", ""), metrics);
            assertEquals(EVENTS + 1, histogramCount(metrics, "push_engine_publish_to_journal_seconds", ""), metrics);
            assertBucketsCumulative(metrics, "push_edge_publish_to_write_seconds", "transport=\"websocket\"");
            assertTrue(metrics.contains("# TYPE push_edge_publish_to_write_seconds histogram"), metrics);
            assertTrue(metrics.matches("(?s).*push_edge_transport_connections\\{source=\"[^\"]+\"," +
                "transport=\"websocket\"} 1\\.0\n.*"), metrics);

        }
    }

    /**
     * {@code push_edge_bytes_out_total} counts every byte of every frame the edge writes, whichever IO thread wrote
     * it: with connections spread over the IO threads and a burst written by all of them at once, the counter ends
     * equal to the bytes the clients read after their upgrade. A count kept with single-writer increments from two
     * IO threads loses updates and stays below.
     */
    @Test
    void bytesOutCountsEveryByteWrittenByEveryIoThread() throws Exception
    {
        final int clients = 16;
        final int events = 2_000;
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final List<Socket> sockets = new ArrayList<>();
            final AtomicLong bytesRead = new AtomicLong();
            final List<Thread> readers = new ArrayList<>();
            try
            {
                for (int i = 0; i < clients; i++)
                {
                    final Socket socket = RawWebSocket.open(push.edge.port(), "topics=m.bytes");
                    sockets.add(socket);
                    final Thread reader = new Thread(() ->
                    {
                        final byte[] buffer = new byte[64 * 1024];
                        try
                        {
                            final InputStream in = socket.getInputStream();
                            int read;
                            while ((read = in.read(buffer)) > 0)
                            {
                                bytesRead.addAndGet(read);
                            }
                        }
                        catch (final IOException ignore)
                        {
                            // closed by the test
                        }
                    }, "bytes-reader-" + i);
                    reader.setDaemon(true);
                    reader.start();
                    readers.add(reader);
                }
                await(() -> push.edge.counters().fanOut().subscriptions().get() == clients);
                final long bytesBefore = bytesRead.get();
                final String body = "{\"price\":\"0123456789012345678901234567890123456789012345678\"}";
                for (int i = 0; i < events; i++)
                {
                    PollTest.publish(push, "m.bytes", body);
                }
                await(() -> push.edge.counters().fanOut().eventsOut().get() >= (long)clients * events &&
                    bytesRead.get() > bytesBefore + (long)clients * events * body.length());
                await(() -> push.edge.counters().bytesOut().get() == bytesRead.get(),
                    () -> "bytes_out " + push.edge.counters().bytesOut().get() + " against " + bytesRead.get() +
                    " read by the clients");
            }
            finally
            {
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aRealPrometheusServerScrapesTheEdge() throws Exception
    {
        PrometheusTools.assumePresent();
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient webSocket = new WebSocketTestClient(push.ws("/ws?topics=m.A")))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            for (int i = 0; i < EVENTS; i++)
            {
                PollTest.publish(push, "m.A", "{\"i\":" + i + "}");
            }
            await(() -> webSocket.events.size() == EVENTS);

            final String metrics = scrape(push);
            final Process promtool = new ProcessBuilder(PrometheusTools.PROMTOOL.getPath(), "check", "metrics")
                .redirectErrorStream(true).start();
            promtool.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            final String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
            assertEquals(0, promtool.exitValue(), "promtool check metrics: " + verdict);
            assertEquals("", verdict.trim(), "promtool's lint findings");

            final int port;
            try (ServerSocket socket = new ServerSocket(0))
            {
                port = socket.getLocalPort();
            }
            final Path config = prometheusDir.resolve("prometheus.yml");
            Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "scrape_configs:",
                "  - job_name: push-edge",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + push.edge.port() + "']",
                ""));
            final Process prometheus = new ProcessBuilder(PrometheusTools.PROMETHEUS.getPath(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + prometheusDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(prometheusDir.resolve("prometheus.log").toFile())
                .start();
            try
            {
                final String query = "push_edge_publish_to_write_seconds_bucket{transport=\"websocket\",le=\"+Inf\"}";
                final JsonNode answer = await(() -> query(port, query),
                    result -> result.size() == 1, "Prometheus has scraped the edge");
                assertEquals(EVENTS, Double.parseDouble(answer.get(0).get("value").get(1).asText()), 0.0,
                    answer.toString());
                assertEquals(push.edge.port() + "", answer.get(0).get("metric").get("instance").asText()
                    .replace("127.0.0.1:", ""));
                final JsonNode up = query(port, "up{job=\"push-edge\"}");
                assertEquals("1", up.get(0).get("value").get(1).asText(), up.toString());
                final JsonNode quantile = query(port,
                    "histogram_quantile(0.99, sum by (le) (push_edge_publish_to_write_seconds_bucket))");
                assertTrue(Double.parseDouble(quantile.get(0).get("value").get(1).asText()) > 0, quantile.toString());
            }
            finally
            {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS))
                {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    private static String scrape(final EmbeddedPush push)
    {
        try
        {
            final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(push.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            return response.body();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static JsonNode query(final int port, final String promQl)
    {
        try
        {
            final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body()).get("data").get("result");
        }
        catch (final Exception ex)
        {
            return new ObjectMapper().createArrayNode(); // not up yet
        }
    }

    /**
     * The {@code _count} of the series of {@code name} whose labels include {@code label}; -1 if none.
     */
    static long histogramCount(final String metrics, final String name, final String label)
    {
        final Matcher count = Pattern.compile("(?m)^" + name + "_count\\{([^}]*)} (\\S+)$").matcher(metrics);
        while (count.find())
        {
            if (count.group(1).contains(label))
            {
                return (long)Double.parseDouble(count.group(2));
            }
        }
        return -1;
    }

    private static void assertBucketsCumulative(final String metrics, final String name, final String label)
    {
        final Matcher bucket = Pattern.compile("(?m)^" + name + "_bucket\\{([^}]*)le=\"([^\"]+)\"([^}]*)} (\\S+)$")
            .matcher(metrics);
        final List<Double> values = new ArrayList<>();
        while (bucket.find())
        {
            if ((bucket.group(1) + bucket.group(3)).contains(label))
            {
                values.add(Double.parseDouble(bucket.group(4)));
            }
        }
        assertEquals(LatencyBuckets.COUNT, values.size(), "buckets of " + label + ": " + values);
        for (int i = 1; i < values.size(); i++)
        {
            assertTrue(values.get(i) >= values.get(i - 1), "cumulative: " + values);
        }
        assertEquals(histogramCount(metrics, name, label), values.get(values.size() - 1).longValue(), "+Inf = count");
    }
}
