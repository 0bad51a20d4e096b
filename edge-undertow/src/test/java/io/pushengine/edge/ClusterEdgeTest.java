package io.pushengine.edge;

import io.aeron.cluster.service.Cluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.engine.cluster.ClusterNode;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An edge in front of three members of the replicated sequencer (each with its own media driver, archive, consensus
 * module and journal on UDP ports of 127.0.0.1), on a media driver of its own, with a real WebSocket client: the
 * edge follows the leader's event stream and publishes through the cluster's ingress; the leader stops; the edge
 * moves to another member and its publishes to the new leader, and the client, never disconnected, has every event
 * once and in order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterEdgeTest
{
    private static final int MEMBERS = 3;
    private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

    @TempDir
    File dir;

    private final ClusterNode[] nodes = new ClusterNode[MEMBERS];
    private final ConcurrentHashMap<Integer, Cluster.Role> roles = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private MediaDriver edgeDriver;
    private EdgeServer edge;

    @AfterEach
    void close()
    {
        CloseHelper.quietClose(edge);
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(edgeDriver);
    }

    @Test
    void anEdgeFollowingTheLeaderMovesToAnotherMemberWhenItStopsAndItsClientMissesNothing() throws Exception
    {
        final int portBase = freePortBase();
        final ClusterLayout layout = new ClusterLayout(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"), portBase);
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = ClusterNode.launch(new ClusterNode.Context()
                .memberId(id)
                .hosts(layout.hosts())
                .portBase(portBase)
                .baseDir(dir)
                .leaderHeartbeatTimeoutMs(1_000)
                .roleListener((role, memberId) -> roles.put(memberId, role)));
        }
        final int leader = await(() -> roles.entrySet().stream()
            .filter(entry -> Cluster.Role.LEADER == entry.getValue()).map(entry -> entry.getKey()).findFirst()
            .orElse(-1), id -> id >= 0, "a leader");

        edgeDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        edge = EdgeServer.launch(new EdgeServer.Context()
            .host("127.0.0.1")
            .port(0)
            .aeronDirectoryName(edgeDriver.aeronDirectoryName())
            .cluster(layout)
            .clusterAttachment(leader, "127.0.0.1", 1_000));
        await(edge::isReady, () -> "edge not ready on the cluster");

        final List<String> acked = new ArrayList<>();
        final List<Long> ackedSequences = new ArrayList<>();
        try (WebSocketTestClient client = new WebSocketTestClient(
            URI.create("ws://127.0.0.1:" + edge.port() + "/ws?topics=px.a")))
        {
            await(() -> edge.counters().fanOut().subscriptions().get() >= 1, () -> "subscription not applied");
            for (int i = 0; i < 20; i++)
            {
                publishUntilAcked("tick-" + i, acked, ackedSequences);
            }
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ackedSequences.subList(0, 5), "sequences from 1, dense");
            await(() -> client.events.size() >= 20, () -> "before the stop: " + client.events.size() + " events");

            final long stoppedNs = System.nanoTime();
            nodes[leader].close();
            nodes[leader] = null;
            for (int i = 20; i < 40; i++)
            {
                publishUntilAcked("tick-" + i, acked, ackedSequences);
            }
            System.out.println("leader " + leader + " stopped: edge publishing and delivering again after " +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedNs) + " ms (all 20 acked)");

            final long lastAcked = ackedSequences.get(ackedSequences.size() - 1);
            await(() -> !client.events.isEmpty() &&
                client.events.get(client.events.size() - 1).globalSequence() >= lastAcked,
                () -> "client has " + client.events.size() + " events, last acked sequence " + lastAcked);
            assertTrue(client.closeCode.getNow(-1) == -1, "the client was never disconnected");
            final Set<Long> seen = new HashSet<>();
            for (int i = 0; i < client.events.size(); i++)
            {
                final WebSocketTestClient.Event event = client.events.get(i);
                assertEquals(i + 1, event.globalSequence(), "every sequence once and in order: " + sequences(client));
                assertTrue(seen.add(event.globalSequence()));
            }
            for (int i = 0; i < acked.size(); i++)
            {
                final long sequence = ackedSequences.get(i);
                assertEquals(acked.get(i), client.events.get((int)sequence - 1).payload(),
                    "the acked publish at sequence " + sequence);
            }
            final String metrics = get("/metrics");
            assertTrue(metricValue(metrics, "push_edge_cluster_member_switches_total") >= 1, metrics);
            assertTrue(metricValue(metrics, "push_edge_cluster_member") != leader, "follows another member now");
        }
    }

    @Test
    void anEdgePublishesToAClusterThatRequiresATokenWithItsOwnTokenAndOnlyWhatItGrants() throws Exception
    {
        final int portBase = freePortBase();
        final ClusterLayout layout = new ClusterLayout(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"), portBase);
        for (int id = 0; id < MEMBERS; id++)
        {
            nodes[id] = ClusterNode.launch(new ClusterNode.Context()
                .memberId(id)
                .hosts(layout.hosts())
                .portBase(portBase)
                .baseDir(dir)
                .leaderHeartbeatTimeoutMs(1_000)
                .ingressJwtSecret(Tokens.SECRET));
        }
        edgeDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnShutdown(true));
        edge = EdgeServer.launch(new EdgeServer.Context()
            .host("127.0.0.1")
            .port(0)
            .aeronDirectoryName(edgeDriver.aeronDirectoryName())
            .cluster(layout)
            .clusterAttachment(0, "127.0.0.1", 1_000)
            .ingressToken(Tokens.token("edge-a", 3_600_000, List.of(), List.of("px.*"))));
        await(edge::isReady, () -> "edge not ready on the cluster");

        final List<String> acked = new ArrayList<>();
        final List<Long> sequences = new ArrayList<>();
        publishUntilAcked("granted", acked, sequences);
        assertEquals(List.of(1L), sequences);
        final HttpResponse<String> refused = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + edge.port() + "/publish/orders.x"))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("not granted")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("'orders.x' is not granted to edge-a"), refused.body());
        publishUntilAcked("granted again", acked, sequences);
        assertEquals(List.of(1L, 2L), sequences, "the refused publish took no sequence");
    }

    private void publishUntilAcked(final String payload, final List<String> acked, final List<Long> sequences)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + edge.port() + "/publish/px.a"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
            if (200 == response.statusCode())
            {
                final Matcher matcher = SEQUENCE.matcher(response.body());
                assertTrue(matcher.find(), response.body());
                acked.add(payload);
                sequences.add(Long.parseLong(matcher.group(1)));
                return;
            }
            // 503/504 while the cluster elects: unknown, maybe committed; a retry may sequence it a second time
            Thread.sleep(100);
        }
        throw new AssertionError(payload + " not acknowledged within 30 s");
    }

    private static String sequences(final WebSocketTestClient client)
    {
        final StringBuilder text = new StringBuilder();
        client.events.forEach(event -> text.append(event.globalSequence()).append(' '));
        return text.toString();
    }

    private String get(final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metricValue(final String metrics, final String name)
    {
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith(name + "{") || line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " in /metrics");
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
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), base + id * ClusterLayout.PORTS_PER_MEMBER + offset)))
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
