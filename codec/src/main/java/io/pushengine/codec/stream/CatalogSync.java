package io.pushengine.codec.stream;

/**
 * Keeps a subscriber's topic catalog in step with the engine: sends a {@code CatalogRequest} once the event stream is
 * connected, and again every {@link #RETRY_NS} until the matching {@code CatalogComplete} arrives (a request sent
 * before the engine was listening is simply lost). {@link #requestAgain()} restarts it, e.g. on an unknown topic.
 * Duty-cycle methods are for the polling thread; {@link #isComplete()} may be read from any thread.
 */
public final class CatalogSync
{
    public static final long RETRY_NS = 500_000_000L;

    private final long correlationId = System.nanoTime() | 1;
    private final IngressProxy ingressProxy;
    private volatile boolean complete;
    private boolean wanted = true;
    private long lastRequestNs;

    public CatalogSync(final IngressProxy ingressProxy, final long nowNs)
    {
        this.ingressProxy = ingressProxy;
        this.lastRequestNs = nowNs - RETRY_NS;
    }

    /**
     * @return 1 if a request was sent, else 0.
     */
    public int doWork(final long nowNs, final boolean eventStreamConnected)
    {
        if (!wanted || !eventStreamConnected || nowNs - lastRequestNs < RETRY_NS)
        {
            return 0;
        }
        lastRequestNs = nowNs;
        ingressProxy.requestCatalog(correlationId);
        return 1;
    }

    /**
     * The id this subscriber's requests carry: the {@code CatalogComplete} that answers it carries it back.
     */
    public long correlationId()
    {
        return correlationId;
    }

    public void requestAgain()
    {
        wanted = true;
    }

    /**
     * The engine restarted: what it knows must be learned again before {@link #isComplete()} is true.
     */
    public void restart()
    {
        complete = false;
        wanted = true;
    }

    /**
     * @return true if it answers this subscriber's request (not another's).
     */
    public boolean onCatalogComplete(final long correlationId)
    {
        if (correlationId == this.correlationId)
        {
            complete = true;
            wanted = false;
            return true;
        }
        return false;
    }

    /**
     * @return true once the engine has announced every topic it had when it answered.
     */
    public boolean isComplete()
    {
        return complete;
    }
}
