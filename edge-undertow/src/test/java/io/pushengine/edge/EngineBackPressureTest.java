package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An engine that stops taking events (its agents paused) until its ingress is full, over real sockets: every way of
 * publishing is refused at once with the reason and counted (a single POST 503, pipelined POSTs 503 each in their
 * turn, a WebSocket {@code Publish} an {@code Error}), nothing refused is journaled, subscribers and connections are
 * unhurt, and publishing works again as soon as the engine takes events again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EngineBackPressureTest
{
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void everyPublishPathRefusesWithTheReasonWhileTheIngressIsFullAndNothingRefusedIsJournaled() throws Exception
    {
        try (PausableEngine engine = new PausableEngine(new PushEngine.Context()
            .journalDir(journalDir).termBufferLength(64 * 1024)); // its ingress takes ~32 KiB ahead of the engine
            EdgeServer edge = engine.edge(new EdgeServer.Context().publishTimeoutMs(1_000));
            WebSocketTestClient subscriber = new WebSocketTestClient(ws(edge, "/ws?topics=full"));
            WebSocketTestClient publisher = new WebSocketTestClient(ws(edge, "/ws")))
        {
            await(() -> edge.counters().fanOut().subscriptions().get() == 1);
            engine.pause();
            final StringBuilder fill = new StringBuilder();
            for (int i = 0; i < 300; i++)
            {
                fill.append("{\"i\":").append(i).append(",\"pad\":\"").append("z".repeat(900)).append("\"}\n");
            }
            final HttpResponse<String> filled = http.send(HttpRequest.newBuilder(http(edge, "/publish/full"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(fill.toString())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, filled.statusCode(), filled.body());
            final long offered = edge.counters().publishRequests().get();
            assertTrue(offered > 0 && offered < 300, "the ingress filled part way: " + offered);
            final long rejectedBefore = edge.counters().httpRejected().get();

            final HttpResponse<String> single = http.send(HttpRequest.newBuilder(http(edge, "/publish/full"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"single\":1}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, single.statusCode(), single.body());
            assertTrue(single.body().contains("engine unavailable: BACK_PRESSURED"), single.body());

            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", edge.port()), 5_000);
                socket.setSoTimeout(20_000);
                final OutputStream out = socket.getOutputStream();
                final InputStream in = new BufferedInputStream(socket.getInputStream());
                out.write((post("{\"p\":1}") + post("{\"p\":2}") + post("{\"p\":3}")).getBytes(StandardCharsets.UTF_8));
                out.flush();
                for (int i = 1; i <= 3; i++)
                {
                    final HttpAnswer answer = HttpAnswer.read(in);
                    assertEquals(503, answer.status, "pipelined POST " + i + ": " + answer.body);
                    assertTrue(answer.body.contains("engine unavailable: BACK_PRESSURED"), answer.body);
                }
            }

            publisher.sendBinary(ControlMessages.publish("full", 7, PayloadType.JSON, "{\"ws\":1}".getBytes()));
            await(() -> 1 == publisher.errors.size(), () -> "errors " + publisher.errors);
            final WebSocketTestClient.Error error = publisher.errors.get(0);
            assertEquals(ErrorCode.PUBLISH_FAILED.value(), error.code(), error.toString());
            assertEquals(7, error.correlationId());
            assertTrue(error.reason().contains("engine unavailable (BACK_PRESSURED): nothing published"), error.reason());

            assertEquals(rejectedBefore + 4, edge.counters().httpRejected().get(), "the four 503s counted");
            assertEquals(1, edge.counters().publishRejected().get(), "the refused WebSocket publish counted");
            assertEquals(offered, edge.counters().publishRequests().get(), "nothing more was offered");
            assertFalse(publisher.closeCode.isDone(), "the publisher's connection stays open");

            engine.resume();
            await(() -> subscriber.events.size() == offered,
                () -> subscriber.events.size() + " of the " + offered + " offered delivered");
            final HttpResponse<String> after = http.send(HttpRequest.newBuilder(http(edge, "/publish/full"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"after\":1}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, after.statusCode(), after.body());
            assertTrue(after.body().contains("\"topicSequence\":" + (offered + 1)),
                "nothing refused was journaled: " + after.body());
            await(() -> subscriber.events.size() == offered + 1);
            assertEquals("{\"after\":1}", subscriber.events.get((int)offered).payload());
            assertFalse(subscriber.closeCode.isDone(), "the subscriber was not hurt");
        }
    }

    private static String post(final String body)
    {
        return "POST /publish/full HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static URI http(final EdgeServer edge, final String path)
    {
        return URI.create("http://127.0.0.1:" + edge.port() + path);
    }

    private static URI ws(final EdgeServer edge, final String path)
    {
        return URI.create("ws://127.0.0.1:" + edge.port() + path);
    }
}
