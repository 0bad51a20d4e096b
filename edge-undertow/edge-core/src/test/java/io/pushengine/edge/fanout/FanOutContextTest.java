package io.pushengine.edge.fanout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad settings of an embedded fan-out are refused at {@link FanOut.Context#conclude()}, before anything is attached,
 * with the property's name and the value.
 */
class FanOutContextTest
{
    @Test
    void refusesBadSettingsNamingTheProperty()
    {
        assertEquals("push.edge.max.connection.age.ms must be >= 0 (0: never): -1", assertThrows(
            IllegalArgumentException.class, () -> new FanOut.Context().maxConnectionAgeMs(-1).conclude()).getMessage());
        assertEquals("push.edge.ring.capacity must be a power of two: 5000", assertThrows(
            IllegalArgumentException.class, () -> new FanOut.Context().ringCapacity(5000).conclude()).getMessage());
        assertEquals("push.edge.ring.initial.capacity must be a power of two of at least 1024: 512", assertThrows(
            IllegalArgumentException.class, () -> new FanOut.Context().initialRingCapacity(512).conclude())
            .getMessage());
        final String badPolicy = assertThrows(IllegalArgumentException.class,
            () -> new FanOut.Context().backpressurePolicy("sometimes").conclude()).getMessage();
        assertTrue(badPolicy.startsWith("policy must be one of ") &&
            badPolicy.endsWith("'push.edge.backpressure.policy'"), badPolicy);
        assertEquals("push.edge.heartbeat.interval.ms must be > 0: 0", assertThrows(
            IllegalArgumentException.class, () -> new FanOut.Context().heartbeatIntervalMs(0).conclude()).getMessage());

        final io.pushengine.codec.ClusterLayout cluster =
            new io.pushengine.codec.ClusterLayout(java.util.List.of("h0", "h1", "h2"), 20000);
        assertEquals("push.edge.cluster.member=3 must be one of 0..2 (3 hosts in push.cluster.hosts)", assertThrows(
            IllegalArgumentException.class, () -> new FanOut.Context().clusterLayout(cluster).clusterMemberId(3)
            .conclude()).getMessage());
        assertEquals("push.edge.cluster.member.timeout.ms=100 must be at least 500 (members heartbeat every 250 ms)",
            assertThrows(IllegalArgumentException.class, () -> new FanOut.Context().clusterLayout(cluster)
            .clusterMemberTimeoutMs(100).conclude()).getMessage());
    }

    @Test
    void concludesOnceAndCapsTheInitialRingAtTheRing()
    {
        final FanOut.Context ctx = new FanOut.Context().ringCapacity(2048).initialRingCapacity(4096).conclude();
        assertTrue(ctx.isConcluded());
        assertEquals(2048, ctx.initialRingCapacity());
        assertThrows(IllegalStateException.class, ctx::conclude);
    }
}
