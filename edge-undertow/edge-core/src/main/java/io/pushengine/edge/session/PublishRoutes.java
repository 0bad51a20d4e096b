package io.pushengine.edge.session;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the engine's answer to a publish sent by a client connection (a WebSocket {@code Publish}) goes: the edge
 * forwards the request over its Aeron ingress with a correlation id of its own, and the engine's acknowledgement
 * (on the event stream, seen by every edge) carries only that id. This table maps the id back to the connection and
 * the client's own correlation id, without allocating: a slot per id modulo the capacity, claimed by the IO thread
 * that forwards the request, read and freed by the fan-out thread that receives the answer. A slot still in use
 * when its id comes round again refuses the publish ({@link #NO_SLOT}): the capacity bounds the edge's publishes
 * in flight. A slot whose answer has not come for {@code lostAfterNs} (the engine restarted and lost it) is taken
 * over by the next claim that lands on it.
 * <p>
 * Ids have bit 62 set and a random prefix per edge, so they never equal the ids of this edge's HTTP publishes
 * (below 2<sup>62</sup>) and are unlikely to equal another edge's; an answer whose id is not in its slot is not
 * this edge's and is ignored.
 * <p>
 * Threading: {@link #claim} and {@link #release} from any IO thread; {@link #take} from the fan-out thread.
 *
 * @param <S> what an answer is routed to (the edge's {@link ClientSession}).
 */
public final class PublishRoutes<S>
{
    /**
     * Returned by {@link #claim} when the id's slot is still in use.
     */
    public static final long NO_SLOT = -1;

    private static final long ROUTED_BIT = 1L << 62;
    private static final long CLAIMED = -1;

    private final AtomicLong nextId;
    private final AtomicLongArray ids;
    private final Object[] sessions;
    private final long[] clientCorrelationIds;
    private final long[] claimedAtNs;
    private final long lostAfterNs;
    private final int mask;
    private long takenClientCorrelationId;

    /**
     * How long an answer may take before its slot is taken as lost, by default: far beyond any engine round trip.
     */
    public static final long LOST_AFTER_NS_DEFAULT = TimeUnit.MINUTES.toNanos(1);

    /**
     * @param capacity    publishes the edge can have in flight at once; a power of two.
     * @param lostAfterNs how long an unanswered slot holds before a claim may take it over.
     */
    public PublishRoutes(final int capacity, final long lostAfterNs)
    {
        this.lostAfterNs = lostAfterNs;
        this.claimedAtNs = new long[capacity];
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.ids = new AtomicLongArray(capacity);
        this.sessions = new Object[capacity];
        this.clientCorrelationIds = new long[capacity];
        this.mask = capacity - 1;
        this.nextId = new AtomicLong(ROUTED_BIT | (long)ThreadLocalRandom.current().nextInt(1, 1 << 30) << 32);
    }

    /**
     * @return true if {@code correlationId} has the form of a routed publish's id (this edge's or another's).
     */
    public static boolean isRouted(final long correlationId)
    {
        return 0 != (correlationId & ROUTED_BIT);
    }

    /**
     * Route the answer to {@code correlationId}'s request to {@code session}. IO thread.
     *
     * @return the id to send the request with, or {@link #NO_SLOT} if the edge has its capacity in flight.
     */
    public long claim(final S session, final long clientCorrelationId, final long nowNs)
    {
        final long id = nextId.incrementAndGet();
        final int slot = (int)id & mask;
        if (!ids.compareAndSet(slot, 0, CLAIMED))
        {
            final long occupant = ids.get(slot); // acquire: claimedAtNs below is the occupant's
            if (occupant <= 0 || nowNs - claimedAtNs[slot] < lostAfterNs ||
                !ids.compareAndSet(slot, occupant, CLAIMED))
            {
                return NO_SLOT; // in flight, or being claimed or taken right now
            }
            // its answer has not come for lostAfterNs: the engine lost it (e.g. it restarted)
        }
        sessions[slot] = session;
        clientCorrelationIds[slot] = clientCorrelationId;
        claimedAtNs[slot] = nowNs;
        ids.setRelease(slot, id);
        return id;
    }

    /**
     * The request was not sent after all: free its slot. IO thread.
     */
    public void release(final long id)
    {
        final int slot = (int)id & mask;
        sessions[slot] = null;
        ids.compareAndSet(slot, id, 0);
    }

    /**
     * The session an answer to {@code id} goes to, freeing the slot; its client's correlation id is then
     * {@link #takenClientCorrelationId()}. Fan-out thread.
     *
     * @return null if {@code id} is not in flight here (another edge's request, or its session is gone).
     */
    @SuppressWarnings("unchecked")
    public S take(final long id)
    {
        final int slot = (int)id & mask;
        if (ids.getAcquire(slot) != id)
        {
            return null;
        }
        final S session = (S)sessions[slot];
        takenClientCorrelationId = clientCorrelationIds[slot];
        sessions[slot] = null;
        ids.setRelease(slot, 0);
        return session;
    }

    /**
     * The client's correlation id of the last {@link #take}. Fan-out thread.
     */
    public long takenClientCorrelationId()
    {
        return takenClientCorrelationId;
    }
}
