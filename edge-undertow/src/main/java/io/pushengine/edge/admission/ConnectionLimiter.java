package io.pushengine.edge.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections per client address and per subject, across IO threads, so that no one address or
 * token can take the whole edge. A {@link Permit} is taken at admission and given back when the connection ends.
 */
public final class ConnectionLimiter
{
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> perSubject = new ConcurrentHashMap<>();
    private final int maxPerAddress;
    private final int maxPerSubject;

    /**
     * One connection's place in the counts; {@link #release()} is idempotent.
     */
    public final class Permit
    {
        private final String address;
        private final String subject;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(final String address, final String subject)
        {
            this.address = address;
            this.subject = subject;
        }

        public void release()
        {
            if (released.compareAndSet(false, true))
            {
                decrement(perAddress, address);
                if (null != subject)
                {
                    decrement(perSubject, subject);
                }
            }
        }
    }

    public ConnectionLimiter(final int maxPerAddress, final int maxPerSubject)
    {
        this.maxPerAddress = maxPerAddress;
        this.maxPerSubject = maxPerSubject;
    }

    /**
     * @param subject null when not known yet (authentication by first message) or not counted.
     * @return a permit, or null when the address or the subject is at its limit (nothing is taken then).
     */
    public Permit tryAcquire(final String address, final String subject)
    {
        if (!increment(perAddress, address, maxPerAddress))
        {
            return null;
        }
        if (null != subject && !increment(perSubject, subject, maxPerSubject))
        {
            decrement(perAddress, address);
            return null;
        }
        return new Permit(address, subject);
    }

    /**
     * Count a subject learned after admission (first-message authentication) on top of an address permit.
     *
     * @return a permit for the subject alone, or null at its limit.
     */
    public Permit tryAcquireSubject(final String subject)
    {
        if (!increment(perSubject, subject, maxPerSubject))
        {
            return null;
        }
        return new Permit(null, subject);
    }

    public int connectionsOf(final String address)
    {
        final AtomicInteger count = perAddress.get(address);
        return null == count ? 0 : count.get();
    }

    public int maxPerAddress()
    {
        return maxPerAddress;
    }

    public int maxPerSubject()
    {
        return maxPerSubject;
    }

    private static boolean increment(
        final ConcurrentHashMap<String, AtomicInteger> counts, final String key, final int max)
    {
        final AtomicInteger count = counts.computeIfAbsent(key, k -> new AtomicInteger());
        if (count.incrementAndGet() > max)
        {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    private static void decrement(final ConcurrentHashMap<String, AtomicInteger> counts, final String key)
    {
        if (null == key)
        {
            return;
        }
        counts.computeIfPresent(key, (k, count) -> 0 == count.decrementAndGet() ? null : count);
    }
}
