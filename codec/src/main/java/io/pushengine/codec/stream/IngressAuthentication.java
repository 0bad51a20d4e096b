package io.pushengine.codec.stream;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.TimeUnit;

/**
 * Presents a sender's token to an engine whose ingress requires one: when the ingress publication connects (so
 * again after an engine restart, which forgets every session) and then every {@link #REFRESH_INTERVAL_MS} ms (so a
 * replaced token takes effect). Runs as an agent beside the sender's own, or is driven by {@link #doWork()}.
 */
public final class IngressAuthentication implements Agent
{
    public static final long REFRESH_INTERVAL_MS = 10_000;

    private final IngressProxy ingress;
    private final NanoClock clock;
    private volatile String token;
    private boolean sentOnThisConnection;
    private long nextSendNs;

    public IngressAuthentication(final IngressProxy ingress, final String token, final NanoClock clock)
    {
        this.ingress = ingress;
        this.token = token;
        this.clock = clock;
    }

    /**
     * Replace the token (any thread): sent at the next duty cycle.
     */
    public void token(final String token)
    {
        this.token = token;
        this.nextSendNs = 0;
    }

    public String roleName()
    {
        return "ingress-authentication";
    }

    public int doWork()
    {
        final String current = token;
        if (null == current)
        {
            return 0;
        }
        if (!ingress.isConnected())
        {
            sentOnThisConnection = false;
            return 0;
        }
        final long nowNs = clock.nanoTime();
        if (sentOnThisConnection && nowNs - nextSendNs < 0)
        {
            return 0;
        }
        if (ingress.authenticate(0, current) > 0)
        {
            sentOnThisConnection = true;
            nextSendNs = nowNs + TimeUnit.MILLISECONDS.toNanos(REFRESH_INTERVAL_MS);
            return 1;
        }
        return 0;
    }
}
