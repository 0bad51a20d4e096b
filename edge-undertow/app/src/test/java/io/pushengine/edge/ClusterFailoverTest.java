package io.pushengine.edge;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.client.PublishResult;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.cluster.ClusterNode;
import io.pushengine.engine.cluster.ClusterNodeMain;
import io.pushengine.client.ClusterPublisher;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three {@code cluster-node} processes on loopback, two {@code edge} processes in front of them (one follows member
 * 0, the other member 1 to begin with) with a WebSocket client each, a {@code publisher} process streaming the demo
 * feed (ten {@code prices.*} topics, up to 500 ticks/s, each acknowledged) as load throughout, and a publisher in
 * this JVM whose acknowledgements are checked: kill -9 a
 * follower (publishing goes on, nothing unanswered), restart it (it catches up from its snapshot, taken every 2 s,
 * and the log), kill -9 the leader (publishing
 * resumes after the election; the time is printed), restart it; every member's journal then holds every
 * acknowledged publish exactly once, in acknowledgement order, with sequences 1..N never reused, and each client,
 * never disconnected, received every sequence 1..N once and in order, each acknowledged publish at its sequence.
 * Bounded: about 500 publishes and a few elections.
 */
class ClusterFailoverTest
{
    private static final int MEMBERS = 3;
    private static final int PORTS_PER_MEMBER = ClusterLayout.PORTS_PER_MEMBER;

    @TempDir
    File dir;

    private final RoleProcess[] nodes = new RoleProcess[MEMBERS];
    private final RoleProcess[] edges = new RoleProcess[2];
    private RoleProcess load;
    private final List<Long> ackedSequences = new ArrayList<>();
    private MediaDriver publisherDriver;
    private ClusterPublisher publisher;
    private int portBase;
    private final List<String> acked = new ArrayList<>();
    private long lastSequence;

    @AfterEach
    void close() throws Exception
    {
        CloseHelper.quietClose(publisher);
        CloseHelper.quietClose(publisherDriver);
        if (null != load)
        {
            load.close();
        }
        for (final RoleProcess edge : edges)
        {
            if (null != edge)
            {
                edge.close();
            }
        }
        for (final RoleProcess node : nodes)
        {
            if (null != node)
            {
                node.close();
            }
        }
    }

    @Test
    void acknowledgedPublishesSurviveKillNineOfAFollowerAndOfTheLeaderAndEdgesDeliverEachOnce() throws Exception
    {
        portBase = freePortBase();
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = start(id);
        }
        final WebSocketTestClient[] clients = new WebSocketTestClient[edges.length];
        for (int i = 0; i < edges.length; i++)
        {
            edges[i] = startEdge(i);
            clients[i] = new WebSocketTestClient(URI.create("ws://127.0.0.1:" + edgePort(i) + "/ws?topics=prices.cluster"));
            awaitSubscribed(i);
        }
        load = RoleProcess.start("load", "publisher", Map.of(
            "push.cluster.hosts", "127.0.0.1,127.0.0.1,127.0.0.1",
            "push.cluster.port.base", String.valueOf(portBase),
            "push.demo.instruments", "10",
            "push.demo.ticks.per.second", "500",
            "push.aeron.dir", new File(dir, "aeron-load").getAbsolutePath()), "push-publisher ready");
        try
        {
            killLeaderAndFollower();
            for (int i = 0; i < clients.length; i++)
            {
                awaitDelivered(i, clients[i]);
            }
        }
        finally
        {
            CloseHelper.quietCloseAll(clients);
        }
    }

    private void killLeaderAndFollower() throws Exception
    {
        publisherDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "publisher-aeron").getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .ingressEndpoints(ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(1_000));

        publishAcked(100, "a");
        final int leader = publisher.leaderMemberId();
        assertEquals("2", scrapeRole(leader), "the leader's /metrics says leader (2)");
        final int follower = (leader + 1) % MEMBERS;
        assertEquals("0", scrapeRole(follower), "a follower's /metrics says follower (0)");

        awaitSnapshot(follower); // so its restart below is from a snapshot plus the log
        nodes[follower].kill();
        publishAcked(100, "b"); // a majority is left: not one publish goes unanswered
        nodes[follower] = start(follower);
        publishAcked(100, "c");
        awaitJournal(follower); // caught up from the log

        final long killedNs = System.nanoTime();
        nodes[leader].kill();
        int unknown = 0;
        long resumedNs = 0;
        for (int i = 0; i < 100; i++)
        {
            final String payload = "d-" + i;
            final long sequence = publish(payload);
            if (PublishResult.TIMED_OUT == sequence || PublishResult.NOT_CONNECTED == sequence)
            {
                unknown++;
                assertTrue(unknown <= 30, "publishing did not resume within " + unknown + " one-second attempts");
                i--; // the same count of acknowledged publishes either way
                continue;
            }
            assertTrue(sequence > 0, PublishResult.describe(sequence) + " " + publisher.lastRefusal());
            if (0 == resumedNs)
            {
                resumedNs = System.nanoTime();
                System.out.println("leader " + leader + " killed: publishing resumed after " +
                    TimeUnit.NANOSECONDS.toMillis(resumedNs - killedNs) + " ms (" + unknown +
                    " unanswered one-second attempts), new leader " + publisher.leaderMemberId());
            }
            accept(sequence, payload);
        }
        assertNotEquals(leader, publisher.leaderMemberId(), "another member leads");
        nodes[leader] = start(leader);
        publishAcked(100, "e");

        for (int id = 0; id < MEMBERS; id++)
        {
            awaitJournal(id);
        }
    }

    private void publishAcked(final int count, final String prefix)
    {
        for (int i = 0; i < count; i++)
        {
            final String payload = prefix + "-" + i;
            final long sequence = publish(payload);
            assertTrue(sequence > 0, payload + ": " + PublishResult.describe(sequence));
            accept(sequence, payload);
        }
    }

    private void accept(final long sequence, final String payload)
    {
        assertTrue(sequence > lastSequence, "sequence " + sequence + " after " + lastSequence + ": never reused");
        lastSequence = sequence;
        acked.add(payload);
        ackedSequences.add(sequence);
    }

    /**
     * The client, connected before the first publish and never disconnected, has every event of its topic once
     * and in order (topic sequences 1..n without a gap or repeat, global sequences rising), and each acknowledged
     * publish at the global sequence its acknowledgement gave (the load publisher's topics are not its).
     */
    private void awaitDelivered(final int edge, final WebSocketTestClient client) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((client.events.isEmpty() || client.events.get(client.events.size() - 1).globalSequence() < lastSequence) &&
            System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertTrue(!client.closeCode.isDone(), "edge " + edge + "'s client was disconnected: " + client.closeReason);
        final Map<Long, String> bySequence = new HashMap<>();
        long lastGlobal = 0;
        for (int i = 0; i < client.events.size(); i++)
        {
            final WebSocketTestClient.Event event = client.events.get(i);
            assertEquals(i + 1, event.topicSequence(), "edge " + edge + ": every event of the topic once, in order " +
                "(event " + i + " of " + client.events.size() + ")");
            assertTrue(event.globalSequence() > lastGlobal, "edge " + edge + ": global sequences rise");
            lastGlobal = event.globalSequence();
            bySequence.put(event.globalSequence(), event.payload());
        }
        for (int i = 0; i < acked.size(); i++)
        {
            assertEquals(acked.get(i), bySequence.get(ackedSequences.get(i)),
                "edge " + edge + ": acknowledged publish at sequence " + ackedSequences.get(i));
        }
        System.out.println("edge " + edge + ": " + client.events.size() + " events of its topic (last global " +
            lastGlobal + "), each once and in order; " +
            scrape(edgeUrl(edge) + "metrics", "push_edge_events_in_total") + " events in, " +
            scrape(edgeUrl(edge) + "metrics", "push_edge_cluster_member_switches_total") + " member switches, " +
            scrape(edgeUrl(edge) + "metrics", "push_edge_stream_duplicates_total") + " duplicates dropped, " +
            scrape(edgeUrl(edge) + "metrics", "push_edge_stream_gap_events_recovered_total") + " recovered");
    }

    private RoleProcess startEdge(final int index) throws Exception
    {
        return RoleProcess.start("edge-" + index, "edge", Map.of(
            "push.edge.host", "127.0.0.1",
            "push.edge.port", "0",
            "push.cluster.hosts", "127.0.0.1,127.0.0.1,127.0.0.1",
            "push.cluster.port.base", String.valueOf(portBase),
            "push.edge.cluster.member", String.valueOf(index),
            "push.edge.cluster.local.host", "127.0.0.1",
            "push.aeron.dir", new File(dir, "aeron-edge-" + index).getAbsolutePath(),
            "push.aeron.term.buffer.length", "1048576"), "push-edge ready");
    }

    private String edgeUrl(final int index)
    {
        final String ready = edges[index].readyLine;
        final int start = ready.indexOf("http://");
        return ready.substring(start, ready.indexOf('/', start + "http://".length()) + 1);
    }

    private int edgePort(final int index)
    {
        final String url = edgeUrl(index);
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1, url.length() - 1));
    }

    private void awaitSubscribed(final int index) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"1".equals(scrape(edgeUrl(index) + "metrics", "push_edge_subscriptions")))
        {
            assertTrue(System.nanoTime() < deadline, "edge " + index + "'s client not subscribed");
            Thread.sleep(50);
        }
    }

    private long publish(final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
        return publisher.publish("prices.cluster", PayloadType.JSON, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * The member's journal holds sequences 1..N with no gap or repeat, and every acknowledged payload exactly once,
     * in acknowledgement order (a publish that went unanswered may be there too: unknown, never lost once acked).
     */
    private void awaitJournal(final int id) throws Exception
    {
        final File journalDir = new File(dir, "cluster/member-" + id + "/journal");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final List<String> payloads = new ArrayList<>();
            final long[] expected = {1};
            try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir));
                JournalReader reader = journal.newReader())
            {
                final MessageHeaderDecoder header = new MessageHeaderDecoder();
                final EventDecoder event = new EventDecoder();
                reader.toStart();
                while (reader.read((buffer, offset, length) ->
                {
                    event.wrapAndApplyHeader(buffer, offset, header);
                    assertEquals(expected[0]++, event.globalSequence(), "journal of member " + id);
                    final byte[] bytes = new byte[event.payloadLength()];
                    event.getPayload(bytes, 0, bytes.length);
                    payloads.add(new String(bytes, StandardCharsets.US_ASCII));
                    return true;
                }, 1024) > 0)
                {
                    // to the end
                }
            }
            if (expected[0] - 1 >= lastSequence)
            {
                for (int i = 0; i < acked.size(); i++)
                {
                    assertEquals(acked.get(i), payloads.get((int)(ackedSequences.get(i) - 1)),
                        "member " + id + ": the acknowledged publish at sequence " + ackedSequences.get(i));
                }
                return;
            }
            assertTrue(System.nanoTime() < deadline,
                "member " + id + "'s journal ends at " + (expected[0] - 1) + ", before " + lastSequence);
            Thread.sleep(100);
        }
    }

    private RoleProcess start(final int id) throws Exception
    {
        return RoleProcess.start("node-" + id, "cluster-node", Map.of(
            "push.cluster.member.id", String.valueOf(id),
            "push.cluster.hosts", "127.0.0.1,127.0.0.1,127.0.0.1",
            "push.cluster.port.base", String.valueOf(portBase),
            "push.cluster.dir", new File(dir, "cluster").getAbsolutePath(),
            "push.cluster.snapshot.interval.ms", "2000", // restarts load a snapshot, then the log after it
            "aeron.dir", new File(dir, "aeron").getAbsolutePath(),
            "push.engine.metrics.port", "0"), ClusterNodeMain.READY_LINE);
    }

    private String ingressEndpoints()
    {
        return ClusterNode.ingressEndpoints(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"), portBase);
    }

    /**
     * The value of {@code push_engine_cluster_role} at the member's {@code /metrics}.
     */
    private void awaitSnapshot(final int id) throws Exception
    {
        final String ready = nodes[id].readyLine;
        final String url = ready.substring(ready.indexOf("metrics=") + "metrics=".length()).trim();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ("0".equals(scrape(url, "push_engine_cluster_snapshots_total")))
        {
            assertTrue(System.nanoTime() < deadline, "member " + id + " wrote no snapshot");
            Thread.sleep(100);
        }
    }

    private String scrapeRole(final int id) throws Exception
    {
        final String ready = nodes[id].readyLine;
        return scrape(ready.substring(ready.indexOf("metrics=") + "metrics=".length()).trim(),
            "push_engine_cluster_role");
    }

    /**
     * The value of a metric at a {@code /metrics} URL, without a trailing {@code .0}.
     */
    private static String scrape(final String url, final String metric) throws Exception
    {
        final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(metric + " ") || line.startsWith(metric + "{"))
            {
                final String value = line.substring(line.lastIndexOf(' ') + 1);
                return value.endsWith(".0") ? value.substring(0, value.length() - 2) : value;
            }
        }
        assertNotNull(null, "no " + metric + " at " + url + ":\n" + body);
        return null;
    }

    private static int freePortBase()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            // below the kernel's ephemeral range (32768-60999 here), which the test's other sockets (edges, clients,
            // drivers) draw from: a member restarted after kill -9 binds its fixed ports again, and one taken
            // meanwhile by an ephemeral socket failed a run ("Address already in use" on 33103)
            final int base = 10_000 + ThreadLocalRandom.current().nextInt(200) * 100;
            if (allFree(base))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free range of UDP ports");
    }

    private static boolean allFree(final int base)
    {
        for (int id = 0; id < MEMBERS; id++)
        {
            for (int offset = 1; offset <= ClusterLayout.LAST_PORT_OFFSET; offset++)
            {
                try (DatagramSocket socket = new DatagramSocket(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), base + id * PORTS_PER_MEMBER + offset)))
                {
                    socket.getLocalPort();
                }
                catch (final Exception ex)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
