package io.pushengine.engine.cluster;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.cluster.service.Cluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.client.ClusterPublisher;
import io.pushengine.client.PublishResult;
import io.pushengine.client.PushPublisher;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.stream.ReplayRequestProxy;
import io.pushengine.codec.stream.ReplayStreamAdapter;
import io.pushengine.codec.stream.ReplayStreamListener;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three members of the replicated sequencer in this JVM (each with its own media driver, archive, consensus
 * module and journal, on real UDP ports of 127.0.0.1) and a publisher on a driver of its own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterSequencerTest
{
    private static final int MEMBERS = 3;

    @TempDir
    File dir;

    private final ClusterNode[] nodes = new ClusterNode[MEMBERS];
    private final ConcurrentHashMap<Integer, Cluster.Role> roles = new ConcurrentHashMap<>();
    private MediaDriver publisherDriver;
    private ClusterPublisher publisher;
    private int portBase;

    @AfterEach
    void close()
    {
        CloseHelper.quietClose(publisher);
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(publisherDriver);
    }

    @Test
    void everyMemberJournalsTheSameEventsAndPublishingGoesOnWhenTheLeaderStops() throws Exception
    {
        portBase = freePortBase();
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = launch(id);
        }
        publisherDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .ingressEndpoints(nodes[0].context().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(3_000));

        final List<String> acked = new ArrayList<>();
        long lastSequence = 0;
        for (int i = 0; i < 50; i++)
        {
            final long sequence = publish(i % 2 == 0 ? "prices.a" : "prices.b", "tick-" + i);
            assertEquals(lastSequence + 1, sequence, "sequences are dense and start at 1");
            lastSequence = sequence;
            acked.add("tick-" + i);
        }
        assertEquals(PublishResult.REJECTED, publish("prices.a", "x".repeat(ProtocolDefaults.DEFAULT_MAX_PAYLOAD_LENGTH + 1)),
            "a payload over the limit is refused");
        assertTrue(publisher.lastRefusal().contains("over the limit"), publisher.lastRefusal());

        final int leader = publisher.leaderMemberId();
        final long stoppedNs = System.nanoTime();
        nodes[leader].close();
        nodes[leader] = null;
        long firstAckAfterNs = 0;

        int unknown = 0;
        for (int i = 50; i < 100; i++)
        {
            final long sequence = publish("prices.a", "tick-" + i);
            if (sequence < 0)
            {
                assertEquals(PublishResult.TIMED_OUT, sequence, PublishResult.describe(sequence));
                unknown++;
                continue;
            }
            assertTrue(sequence > lastSequence, "sequence " + sequence + " after " + lastSequence + ": never reused");
            if (0 == firstAckAfterNs)
            {
                firstAckAfterNs = System.nanoTime();
                System.out.println("leader " + leader + " stopped: first acknowledgement " +
                    TimeUnit.NANOSECONDS.toMillis(firstAckAfterNs - stoppedNs) + " ms later, from member " +
                    publisher.leaderMemberId());
            }
            lastSequence = sequence;
            acked.add("tick-" + i);
        }
        assertTrue(unknown <= 3, unknown + " publishes unanswered across one failover");
        assertNotEquals(leader, publisher.leaderMemberId(), "another member leads");

        for (int id = 0; id < MEMBERS; id++)
        {
            if (id != leader)
            {
                final List<String> journaled = awaitJournal(new File(dir, "member-" + id + "/journal"), lastSequence);
                for (final String payload : acked)
                {
                    assertEquals(1, journaled.stream().filter(payload::equals).count(),
                        payload + " journaled once on member " + id);
                }
            }
        }
    }

    @Test
    void aFollowerServesAnEdgeItsEventsCatalogAndReplaysAndRefusesPublishesSentToIt() throws Exception
    {
        portBase = freePortBase();
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = launch(id);
        }
        publisherDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .ingressEndpoints(nodes[0].context().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(3_000));
        for (int i = 1; i <= 10; i++)
        {
            assertEquals(i, publish(i % 2 == 0 ? "prices.a" : "prices.b", "before-" + i));
        }
        final int follower = (publisher.leaderMemberId() + 1) % MEMBERS;
        final ClusterLayout layout = nodes[follower].context().layout();

        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(publisherDriver.aeronDirectoryName()));
            Subscription events = aeron.addSubscription(
                layout.edgeEventsSubscriptionChannel(follower, "127.0.0.1"), ProtocolDefaults.EVENTS_STREAM_ID);
            Subscription replays = aeron.addSubscription(
                layout.edgeEventsSubscriptionChannel(follower, "127.0.0.1"), ProtocolDefaults.REPLAY_STREAM_ID);
            Publication requests = aeron.addExclusivePublication(
                layout.edgeRequestsChannel(follower), ProtocolDefaults.INGRESS_STREAM_ID);
            Publication replayRequests = aeron.addExclusivePublication(
                layout.edgeRequestsChannel(follower), ProtocolDefaults.REPLAY_REQUEST_STREAM_ID))
        {
            final RecordingListener seen = new RecordingListener();
            final EventStreamAdapter stream = new EventStreamAdapter(events, seen);
            final ReplayStreamAdapter replayStream = new ReplayStreamAdapter(replays, seen);
            awaitTrue(() -> events.isConnected() && requests.isConnected() && replayRequests.isConnected() &&
                replays.isConnected(), "attached to member " + follower);

            final IngressProxy ingress = new IngressProxy(requests);
            awaitTrue(() -> ingress.requestCatalog(77) > 0, "catalog request sent");
            awaitTrue(() -> stream.poll(16) >= 0 && seen.catalogPosition >= 0, "catalog answer");
            assertEquals(10, seen.catalogPosition, "the catalog answer gives the member's position");
            assertEquals(List.of("prices.b", "prices.a"), seen.topics, "every topic, in number order");
            assertEquals(List.of("before-9", "before-10"), seen.lastValues, "each topic's last value");

            assertEquals(11, publish("prices.a", "live-11"));
            awaitTrue(() -> stream.poll(16) >= 0 && seen.events.contains("live-11"), "a live event from the follower");

            final ReplayRequestProxy replayProxy = new ReplayRequestProxy(replayRequests);
            awaitTrue(() -> replayProxy.request(5, 3, 11), "replay request sent");
            awaitTrue(() -> replayStream.poll(16) >= 0 && seen.replayEnded, "replay answered");
            assertEquals(List.of("before-4", "before-5", "before-6", "before-7", "before-8", "before-9", "before-10",
                "live-11"), seen.replayed, "events 4..11 from the follower's journal, in order");

            final UnsafeBuffer payload = new UnsafeBuffer("{}".getBytes(StandardCharsets.US_ASCII));
            awaitTrue(() -> ingress.publish(99, "prices.a", PayloadType.JSON, 0, payload, 0, 2) > 0, "publish sent");
            awaitTrue(() -> stream.poll(16) >= 0 && null != seen.refusal, "publish refused");
            assertTrue(seen.refusal.contains("cluster's ingress"), seen.refusal);
            assertEquals(12, publish("prices.a", "after"), "the refused publish took no sequence");
        }

        // the publisher library in front of the cluster: the same calls as in front of one engine
        try (PushPublisher library = PushPublisher.connect(new PushPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .clusterIngressEndpoints(layout.ingressEndpoints())
            .clusterEgressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .maxPayloadLength(2 * ProtocolDefaults.DEFAULT_MAX_PAYLOAD_LENGTH)))
        {
            assertTrue(library.isConnected());
            final UnsafeBuffer payload = new UnsafeBuffer("{}".getBytes(StandardCharsets.US_ASCII));
            assertEquals(13, library.publish("prices.a", PayloadType.JSON, payload, 0, 2));
            assertEquals(8, library.lastTopicSequence(), "prices.a's eighth event");
            assertTrue(library.offer("prices.b", PayloadType.JSON, payload, 0, 2) > 0, "offered, no answer asked");
            assertEquals(15, library.publish("prices.b", PayloadType.JSON, payload, 0, 2), "after the offered one");
            final int over = ProtocolDefaults.DEFAULT_MAX_PAYLOAD_LENGTH + 1; // the library allows it, the cluster not
            assertEquals(PublishResult.REJECTED, library.publish("prices.a", PayloadType.OPAQUE,
                new UnsafeBuffer(new byte[over]), 0, over));
            assertTrue(library.lastRefusal().contains("over the limit"), library.lastRefusal());
        }
    }

    @Test
    void theLeaderHasTheClusterSnapshotOnScheduleAndARestartedMemberCatchesUpFromItsSnapshotAndTheLog()
        throws Exception
    {
        portBase = freePortBase();
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = launch(id, 1_000);
        }
        publisherDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .ingressEndpoints(nodes[0].context().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(3_000));
        for (int i = 1; i <= 10; i++)
        {
            assertEquals(i, publish("prices.a", "s-" + i));
        }
        for (int id = 0; id < MEMBERS; id++)
        {
            final ClusterNode node = nodes[id];
            awaitTrue(() -> counter(node, CounterType.ENGINE_CLUSTER_SNAPSHOTS) >= 1,
                "member " + id + " wrote a snapshot on schedule");
        }
        final int follower = (publisher.leaderMemberId() + 1) % MEMBERS;
        nodes[follower].close();
        nodes[follower] = null;
        for (int i = 11; i <= 20; i++)
        {
            assertEquals(i, publish("prices.a", "s-" + i));
        }
        nodes[follower] = launch(follower, 1_000);
        final List<String> journaled = awaitJournal(new File(dir, "member-" + follower + "/journal"), 20);
        assertEquals(20, journaled.size(), "events 1..20 once each, after a restart from its snapshot");

        // a member whose journal is gone but whose cluster directory has a snapshot must refuse, not serve a hole
        final long snapshots = counter(nodes[follower], CounterType.ENGINE_CLUSTER_SNAPSHOTS);
        awaitTrue(() -> counter(nodes[follower], CounterType.ENGINE_CLUSTER_SNAPSHOTS) > snapshots,
            "a snapshot after the restart");
        nodes[follower].close();
        nodes[follower] = null;
        org.agrona.IoUtil.delete(new File(dir, "member-" + follower + "/journal"), false);
        final java.util.concurrent.atomic.AtomicReference<RuntimeException> refused =
            new java.util.concurrent.atomic.AtomicReference<>();
        nodes[follower] = ClusterNode.launch(new ClusterNode.Context()
            .memberId(follower)
            .hosts(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"))
            .portBase(portBase)
            .baseDir(dir)
            .leaderHeartbeatTimeoutMs(1_000)
            .startFailureHandler(refused::set));
        awaitTrue(() -> null != refused.get(), "the member refuses its snapshot");
        assertTrue(refused.get().getMessage().contains("journal ends at sequence 0 but its cluster snapshot is at"),
            refused.get().getMessage());
    }

    @Test
    void withASecretTheClusterIngressTakesOnlySessionsWithATokenAndOnlyTheTopicsItGrants() throws Exception
    {
        final byte[] key = "test-only-throwaway-hs256-key-not-a-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
        portBase = freePortBase();
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = ClusterNode.launch(new ClusterNode.Context()
                .memberId(id)
                .hosts(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"))
                .portBase(portBase)
                .baseDir(dir)
                .leaderHeartbeatTimeoutMs(1_000)
                .ingressJwtSecret(key));
        }
        publisherDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        final ClusterPublisher.Context base = new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriver.aeronDirectoryName())
            .ingressEndpoints(nodes[0].context().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(3_000);

        final Exception noToken = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
            () -> ClusterPublisher.connect(copy(base)).close(), "a session without a token is rejected at connect");
        assertTrue(String.valueOf(noToken.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("authentication"),
            String.valueOf(noToken.getMessage()));
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
            () -> ClusterPublisher.connect(copy(base).token(sign(key, "old", -3_600_000, List.of("*")))).close(),
            "an expired token is rejected at connect");
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
            () -> ClusterPublisher.connect(copy(base).token(sign("another-key-another-key-another-key-0123"
                .getBytes(StandardCharsets.US_ASCII), "forged", 3_600_000, List.of("*")))).close(),
            "a token signed with another key is rejected at connect");

        publisher = ClusterPublisher.connect(copy(base).token(sign(key, "price-feed", 3_600_000, List.of("prices.*"))));
        assertEquals(1, publish("prices.a", "granted"));
        assertEquals(PublishResult.REJECTED, publish("orders.x", "not granted"));
        assertTrue(publisher.lastRefusal().contains("'orders.x' is not granted to price-feed"), publisher.lastRefusal());
        assertEquals(2, publish("prices.b", "granted"), "the refused publish took no sequence");
        final ClusterNode leader = nodes[publisher.leaderMemberId()];
        assertEquals(1, counter(leader, CounterType.ENGINE_INGRESS_REFUSED), "the refusal is counted");
    }

    private static ClusterPublisher.Context copy(final ClusterPublisher.Context base)
    {
        return new ClusterPublisher.Context()
            .aeronDirectoryName(publisherDriverDir(base))
            .ingressEndpoints(base.ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
            .publishTimeoutMs(3_000);
    }

    private static String publisherDriverDir(final ClusterPublisher.Context base)
    {
        return base.aeronDirectoryName();
    }

    static String sign(final byte[] key, final String subject, final long expiresInMs, final List<String> publish)
        throws Exception
    {
        final com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
            new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
            new com.nimbusds.jwt.JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(new java.util.Date(System.currentTimeMillis() + expiresInMs))
                .claim("pub_topics", publish)
                .build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(key));
        return jwt.serialize();
    }

    private static long counter(final ClusterNode node, final CounterType type)
    {
        final long[] value = {-1};
        final org.agrona.concurrent.status.CountersReader counters = node.countersReader();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == type.typeId())
            {
                value[0] = counters.getCounterValue(counterId);
            }
        });
        return value[0];
    }

    private static final class RecordingListener implements EventStreamListener, ReplayStreamListener
    {
        final List<String> topics = new ArrayList<>();
        final List<String> lastValues = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final List<String> replayed = new ArrayList<>();
        long catalogPosition = -1;
        boolean replayEnded;
        String refusal;

        public void onEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
        {
            events.add(payloadOf(event));
        }

        public void onTopicDeclared(final int topic, final String topicName)
        {
            if (catalogPosition < 0)
            {
                topics.add(topicName);
            }
        }

        public void onLastValue(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
        {
            lastValues.add(payloadOf(event));
        }

        public void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
        {
            assertEquals(77, correlationId);
            catalogPosition = lastGlobalSequence;
        }

        public void onPublishRefused(final long correlationId, final String reason)
        {
            assertEquals(99, correlationId);
            refusal = reason;
        }

        public void onReplayBegin(final long correlationId)
        {
            assertEquals(5, correlationId);
        }

        public void onReplayedEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
        {
            replayed.add(payloadOf(event));
        }

        public void onReplayEnd(final long correlationId, final long lastSequence, final long oldestRetained, final boolean tooOld)
        {
            assertEquals(11, lastSequence);
            replayEnded = true;
        }

        private static String payloadOf(final EventDecoder event)
        {
            final byte[] bytes = new byte[event.payloadLength()];
            event.getPayload(bytes, 0, bytes.length);
            return new String(bytes, StandardCharsets.US_ASCII);
        }
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what + ": not within 20 s");
            Thread.sleep(5);
        }
    }

    private long publish(final String topic, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
        return publisher.publish(topic, PayloadType.JSON, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * The member's journal as payloads in sequence order, once it holds {@code lastSequence}; asserts the sequences
     * are 1, 2, 3... with no gap or repeat.
     */
    private static List<String> awaitJournal(final File journalDir, final long lastSequence) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
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
                    assertEquals(expected[0]++, event.globalSequence(), "journal of " + journalDir);
                    final byte[] bytes = new byte[event.payloadLength()];
                    event.getPayload(bytes, 0, bytes.length);
                    payloads.add(new String(bytes, StandardCharsets.US_ASCII));
                    return true;
                }, 1024) > 0)
                {
                    // to the end
                }
            }
            if (expected[0] - 1 >= lastSequence || System.nanoTime() > deadline)
            {
                assertTrue(expected[0] - 1 >= lastSequence,
                    journalDir + " ends at " + (expected[0] - 1) + ", before " + lastSequence);
                return payloads;
            }
            Thread.sleep(50);
        }
    }

    private ClusterNode launch(final int id)
    {
        return launch(id, 0);
    }

    private ClusterNode launch(final int id, final long snapshotIntervalMs)
    {
        return ClusterNode.launch(new ClusterNode.Context()
            .snapshotIntervalMs(snapshotIntervalMs)
            .memberId(id)
            .hosts(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"))
            .portBase(portBase)
            .baseDir(dir)
            .leaderHeartbeatTimeoutMs(1_000)
            .roleListener((role, memberId) -> roles.put(memberId, role)));
    }

    /**
     * A base port whose members' ports are all free on UDP now (the members bind them a moment later).
     */
    static int freePortBase() throws Exception
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            // below the kernel's ephemeral range (32768-60999 here), which the test's other sockets (edges, clients,
            // drivers) draw from: a member restarted after kill -9 binds its fixed ports again, and one taken
            // meanwhile by an ephemeral socket failed a run ("Address already in use" on 33103)
            final int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
            if (allFree(base))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free range of UDP ports");
    }

    private static boolean allFree(final int base)
    {
        for (int port = base; port < base + MEMBERS * ClusterNode.PORTS_PER_MEMBER; port++)
        {
            if (port % ClusterNode.PORTS_PER_MEMBER == 0 || port % ClusterNode.PORTS_PER_MEMBER > ClusterLayout.LAST_PORT_OFFSET)
            {
                continue;
            }
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
            {
                socket.getLocalPort();
            }
            catch (final Exception ex)
            {
                return false;
            }
        }
        return true;
    }
}
