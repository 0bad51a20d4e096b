package io.pushengine.edge;

import io.pushengine.app.InvokersAgent;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.DueWorkIdleStrategy;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.Topic;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The engine's and the edge's agents run on a thread each ({@code DEDICATED}), on one thread per component
 * ({@code SHARED}), or on the embedder's thread through their agent invokers ({@code INVOKER}); events published
 * over HTTP and in process reach a WebSocket client in order in each. The invoker test parks its one thread for
 * 30 s whenever a duty cycle finds nothing to do, so every event arriving within the test's 20 s await proves the
 * producers' wake-ups reach the thread that invokes the agents (started on it), not the one that launched them.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ThreadingModeTest
{
    private static final int EACH_WAY = 50;

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void agentsDrivenByOneEmbedderThreadAreWokenByTheirProducers() throws Exception
    {
        final PushEngine engine = PushEngine.launch(new PushEngine.Context()
            .journalDir(journalDir)
            .threadingMode(AgentThreadingMode.INVOKER));
        EdgeServer edge = null;
        AgentRunner embedderThread = null;
        try
        {
            edge = EdgeServer.launch(new EdgeServer.Context()
                .threadingMode(AgentThreadingMode.INVOKER)
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel()));
            final EdgeServer launched = edge;
            embedderThread = new AgentRunner(
                new DueWorkIdleStrategy(new SleepingIdleStrategy(TimeUnit.SECONDS.toNanos(30)),
                    new SleepingIdleStrategy(TimeUnit.MILLISECONDS.toNanos(1)),
                    () -> engine.hasWorkDueSoon() || launched.hasWorkDueSoon()),
                Throwable::printStackTrace, null,
                new InvokersAgent("embedder", engine.agentInvoker(), edge.agentInvoker()));
            AgentRunner.startOnThread(embedderThread);
            await(launched::isReady, () -> "edge not ready when driven by the embedder's thread");

            publishAndReceive(engine, edge.port());
        }
        finally
        {
            CloseHelper.closeAll(embedderThread, edge, engine);
        }
    }

    @Test
    void sharedEngineThreadDeliversInOrder() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new PushEngine.Context()
            .journalDir(journalDir)
            .threadingMode(AgentThreadingMode.SHARED), null, null, new EdgeServer.Context()
            .threadingMode(AgentThreadingMode.SHARED)))
        {
            publishAndReceive(push.engine, push.edge.port());
        }
    }

    @Test
    void ioThreadsRunTheAgentsTheyGiveWorkWhileTheAgentsOwnThreadsSleep() throws Exception
    {
        final CountDownLatch deafUntil = new CountDownLatch(1);
        final AtomicBoolean deaf = new AtomicBoolean();
        final Supplier<IdleStrategy> idle = () -> new DeafWhenAskedIdleStrategy(deaf, deafUntil);
        try (EmbeddedPush push = new EmbeddedPush(new PushEngine.Context()
            .journalDir(journalDir)
            .idleStrategySupplier(idle), null, null, new EdgeServer.Context()
            .idleStrategySupplier(idle)))
        {
            push.engine.topic("callers");
            final WebSocketTestClient client = new WebSocketTestClient(
                java.net.URI.create("ws://127.0.0.1:" + push.edge.port() + "/ws?topics=callers"));
            await(() -> client.topicNames.size() == 1, () -> "not subscribed");
            // from here the sequencer's and the fan-out's threads, once idle, sleep where no producer's wake-up
            // reaches them: a publish is journaled, answered and delivered only if the IO thread that read it runs
            // their duty cycles (it would be answered 504 after push.publish.timeout.ms otherwise)
            deaf.set(true);
            try
            {
                for (int i = 0; i < EACH_WAY; i++)
                {
                    final HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + push.edge.port() + "/publish/callers"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), answer.body());
                }
                await(() -> client.events.size() == EACH_WAY,
                    () -> "received " + client.events.size() + " of " + EACH_WAY);
                for (int i = 0; i < EACH_WAY; i++)
                {
                    assertEquals("{\"n\":" + i + "}", client.events.get(i).payload());
                }
            }
            finally
            {
                deafUntil.countDown(); // the agents' threads wake to close
                client.close();
            }
        }
    }

    /**
     * Parks 1 ms when idle, until asked to be deaf: then it waits on a latch, which no unpark ends.
     */
    private static final class DeafWhenAskedIdleStrategy implements IdleStrategy
    {
        private final AtomicBoolean deaf;
        private final CountDownLatch deafUntil;

        DeafWhenAskedIdleStrategy(final AtomicBoolean deaf, final CountDownLatch deafUntil)
        {
            this.deaf = deaf;
            this.deafUntil = deafUntil;
        }

        public void idle(final int workCount)
        {
            if (workCount <= 0)
            {
                idle();
            }
        }

        public void idle()
        {
            if (!deaf.get())
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                return;
            }
            try
            {
                deafUntil.await(60, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        public void reset()
        {
        }
    }

    private void publishAndReceive(final PushEngine engine, final int port) throws Exception
    {
        final Topic topic = engine.topic("modes");
        try (WebSocketTestClient client = new WebSocketTestClient(
            java.net.URI.create("ws://127.0.0.1:" + port + "/ws?topics=modes")))
        {
            await(() -> client.topicNames.size() == 1, () -> "not subscribed");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
            for (int i = 0; i < EACH_WAY; i++)
            {
                final HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/publish/modes"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"http\":" + i + "}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());

                final int length = payload.putStringWithoutLengthAscii(0, "{\"ring\":" + i + "}");
                while (engine.offer(topic, PayloadType.JSON, payload, 0, length) < 0)
                {
                    Thread.yield();
                }
            }
            await(() -> client.events.size() == 2 * EACH_WAY,
                () -> "received " + client.events.size() + " of " + 2 * EACH_WAY);
            for (int i = 0; i < EACH_WAY; i++)
            {
                assertEquals("{\"http\":" + i + "}", client.events.get(2 * i).payload());
                assertEquals("{\"ring\":" + i + "}", client.events.get(2 * i + 1).payload());
                assertEquals(2 * i + 1, client.events.get(2 * i).topicSequence());
            }
        }
    }
}
