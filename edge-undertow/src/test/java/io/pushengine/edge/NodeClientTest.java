package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The npm package ({@code client-js/}) under Node against a real edge: installed with npm into a copy (its pinned
 * dev dependencies, {@code ws} and {@code typescript}), its TypeScript declarations type-checked with {@code tsc},
 * then its Node example subscribes over WebSocket ({@code ws}) across an edge restart: every event once and in order.
 * Needs {@code node} (20+) and {@code npm} with access to the npm registry; {@code .ci/run} sets
 * {@code PUSH_NODE_TESTS=required} so that in CI a missing one fails instead of skipping.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NodeClientTest
{
    private static final Path PACKAGE = Path.of("client-js");
    private static Path installed;

    @TempDir
    File journalDir;

    @BeforeAll
    static void installThePackage() throws Exception
    {
        final boolean present = canRun("node", "--version") && canRun("npm", "--version");
        if (!present && "required".equals(System.getenv("PUSH_NODE_TESTS")))
        {
            throw new IllegalStateException("Node tests are required but node or npm is missing (Node 20+)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "Node tests skipped: install node 20+ and npm");
        installed = Path.of("target", "node-client");
        deleteRecursively(installed);
        Files.createDirectories(installed.resolve("examples"));
        for (final String file : List.of("package.json", "push-client.js", "push-client.d.ts"))
        {
            Files.copy(PACKAGE.resolve(file), installed.resolve(file));
        }
        try (var examples = Files.list(PACKAGE.resolve("examples")))
        {
            for (final Path example : (Iterable<Path>)examples::iterator)
            {
                Files.copy(example, installed.resolve("examples").resolve(example.getFileName()));
            }
        }
        run(installed, 180, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
    }

    @Test
    void theTypeScriptDeclarationsTypeCheckAServiceUsingThem() throws Exception
    {
        final String output = run(installed, 120, "npm", "run", "--silent", "check-types");
        assertEquals("", output.trim(), "tsc found nothing");
    }

    @Test
    void aNodeServiceGetsEveryEventOnceAndInOrderAcrossAnEdgeRestart() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("node.A");
            try (NodeSubscriber node = NodeSubscriber.start(push, "node.A", "--count", "100"))
            {
                await(() -> node.states().contains("open:websocket"), () -> "node states " + node.states());
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
                final List<Long> published = new ArrayList<>();
                for (int i = 0; i < 50; i++)
                {
                    published.add(PollTest.publish(push, "node.A", "{\"i\":" + i + "}"));
                }
                await(() -> node.sequences().size() == 50, () -> "node has " + node.sequences().size());

                push.restartEdge(new EdgeServer.Context()); // the connection drops; the client resumes from its cursor
                await(() -> node.states().stream().filter("open:websocket"::equals).count() == 2,
                    () -> "node states " + node.states());
                for (int i = 50; i < 100; i++)
                {
                    published.add(PollTest.publish(push, "node.A", "{\"i\":" + i + "}"));
                }
                assertTrue(node.process.waitFor(30, TimeUnit.SECONDS), "node exits after 100 events");
                assertEquals(0, node.process.exitValue(), node.output.toString());
                PollTest.assertSameSequences(published, node.sequences(), "sequences the Node service received");
                assertTrue(node.states().contains("reconnecting:websocket"), "reconnected: " + node.states());
            }
        }
    }

    @Test
    void aMaximumFrequencyPerTopicThenLiftedLiveEveryOtherEventOnceAndInOrder() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compression("websocket"))) // 'ws' offers permessage-deflate: it inflates every message here
        {
            push.engine.topic("node.S");
            push.engine.topic("node.F");
            try (NodeSubscriber node = NodeSubscriber.start(push, "node.S,node.F", "--max-frequency", "node.S=1"))
            {
                await(() -> node.states().contains("open:websocket"), () -> "node states " + node.states());
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
                assertEquals(1, push.edge.counters().webSocketCompressedStreams().get(), "deflate agreed with ws");
                final List<Long> slow = new ArrayList<>();
                final List<Long> full = new ArrayList<>();
                for (int i = 0; i < 200; i++)
                {
                    slow.add(PollTest.publish(push, "node.S", "s" + i));
                    full.add(PollTest.publish(push, "node.F", "f" + i));
                }
                await(() -> node.sequencesOf("node.S").contains(slow.get(199)) &&
                    node.sequencesOf("node.F").contains(full.get(199)), () -> "node has " + node.output.size());
                assertEquals(full, node.sequencesOf("node.F"), "the unthrottled topic: all, once, in order");
                assertTrue(node.sequencesOf("node.S").size() <= 10, "1/s: " + node.sequencesOf("node.S").size());

                node.command("max-frequency node.S 0"); // lifted live (UpdateSubscription), confirmed by Subscribed
                await(() -> node.output.stream().anyMatch(l -> l.has("subscribed") && l.get("correlationId").asLong() > 0),
                    () -> "no confirmation: " + node.output);
                final int before = node.sequencesOf("node.S").size();
                final List<Long> after = new ArrayList<>();
                for (int i = 0; i < 100; i++)
                {
                    after.add(PollTest.publish(push, "node.S", "t" + i));
                }
                await(() -> node.sequencesOf("node.S").contains(after.get(99)));
                assertEquals(after, node.sequencesOf("node.S").subList(before, node.sequencesOf("node.S").size()),
                    "every event once the cap is lifted");
            }
        }
    }

    @Test
    void aBatchingWindowPerTopicHoldsItsEventsThenIsLiftedLive() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null,
            new EdgeServer.Context().maxBatchWindowMs(60_000)))
        {
            push.engine.topic("node.W");
            push.engine.topic("node.F");
            try (NodeSubscriber node = NodeSubscriber.start(push, "node.W,node.F", "--batch-window", "node.W=30000"))
            {
                await(() -> node.states().contains("open:websocket"), () -> "node states " + node.states());
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
                // both confirmations at the client first: a flush of them still pending (no window) would drain an
                // event queued behind them at once, window or not
                await(() -> node.output.stream().filter(l -> l.has("subscribed")).count() == 2,
                    () -> "confirmations: " + node.output);
                final long held = PollTest.publish(push, "node.W", "w0");
                await(() -> push.edge.counters().fanOut().eventsIn().get() == 1);
                Thread.sleep(300); // the window is 30 s: without it the event would be here in milliseconds
                assertEquals(List.of(), node.sequences(), "held by node.W's window");
                final long immediate = PollTest.publish(push, "node.F", "f0");
                await(() -> node.sequences().size() == 2, () -> "node has " + node.output);
                assertEquals(List.of(held, immediate), node.sequences(), "left together, in order");

                node.command("batch-window node.W 0"); // lifted live (UpdateSubscription), confirmed by Subscribed
                await(() -> node.output.stream().anyMatch(l -> l.has("subscribed") && l.get("correlationId").asLong() > 0),
                    () -> "no confirmation: " + node.output);
                final long next = PollTest.publish(push, "node.W", "w1");
                await(() -> node.sequences().contains(next), () -> "no longer held: " + node.output);
            }
        }
    }

    @Test
    void aNodeServicePublishesOverItsWebSocketAndIsAnsweredOnceJournaled() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("node.P");
            try (NodeSubscriber node = NodeSubscriber.start(push, "node.P"))
            {
                await(() -> node.states().contains("open:websocket"), () -> "node states " + node.states());
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
                node.command("publish node.P hello");
                await(() -> node.output.stream().anyMatch(l -> l.has("published")), () -> "no answer: " + node.output);
                final long sequence = node.output.stream().filter(l -> l.has("published")).findFirst().orElseThrow()
                    .get("published").asLong();
                assertTrue(sequence > 0, node.output.toString());
                await(() -> node.sequencesOf("node.P").contains(sequence), () -> "its own event: " + node.output);

                node.command("publish bad!topic x");
                await(() -> node.output.stream().anyMatch(l -> l.has("publishError")), () -> "no refusal: " + node.output);
                assertTrue(node.output.stream().filter(l -> l.has("publishError")).findFirst().orElseThrow()
                    .get("publishError").asText().contains("topic"), node.output.toString());
            }
        }
    }

    @Test
    void withoutAWebSocketImplementationTheClientSkipsToTheNextTransportInsteadOfThrowing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("node.B");
            try (NodeSubscriber node = NodeSubscriber.start(push, "node.B", "--count", "3", "--without-ws",
                "--transports", "websocket,long-poll"))
            {
                await(() -> node.states().stream().anyMatch(s -> s.startsWith("open:")),
                    () -> "node states " + node.states() + "; output " + node.output);
                final boolean builtIn = node.states().contains("open:websocket"); // Node 22+ has a global one
                assertTrue(builtIn || node.states().contains("open:long-poll"), node.states().toString());
                final List<Long> published = new ArrayList<>();
                for (int i = 0; i < 3; i++)
                {
                    published.add(PollTest.publish(push, "node.B", "b" + i));
                }
                assertTrue(node.process.waitFor(30, TimeUnit.SECONDS), "node exits after 3 events");
                assertEquals(0, node.process.exitValue(), node.output.toString());
                PollTest.assertSameSequences(published, node.sequences(), "sequences over the fallback");
            }
        }
    }

    /**
     * {@code examples/node-subscriber.mjs} in its own process, its JSON lines collected.
     */
    private record NodeSubscriber(Process process, List<JsonNode> output) implements AutoCloseable
    {
        public void close()
        {
            process.destroyForcibly();
        }

        static NodeSubscriber start(final EmbeddedPush push, final String topics, final String... options)
            throws IOException
        {
            final List<String> command = new ArrayList<>(List.of("node", "examples/node-subscriber.mjs",
                "http://127.0.0.1:" + push.edge.port(), topics));
            command.addAll(List.of(options));
            final Process process = new ProcessBuilder(command).directory(installed.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final List<JsonNode> output = new CopyOnWriteArrayList<>();
            final Thread reader = new Thread(() ->
            {
                final ObjectMapper json = new ObjectMapper();
                try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while (null != (line = lines.readLine()))
                    {
                        output.add(json.readTree(line));
                    }
                }
                catch (final IOException ignore)
                {
                    // the process ended
                }
            }, "node-subscriber-output");
            reader.setDaemon(true);
            reader.start();
            return new NodeSubscriber(process, output);
        }

        List<Long> sequences()
        {
            final List<Long> sequences = new ArrayList<>();
            for (final JsonNode line : output)
            {
                if (line.has("sequence"))
                {
                    sequences.add(line.get("sequence").asLong());
                }
            }
            return sequences;
        }

        List<Long> sequencesOf(final String topic)
        {
            final List<Long> sequences = new ArrayList<>();
            for (final JsonNode line : output)
            {
                if (line.has("sequence") && topic.equals(line.get("topic").asText()))
                {
                    sequences.add(line.get("sequence").asLong());
                }
            }
            return sequences;
        }

        void command(final String line) throws IOException
        {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        List<String> states()
        {
            final List<String> states = new ArrayList<>();
            for (final JsonNode line : output)
            {
                if (line.has("state"))
                {
                    states.add(line.get("state").asText() + ":" + line.get("transport").asText());
                }
            }
            return states;
        }
    }

    private static String run(final Path directory, final int timeoutSeconds, final String... command)
        throws Exception
    {
        final Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
            .start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(timeoutSeconds, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }

    private static boolean canRun(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && 0 == process.exitValue();
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    private static void deleteRecursively(final Path path) throws IOException
    {
        if (!Files.exists(path))
        {
            return;
        }
        try (var paths = Files.walk(path))
        {
            final List<Path> all = new ArrayList<>(paths.toList());
            java.util.Collections.reverse(all);
            for (final Path p : all)
            {
                Files.delete(p);
            }
        }
    }
}
