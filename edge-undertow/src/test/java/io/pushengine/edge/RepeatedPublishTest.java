package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection that repeats its {@code POST /publish/{topic}}, pipelined or one at a time, over a real socket: after
 * the first, which Undertow parses, the edge reads, offers and answers the repeats itself, and its answers are the
 * ones Undertow would give (same status line and headers); it hands the connection back to Undertow for anything
 * else, after a second of silence (so keep-alive limits still apply), and answers 504 in its turn a repeat the engine
 * does not acknowledge in time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RepeatedPublishTest
{
    @TempDir
    File journalDir;

    @Test
    void publishesSentOneAtATimeAfterTheFirstAreTakenByTheEdgeAndAnsweredAsUndertowAnswersTheFirst() throws Exception
    {
        final int count = 30;
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=one"));
            Socket socket = connect(push.edge.port()))
        {
            push.engine.topic("one");
            await(() -> client.topicNames.size() == 1);
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            HttpAnswer first = null;
            for (int i = 0; i < count; i++)
            {
                out.write(post("/publish/one", "{\"i\":" + i + "}"));
                out.flush();
                final HttpAnswer answer = HttpAnswer.read(in); // one at a time: nothing pipelined

                assertEquals(200, answer.status, "request " + i + ": " + answer.body);
                assertTrue(answer.body.endsWith("\"topic\":\"one\",\"topicSequence\":" + (i + 1) + "}\n"),
                    "request " + i + ": " + answer.body);
                if (null == first)
                {
                    first = answer;
                }
                else
                {
                    assertEquals(first.statusLine, answer.statusLine, "request " + i);
                    assertEquals(withoutDateAndLength(first.headers), withoutDateAndLength(answer.headers),
                        "request " + i + ": the headers Undertow gave the first");
                    assertEquals(String.valueOf(answer.body.length()), answer.headers.get("content-length"));
                    assertTrue(answer.headers.get("date").endsWith(" GMT"), answer.headers.toString());
                }
            }

            assertEquals(count - 1, push.edge.counters().publishesReadAhead().get(),
                "every repeat taken by the edge");
            await(() -> client.events.size() == count);
            for (int i = 0; i < count; i++)
            {
                assertEquals("{\"i\":" + i + "}", client.events.get(i).payload(), "event " + i);
            }
            assertEquals(count, push.edge.counters().publishRequests().get(), "each offered once");
            assertEquals(0, push.edge.counters().errors().get());
        }
    }

    @Test
    void aRequestSplitAcrossReadsIsTakenWhenWhole() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            Socket socket = connect(push.edge.port()))
        {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(post("/publish/split", "{\"n\":1}"));
            assertEquals(200, HttpAnswer.read(in).status);

            final byte[] request = post("/publish/split", "{\"n\":2}");
            for (final int[] piece : new int[][]{{0, 7}, {7, 40}, {40, request.length - 3}, {request.length - 3,
                request.length}})
            {
                out.write(request, piece[0], piece[1] - piece[0]);
                out.flush();
                Thread.sleep(50);
            }
            final HttpAnswer answer = HttpAnswer.read(in);

            assertEquals(200, answer.status, answer.body);
            assertTrue(answer.body.endsWith("\"topicSequence\":2}\n"), answer.body);
            assertEquals(1, push.edge.counters().publishesReadAhead().get());
        }
    }

    @Test
    void aConnectionSilentForASecondGoesBackToUndertowWhoseKeepAliveLimitCloses() throws Exception
    {
        final int handshakeTimeoutMs = 300;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .handshakeTimeoutMs(handshakeTimeoutMs));
            Socket socket = connect(push.edge.port()))
        {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(post("/publish/idle", "{\"n\":1}"));
            assertEquals(200, HttpAnswer.read(in).status);
            out.write(post("/publish/idle", "{\"n\":2}"));
            assertEquals(200, HttpAnswer.read(in).status);
            assertEquals(1, push.edge.counters().publishesReadAhead().get(), "the edge has the connection");
            final long silentBefore = push.edge.counters().silentCloses().get();
            final long silentFrom = System.nanoTime();

            assertEquals(-1, in.read(), "closed by the edge: an idle keep-alive connection");
            final long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silentFrom);
            assertTrue(silentMs >= handshakeTimeoutMs, "closed after " + silentMs + " ms");
            await(() -> push.edge.counters().silentCloses().get() == silentBefore + 1,
                () -> "counted as a silent close: " + push.edge.counters().silentCloses().get());
        }
    }

    @Test
    void aRepeatTheEngineDoesNotAcknowledgeInTimeIsAnswered504InItsTurnAndTheConnectionGoesOn() throws Exception
    {
        try (PausableEngine engine = new PausableEngine(journalDir);
            EdgeServer edge = engine.edge(new EdgeServer.Context().publishTimeoutMs(500));
            Socket socket = connect(edge.port()))
        {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(post("/publish/s", "{\"n\":1}"));
            assertEquals(200, HttpAnswer.read(in).status);
            engine.pause(); // the sequencer stops: what is offered now waits
            final long rejectedBefore = edge.counters().httpRejected().get();

            out.write(post("/publish/s", "{\"n\":2}"));
            out.write(post("/publish/s", "{\"n\":3}"));
            final HttpAnswer second = HttpAnswer.read(in);
            final HttpAnswer third = HttpAnswer.read(in);

            assertEquals(504, second.status, second.body);
            assertTrue(second.body.contains("engine did not acknowledge in 500 ms"), second.body);
            assertEquals(504, third.status, third.body);
            assertEquals(2, edge.counters().publishesReadAhead().get(), "both taken by the edge");
            assertEquals(rejectedBefore + 2, edge.counters().httpRejected().get(), "each 504 counted");
            assertEquals(0, edge.counters().publishesAwaitingAck().get(), "the timeouts fired: none armed");

            engine.resume();
            out.write(post("/publish/s", "{\"n\":4}"));
            final HttpAnswer fourth = HttpAnswer.read(in);
            assertEquals(200, fourth.status, fourth.body);
            assertTrue(fourth.body.contains("\"topic\":\"s\""), fourth.body);
        }
    }

    @Test
    void aClientThatResetsItsConnectionWhileItsRepeatsAwaitTheEngineLeavesNoTimeoutArmed() throws Exception
    {
        try (PausableEngine engine = new PausableEngine(journalDir);
            EdgeServer edge = engine.edge(new EdgeServer.Context().publishTimeoutMs(TimeUnit.MINUTES.toMillis(10))))
        {
            try (Socket socket = connect(edge.port()))
            {
                final OutputStream out = socket.getOutputStream();
                final InputStream in = new BufferedInputStream(socket.getInputStream());
                out.write(post("/publish/c", "{\"n\":0}"));
                assertEquals(200, HttpAnswer.read(in).status);
                engine.pause();
                for (int i = 1; i <= 100; i++)
                {
                    out.write(post("/publish/c", "{\"n\":" + i + "}"));
                }
                out.flush();
                await(() -> edge.counters().publishRequests().get() == 101,
                    () -> edge.counters().publishRequests().get() + " offered");
                assertEquals(100, edge.counters().publishesAwaitingAck().get(), "each waits, its timeout armed");
                socket.setSoLinger(true, 0); // a reset: no answer can reach it (a client that only shuts its output
                // still gets them, as it does from Undertow, once acknowledged)
            }

            await(() -> 0 == edge.counters().publishesAwaitingAck().get(),
                () -> edge.counters().publishesAwaitingAck().get() + " acknowledgement timeouts still armed " +
                "after the connection closed (each would hold its request for 10 minutes)");
            engine.resume();
            assertEquals(0, edge.counters().errors().get());
        }
    }

    private static Map<String, String> withoutDateAndLength(final Map<String, String> headers)
    {
        final Map<String, String> rest = new TreeMap<>(headers);
        rest.remove("date");
        rest.remove("content-length");
        return rest;
    }

    private static Socket connect(final int port) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static byte[] post(final String target, final String body)
    {
        final byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        return ("POST " + target + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1\r\n" +
            "Content-Type: application/json\r\n" +
            "Content-Length: " + bodyBytes.length + "\r\n" +
            "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }
}
