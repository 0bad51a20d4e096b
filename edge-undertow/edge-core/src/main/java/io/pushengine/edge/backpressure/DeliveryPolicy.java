package io.pushengine.edge.backpressure;

import java.util.concurrent.TimeUnit;

/**
 * The policy of one subscription: what to do when its connection falls behind, and for {@link
 * BackpressurePolicy#THROTTLE} the most events per second it may be sent.
 *
 * @param policy             what to do when the connection falls behind.
 * @param maxEventsPerSecond THROTTLE only: the cap, at least 1; 0 for the other policies.
 */
public record DeliveryPolicy(BackpressurePolicy policy, int maxEventsPerSecond)
{
    public static final DeliveryPolicy DISCONNECT = new DeliveryPolicy(BackpressurePolicy.DISCONNECT, 0);
    public static final DeliveryPolicy CONFLATE = new DeliveryPolicy(BackpressurePolicy.CONFLATE, 0);
    public static final DeliveryPolicy DROP = new DeliveryPolicy(BackpressurePolicy.DROP, 0);

    public DeliveryPolicy
    {
        if (policy == BackpressurePolicy.THROTTLE ? maxEventsPerSecond < 1 : maxEventsPerSecond != 0)
        {
            throw new IllegalArgumentException("a rate goes with THROTTLE only, and is at least 1/s: " +
                policy + " " + maxEventsPerSecond);
        }
    }

    public static DeliveryPolicy of(final BackpressurePolicy policy, final int throttleRate)
    {
        switch (policy)
        {
            case DISCONNECT:
                return DISCONNECT;
            case CONFLATE:
                return CONFLATE;
            case DROP:
                return DROP;
            default:
                return new DeliveryPolicy(BackpressurePolicy.THROTTLE, throttleRate);
        }
    }

    /**
     * @return the least time between two events of a THROTTLE subscription, 0 for the other policies.
     */
    public long minIntervalNs()
    {
        return 0 == maxEventsPerSecond ? 0 : TimeUnit.SECONDS.toNanos(1) / maxEventsPerSecond;
    }

    /**
     * What a subscription gets when the topic's rule is {@code rule} and the client asked for {@code requested}
     * (null: it did not ask). A client may choose any policy it is allowed, except that it cannot lift a server
     * throttle: on a THROTTLE topic it stays throttled, at the lower of the two rates if it asked for one.
     */
    public static DeliveryPolicy resolve(final DeliveryPolicy rule, final DeliveryPolicy requested)
    {
        if (null == requested)
        {
            return rule;
        }
        if (rule.policy == BackpressurePolicy.THROTTLE)
        {
            return requested.policy == BackpressurePolicy.THROTTLE &&
                requested.maxEventsPerSecond < rule.maxEventsPerSecond ? requested : rule;
        }
        return requested;
    }

    public String toString()
    {
        return policy == BackpressurePolicy.THROTTLE ?
            "throttle:" + maxEventsPerSecond : policy.name().toLowerCase();
    }
}
