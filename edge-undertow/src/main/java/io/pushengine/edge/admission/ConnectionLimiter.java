package io.pushengine.edge.admission;

import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.StatusCodes;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

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
     * One connection's place in the counts; {@link #release()} is idempotent. As an exchange's completion listener
     * it gives the place back when the exchange ends, unless that exchange became a WebSocket (which gives it back
     * when the connection closes): one object per request for a poll.
     */
    public final class Permit implements ExchangeCompletionListener
    {
        private final String address;
        private final String subject;
        volatile int released;

        private Permit(final String address, final String subject)
        {
            this.address = address;
            this.subject = subject;
        }

        public void release()
        {
            if (RELEASED.compareAndSet(this, 0, 1))
            {
                decrement(perAddress, address);
                if (null != subject)
                {
                    decrement(perSubject, subject);
                }
            }
        }

        public void exchangeEvent(final HttpServerExchange exchange, final NextListener next)
        {
            if (StatusCodes.SWITCHING_PROTOCOLS != exchange.getStatusCode())
            {
                release();
            }
            next.proceed();
        }
    }

    private static final AtomicIntegerFieldUpdater<Permit> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");

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
