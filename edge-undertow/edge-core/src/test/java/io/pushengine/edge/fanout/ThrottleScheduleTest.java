package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThrottleScheduleTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ThrottleSchedule schedule = new ThrottleSchedule();
    private final List<TopicSubscription> released = new ArrayList<>();

    @Test
    void releasesOnlyHeldSubscriptionsAndOnlyOnceDueInDueOrderAcrossIntervals()
    {
        final TopicSubscription fast = throttled("fast", 10); // 100 ms
        final TopicSubscription slow = throttled("slow", 2); // 500 ms
        final TopicSubscription notHeld = throttled("idle", 10);
        schedule.sent(slow, 0);
        schedule.sent(fast, 0);
        schedule.sent(notHeld, 0);
        assertEquals(100 * MS, fast.nextDueNs);
        assertEquals(500 * MS, slow.nextDueNs);
        assertFalse(schedule.hasHeld(), "sent, nothing held: the fan-out may park");
        schedule.hold(fast);
        schedule.hold(slow);
        assertTrue(schedule.hasHeld());

        assertEquals(0, schedule.releaseDue(100 * MS - 1, released::add), "nothing before its due time");
        assertEquals(1, schedule.releaseDue(100 * MS, released::add));
        assertEquals(List.of(fast), released, "the idle one's entry is dropped, not released");
        assertFalse(fast.held, "released: no longer held");
        assertTrue(schedule.hasEntries(), "slow's entry is still running");

        assertEquals(1, schedule.releaseDue(600 * MS, released::add));
        assertEquals(List.of(fast, slow), released);
        assertFalse(schedule.hasEntries());
        assertFalse(schedule.hasHeld(), "every held value released");
    }

    @Test
    void anEntryLeftBehindBySendingAgainIsStale()
    {
        final TopicSubscription subscription = throttled("a", 10);
        schedule.sent(subscription, 0);
        schedule.sent(subscription, 50 * MS); // e.g. its rate changed and it was sent at once
        schedule.hold(subscription);

        assertEquals(0, schedule.releaseDue(100 * MS, released::add), "the first entry is not its due time now");
        assertTrue(subscription.held);
        assertEquals(1, schedule.releaseDue(150 * MS, released::add));
        assertEquals(List.of(subscription), released);
    }

    @Test
    void keepsDueOrderWhileItsQueueGrowsAndWraps()
    {
        final List<TopicSubscription> sent = new ArrayList<>();
        long nowNs = 0;
        for (int i = 0; i < 50; i++)
        {
            final TopicSubscription subscription = throttled("t" + i, 1000); // 1 ms
            schedule.sent(subscription, nowNs += 1000);
            schedule.hold(subscription);
            sent.add(subscription);
        }
        assertEquals(40, schedule.releaseDue(MS + 40_000, released::add), "the first 40 (wraps the first ring)");
        for (int i = 50; i < 250; i++)
        {
            final TopicSubscription subscription = throttled("t" + i, 1000);
            schedule.sent(subscription, nowNs += 1000);
            schedule.hold(subscription);
            sent.add(subscription);
        }
        assertEquals(210, schedule.releaseDue(nowNs + MS, released::add));
        assertEquals(sent, released, "in the order they were sent, which is due order");
        assertFalse(schedule.hasEntries());
    }

    private static TopicSubscription throttled(final String topic, final int eventsPerSecond)
    {
        return new TopicSubscription(
            null, new TopicSubscribers(topic), DeliveryPolicy.of(BackpressurePolicy.THROTTLE, eventsPerSecond), 0);
    }
}
