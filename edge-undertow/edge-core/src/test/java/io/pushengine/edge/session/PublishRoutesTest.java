package io.pushengine.edge.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table that routes the engine's answers to connections' publishes back to them: unit tests, no threads.
 */
class PublishRoutesTest
{
    private static final long LOST_AFTER_NS = 1_000;
    private final PublishRoutes<String> routes = new PublishRoutes<>(4, LOST_AFTER_NS);
    private long nowNs = 1;

    @Test
    void anAnswerGoesToTheConnectionThatClaimedItsIdWithTheClientsCorrelationId()
    {
        final long a = routes.claim("conn-a", 11, nowNs);
        final long b = routes.claim("conn-b", 22, nowNs);
        assertTrue(PublishRoutes.isRouted(a) && PublishRoutes.isRouted(b), "ids are marked as routed");
        assertFalse(PublishRoutes.isRouted(a & ~(1L << 62)), "an HTTP publish's id (below 2^62) is not");

        assertEquals("conn-b", routes.take(b));
        assertEquals(22, routes.takenClientCorrelationId());
        assertEquals("conn-a", routes.take(a));
        assertEquals(11, routes.takenClientCorrelationId());
        assertNull(routes.take(a), "an answer is taken once");
    }

    @Test
    void anIdNotInFlightHereIsIgnored()
    {
        final long mine = routes.claim("conn", 1, nowNs);
        assertNull(routes.take(mine + 4), "same slot, another id (another edge's, say)");
        assertEquals("conn", routes.take(mine));
    }

    @Test
    void theCapacityBoundsPublishesInFlightAndAReleasedIdFreesItsSlot()
    {
        final long first = routes.claim("c", 1, nowNs);
        routes.claim("c", 2, nowNs);
        routes.claim("c", 3, nowNs);
        routes.claim("c", 4, nowNs);
        assertEquals(PublishRoutes.NO_SLOT, routes.claim("c", 5, nowNs), "four in flight fill a table of four");

        routes.release(first);
        long reused = PublishRoutes.NO_SLOT;
        int attempts = 0;
        while (PublishRoutes.NO_SLOT == reused)
        {
            reused = routes.claim("c", 7, nowNs); // ids move on: the freed slot is claimed when its turn comes
            attempts++;
        }
        assertTrue(attempts <= 4, "the freed slot came round after " + attempts + " claims");
        assertEquals("c", routes.take(reused));
        assertEquals(7, routes.takenClientCorrelationId());
    }

    @Test
    void aSlotUnansweredForTheLostTimeIsTakenOverAndItsAnswerGoesNowhere()
    {
        final long lost = routes.claim("old", 1, nowNs);
        for (int i = 0; i < 3; i++)
        {
            routes.take(routes.claim("c", 100 + i, nowNs));
        }
        assertEquals(PublishRoutes.NO_SLOT, routes.claim("new", 2, nowNs + LOST_AFTER_NS - 1),
            "still in flight: a full table refuses, it does not evict");
        for (int i = 0; i < 3; i++)
        {
            routes.take(routes.claim("c", 200 + i, nowNs));
        }
        final long late = routes.claim("new", 3, nowNs + LOST_AFTER_NS); // the lost one's slot again, its time up
        assertNotEquals(PublishRoutes.NO_SLOT, late);
        assertNull(routes.take(lost), "the lost answer, should it come, goes nowhere");
        assertEquals("new", routes.take(late));
        assertEquals(3, routes.takenClientCorrelationId());
    }
}
