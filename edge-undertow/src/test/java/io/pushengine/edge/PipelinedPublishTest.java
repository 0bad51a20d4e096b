package io.pushengine.edge;

import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pipelined {@code POST /publish/{topic}} on one keep-alive connection over a real socket: the requests after an
 * admitted one that are the same request are read ahead and offered while it awaits its acknowledgement, and every
 * request is still answered in order, each with its own sequence, each event journaled once; anything else in the
 * pipeline (a bad body, another topic, another token, a GET) stops the read-ahead and is answered as usual.
 */
// on a thread of its own: a blocking socket read ignores the interrupt, and a read that keeps getting a little would
// otherwise outlast the limit unseen (seen once: this class ran 15 minutes in one read loop)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipelinedPublishTest
{
    private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+),\"topic\":\"([^\"]+)\"," +
        "\"topicSequence\":(\\d+)");

    @TempDir
    File journalDir;

    @Test
    void pipelinedPublishesAreReadAheadAndAnsweredInOrderEachWithItsOwnSequence() throws Exception
    {
        final int count = 400;
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=p")))
        {
            push.engine.topic("p");
            await(() -> client.topicNames.size() == 1);
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++)
            {
                requests.write(post("/publish/p", "{\"i\":" + i + "}", null));
            }

            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), count, false);

            for (int i = 0; i < count; i++)
            {
                final HttpAnswer answer = answers.get(i);
                assertEquals(200, answer.status, "request " + i + ": " + answer.body);
                final Matcher sequence = SEQUENCE.matcher(answer.body);
                assertTrue(sequence.find(), answer.body);
                assertEquals(i + 1, Long.parseLong(sequence.group(3)), "answers in request order: " + answer.body);
                assertEquals("p", sequence.group(2));
            }
            await(() -> client.events.size() == count);
            for (int i = 0; i < count; i++)
            {
                assertEquals("{\"i\":" + i + "}", client.events.get(i).payload(), "event " + i);
                assertEquals(i + 1, client.events.get(i).topicSequence());
            }
            assertEquals(count, push.edge.counters().publishRequests().get(), "each request offered once");
            final long readAhead = push.edge.counters().publishesReadAhead().get();
            // ~44 KB of requests against a 16 KiB buffer: more than a third can only be read ahead from the socket
            // while earlier requests await their acknowledgements (397 of 400 in runs here)
            assertTrue(readAhead >= count * 3 / 4, "read ahead: " + readAhead + " of " + count);
            assertEquals(0, push.edge.counters().errors().get());
        }
    }

    @Test
    void withReadAheadOffEveryRequestStillGetsItsAnswerButNoneIsReadAhead() throws Exception
    {
        final int count = 50;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .publishReadAhead(false)))
        {
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++)
            {
                requests.write(post("/publish/p", "{\"i\":" + i + "}", null));
            }

            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), count, false);

            for (int i = 0; i < count; i++)
            {
                assertEquals(200, answers.get(i).status, answers.get(i).body);
                assertTrue(answers.get(i).body.contains("\"topicSequence\":" + (i + 1) + "}"), answers.get(i).body);
            }
            assertEquals(0, push.edge.counters().publishesReadAhead().get());
        }
    }

    @Test
    void anythingElseInThePipelineStopsTheReadAheadAndIsAnsweredInItsTurn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            requests.write(post("/publish/a", "{\"n\":1}", null));
            requests.write(post("/publish/a", "{\"n\":2}", null));
            requests.write(post("/publish/a", "{\"n\":", null)); // not JSON: refused, not published
            requests.write(post("/publish/a", "{\"n\":3}", null));
            requests.write(post("/publish/b", "{\"n\":4}", null)); // another topic: its own admission
            requests.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            requests.write(post("/publish/a", "{\"n\":5}", null));
            requests.write(post("/publish/a", "{\"n\":6}", null));

            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), 8, false);

            final int[] statuses = answers.stream().mapToInt(answer -> answer.status).toArray();
            assertEquals(List.of(200, 200, 400, 200, 200, 200, 200, 200), List.of(
                statuses[0], statuses[1], statuses[2], statuses[3], statuses[4], statuses[5], statuses[6], statuses[7]),
                answers.toString());
            assertTrue(answers.get(2).body.contains("not valid JSON") || answers.get(2).body.contains("JSON"),
                answers.get(2).body);
            final long[] expectedTopicSequences = { 1, 2, -1, 3, 1, -1, 4, 5 };
            long lastSequence = 0;
            for (int i = 0; i < answers.size(); i++)
            {
                if (expectedTopicSequences[i] < 0)
                {
                    continue;
                }
                final Matcher sequence = SEQUENCE.matcher(answers.get(i).body);
                assertTrue(sequence.find(), answers.get(i).body);
                assertEquals(expectedTopicSequences[i], Long.parseLong(sequence.group(3)), answers.get(i).body);
                assertTrue(Long.parseLong(sequence.group(1)) > lastSequence, "global sequences in order");
                lastSequence = Long.parseLong(sequence.group(1));
            }
            assertEquals(6, push.engine.lastGlobalSequence(), "the six valid events, each once");
            assertEquals(1, push.edge.counters().httpRejected().get());
            assertEquals(0, push.edge.counters().errors().get());
        }
    }

    @Test
    void answersGatheredForAPipelineAreNotHeldBehindALongPollThatFollowsThem() throws Exception
    {
        final int count = 40;
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            Socket socket = new Socket())
        {
            push.engine.topic("later");
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++)
            {
                requests.write(post("/publish/p", "{\"i\":" + i + "}", null));
            }
            // waits for an event that is published only once every answer above has been read
            requests.write(("GET /poll?topics=later&after=" + count + "&wait=25000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.connect(new InetSocketAddress("127.0.0.1", push.edge.port()), 5_000);
            socket.setSoTimeout(20_000); // shorter than the poll's wait: answers held behind it fail the read
            socket.getOutputStream().write(requests.toByteArray());
            socket.getOutputStream().flush();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < count; i++)
            {
                final HttpAnswer answer = HttpAnswer.read(in);
                assertEquals(200, answer.status, "request " + i + ": " + answer.body);
                assertTrue(answer.body.contains("\"topicSequence\":" + (i + 1) + "}"), answer.body);
            }

            push.engine.publish("later", PayloadType.JSON, "{\"x\":1}".getBytes(StandardCharsets.UTF_8));

            final HttpAnswer poll = HttpAnswer.read(in);
            assertEquals(200, poll.status, poll.body);
            assertTrue(poll.body.contains("{\"x\":1}"), poll.body);
            assertTrue(push.edge.counters().publishesReadAhead().get() > 0, "the pipeline was read ahead");
        }
    }

    @Test
    void aClientThatSendsItsPipelineAndShutsItsOutputStillGetsEveryAnswer() throws Exception
    {
        final int count = 100;
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++)
            {
                requests.write(post("/publish/h", "{\"i\":" + i + "}", null));
            }

            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), count, true);

            for (int i = 0; i < count; i++)
            {
                assertEquals(200, answers.get(i).status, answers.get(i).body);
                assertTrue(answers.get(i).body.contains("\"topicSequence\":" + (i + 1) + "}"), answers.get(i).body);
            }
            assertEquals(count, push.engine.lastGlobalSequence());
        }
    }

    @Test
    void aRequestWithAnotherTokenIsAdmittedOnItsOwnAndNotPublishedIfNotGranted() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .jwtSecret(Tokens.SECRET)))
        {
            final String granted = Tokens.token("pub", 60_000, List.of(), List.of("g"));
            final String notGranted = Tokens.token("other", 60_000, List.of(), List.of("elsewhere"));
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < 20; i++)
            {
                requests.write(post("/publish/g", "{\"i\":" + i + "}", 10 == i ? notGranted : granted));
            }

            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), 20, false);

            for (int i = 0; i < 20; i++)
            {
                assertEquals(10 == i ? 403 : 200, answers.get(i).status, i + ": " + answers.get(i).body);
            }
            assertTrue(answers.get(19).body.contains("\"topicSequence\":19}"), answers.get(19).body);
            assertEquals(19, push.engine.lastGlobalSequence(), "the refused one was not published");
            assertTrue(push.edge.counters().publishesReadAhead().get() > 0);
        }
    }

    @Test
    void anAnswerItsSocketCannotTakeAtOnceArrivesWholeWhileTheThreadAnswersOthers() throws Exception
    {
        // answers are rendered in the IO thread's buffer and lent to the sender: one the socket cannot take at once
        // keeps its buffer until written, while the thread answers other connections' publishes in another
        final int count = 20_000;
        final String slowTopic = "slow." + "a".repeat(100);
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().ioThreads(1));
            Socket slow = new Socket())
        {
            slow.setReceiveBufferSize(2048);
            slow.connect(new InetSocketAddress("127.0.0.1", push.edge.port()), 5_000);
            slow.setSoTimeout(20_000);
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++)
            {
                requests.write(post("/publish/" + slowTopic, "{\"i\":" + i + "}", null));
            }
            final Thread writer = new Thread(() ->
            {
                try
                {
                    slow.getOutputStream().write(requests.toByteArray());
                }
                catch (final IOException ignore)
                {
                    // the reader fails with what went wrong
                }
            }, "pipeline-writer");
            writer.start();
            long published = -1;
            while (published != push.edge.counters().publishRequests().get()) // until its full socket stops it
            {
                published = push.edge.counters().publishRequests().get();
                Thread.sleep(300);
            }
            assertTrue(published < count, "the answers never filled the socket: " + published + " published");

            for (int i = 0; i < 50; i++) // another connection, on the same (only) IO thread, answered meanwhile
            {
                final HttpAnswer other = exchange(push, post("/publish/other", "{\"o\":" + i + "}", null), 1, false)
                    .get(0);
                assertEquals(200, other.status, other.body);
                assertTrue(other.body.contains("\"topic\":\"other\",\"topicSequence\":" + (i + 1) + "}"),
                    other.body);
            }

            final InputStream in = new BufferedInputStream(slow.getInputStream());
            for (int i = 0; i < count; i++)
            {
                final HttpAnswer answer = HttpAnswer.read(in);
                assertEquals(200, answer.status, "request " + i + ": " + answer.body);
                final Matcher sequence = SEQUENCE.matcher(answer.body);
                assertTrue(sequence.find(), "request " + i + ": " + answer.body);
                assertEquals(slowTopic, sequence.group(2), "request " + i + ": " + answer.body);
                assertEquals(i + 1, Long.parseLong(sequence.group(3)), "request " + i + ": " + answer.body);
            }
            writer.join();
            assertEquals(count + 50, push.edge.counters().publishRequests().get());
        }
    }

    @Test
    void answeredPublishesLeaveNoAcknowledgementTimeoutBehind() throws Exception
    {
        // a timeout far beyond the test's wait: only disarming on the answer brings the gauge back to 0 in time
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .publishTimeoutMs(TimeUnit.MINUTES.toMillis(10))))
        {
            final ByteArrayOutputStream requests = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++)
            {
                requests.write(post("/publish/p", "{\"i\":" + i + "}", null));
            }
            final List<HttpAnswer> answers = exchange(push, requests.toByteArray(), 200, false);
            answers.forEach(answer -> assertEquals(200, answer.status, answer.body));
            for (int i = 0; i < 20; i++)
            {
                final HttpAnswer answer = exchange(push, post("/publish/q", "{\"i\":" + i + "}", null), 1, false).get(0);
                assertEquals(200, answer.status, answer.body);
            }
            final byte[] batch = "{\"n\":1}\n{\"n\":2}\n".getBytes(StandardCharsets.UTF_8);
            final HttpAnswer batchAnswer = exchange(push, ("POST /publish/r HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                "Content-Type: application/x-ndjson\r\nContent-Length: " + batch.length + "\r\n\r\n" +
                new String(batch, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8), 1, false).get(0);
            assertEquals(200, batchAnswer.status, batchAnswer.body);

            await(() -> 0 == push.edge.counters().publishesAwaitingAck().get(),
                () -> push.edge.counters().publishesAwaitingAck().get() + " acknowledgement timeouts still armed " +
                "after every publish was answered");
        }
    }

    @Test
    void aPublishTheEngineDoesNotAcknowledgeInTimeIsAnswered504() throws Exception
    {
        final AtomicBoolean engineRuns = new AtomicBoolean(true);
        final AtomicBoolean engineStopped = new AtomicBoolean();
        final AtomicBoolean testOver = new AtomicBoolean();
        final PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir)
            .threadingMode(AgentThreadingMode.INVOKER));
        final Thread engineThread = new Thread(() ->
        {
            engine.agentInvoker().start();
            while (!testOver.get())
            {
                if (!engineRuns.get())
                {
                    engineStopped.set(true); // seen between duty cycles: none runs after this
                    Thread.onSpinWait();
                }
                else if (0 == engine.agentInvoker().invoke())
                {
                    Thread.onSpinWait();
                }
            }
        }, "engine-invoker");
        engineThread.start();
        EdgeServer edge = null;
        try
        {
            edge = EdgeServer.launch(new EdgeServer.Context()
                .publishTimeoutMs(500)
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel()));
            await(edge::isReady, () -> "edge not ready");
            assertEquals(200, exchange(edge.port(), post("/publish/s", "{\"n\":1}", null), 1, false).get(0).status);
            engineRuns.set(false); // the sequencer stops: what is offered now waits
            await(engineStopped::get, () -> "the engine's invoker did not stop");

            final HttpAnswer answer = exchange(edge.port(), post("/publish/s", "{\"n\":2}", null), 1, false).get(0);

            assertEquals(504, answer.status, answer.body);
            assertTrue(answer.body.contains("engine did not acknowledge in 500 ms"), answer.body);
            assertEquals(0, edge.counters().publishesAwaitingAck().get(), "the timeout fired: none left armed");
        }
        finally
        {
            testOver.set(true);
            engineThread.join();
            CloseHelper.closeAll(edge, engine);
        }
    }

    private static byte[] post(final String target, final String body, final String token)
    {
        final byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        return ("POST " + target + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1\r\n" +
            "Content-Type: application/json\r\n" +
            (null == token ? "" : "Authorization: Bearer " + token + "\r\n") +
            "Content-Length: " + bodyBytes.length + "\r\n" +
            "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Write every request at once on one connection, then read {@code count} answers.
     */
    private static List<HttpAnswer> exchange(
        final EmbeddedPush push, final byte[] requests, final int count, final boolean shutdownOutput)
        throws IOException
    {
        return exchange(push.edge.port(), requests, count, shutdownOutput);
    }

    private static List<HttpAnswer> exchange(
        final int port, final byte[] requests, final int count, final boolean shutdownOutput)
        throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            final Thread writer = new Thread(() ->
            {
                try
                {
                    socket.getOutputStream().write(requests);
                    socket.getOutputStream().flush();
                    if (shutdownOutput)
                    {
                        socket.shutdownOutput();
                    }
                }
                catch (final IOException ignore)
                {
                    // the reader fails with what went wrong
                }
            }, "pipeline-writer");
            writer.start();
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            final List<HttpAnswer> answers = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                answers.add(HttpAnswer.read(in));
            }
            return answers;
        }
    }
}
