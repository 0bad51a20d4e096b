package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Event-stream continuity: when the stream skips sequences (the transport lost data, or the engine stopped between
 * journaling and sending), the stream is held at the next event while the missing range is replayed from the journal
 * through the engine and fed to the fan-out as if it had come live, in order; then the stream goes on and clients
 * see no gap. What the journal no longer holds is counted lost and skipped (clients resuming across it get a reset).
 * One gap at a time; a request is sent again every {@link #RETRY_NS} until answered (a new engine session forgets
 * requests made to the old one). Fan-out thread only.
 */
final class StreamGapRecovery
{
    static final long RETRY_NS = TimeUnit.SECONDS.toNanos(2);
    private static final Logger LOG = LoggerFactory.getLogger(StreamGapRecovery.class);

    private final EventStreamAdapter stream;
    private final EventStreamListener live;
    private final ReplayRequester replayRequester;
    private final ReplayCorrelationIds correlationIds;
    private final FanOutCounters counters;
    private long correlationId;
    private long toSequence;
    private long requestedNs;
    private boolean requestSent;
    private boolean replayActive;

    /**
     * @param stream          the event stream being recovered (its position moves as replayed events go live).
     * @param live            where recovered events go, as if they had come live.
     * @param replayRequester asks the engine for replays; null: a gap is counted lost at once.
     */
    StreamGapRecovery(
        final EventStreamAdapter stream,
        final EventStreamListener live,
        final ReplayRequester replayRequester,
        final ReplayCorrelationIds correlationIds,
        final FanOutCounters counters)
    {
        this.stream = stream;
        this.live = live;
        this.replayRequester = replayRequester;
        this.correlationIds = correlationIds;
        this.counters = counters;
    }

    /**
     * True while a gap is being filled: the live stream is not polled meanwhile.
     */
    boolean isRecovering()
    {
        return 0 != correlationId;
    }

    /**
     * The stream went from {@code lastSequence} to {@code nextSequence}.
     *
     * @return true to hold the stream at the next event while the gap is filled; false if it cannot be (no journal
     * to ask: the missing events are counted lost).
     */
    boolean onGap(final long lastSequence, final long nextSequence)
    {
        if (0 != correlationId)
        {
            return true; // already filling a gap: hold until it is done
        }
        counters.streamGaps().incrementRelease();
        if (null == replayRequester)
        {
            counters.streamGapEventsLost().getAndAddRelease(nextSequence - lastSequence - 1);
            return false;
        }
        LOG.warn("event stream gap: events {} to {} not received; replaying them from the journal",
            lastSequence + 1, nextSequence - 1);
        correlationId = correlationIds.next();
        toSequence = nextSequence - 1;
        requestSent = false;
        replayActive = false;
        return true;
    }

    /**
     * A new engine session: a request made to the old engine may never be answered; ask again.
     */
    void onEngineRestarted()
    {
        requestSent = false;
    }

    /**
     * Ask for the replay of what is still missing, at first and then every {@link #RETRY_NS}.
     *
     * @return 1 if a request was sent.
     */
    int requestReplay(final long nowNs)
    {
        if (requestSent && nowNs - requestedNs < RETRY_NS)
        {
            return 0;
        }
        // from where the stream stands: on a retry, part of the gap may already have been replayed
        if (replayRequester.request(correlationId, stream.lastGlobalSequence(), toSequence))
        {
            requestSent = true;
            requestedNs = nowNs;
            counters.replayRequests().incrementRelease();
            return 1;
        }
        return 0;
    }

    /**
     * A replay begins.
     *
     * @return true if it is the gap's (its events are this recovery's until it ends).
     */
    boolean onReplayBegin(final long correlationId)
    {
        replayActive = 0 != this.correlationId && correlationId == this.correlationId;
        return replayActive;
    }

    /**
     * True between the begin and the end of the gap's replay.
     */
    boolean isReplayActive()
    {
        return replayActive;
    }

    /**
     * An event of the gap's replay: the ones the stream has not yet seen go live, in order.
     */
    void onReplayedEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        final long sequence = event.globalSequence();
        if (sequence > stream.lastGlobalSequence() && sequence <= toSequence)
        {
            stream.advanceTo(sequence);
            live.onEvent(event, buffer, offset, length);
            counters.streamGapEventsRecovered().incrementRelease();
        }
    }

    /**
     * A replay ended.
     *
     * @return true if it was the gap's: what it did not bring is lost, and the stream goes on.
     */
    boolean onReplayEnd(final long correlationId, final long oldestRetained)
    {
        if (0 == this.correlationId || correlationId != this.correlationId)
        {
            return false;
        }
        if (!replayActive)
        {
            // its beginning never reached this edge (the replay stream joined while it was being sent): what came
            // of it was not taken; ask again, under a new id so a late copy of this answer is not taken for it
            counters.replayRetries().incrementRelease();
            LOG.warn("replay answer {} arrived without its beginning: asking again for {} to {}",
                correlationId, stream.lastGlobalSequence() + 1, toSequence);
            this.correlationId = correlationIds.next();
            requestSent = false;
            return true;
        }
        replayActive = false;
        final long missing = toSequence - stream.lastGlobalSequence();
        if (missing > 0)
        {
            // past the journal's retention: nothing can bring them back; clients resuming later get a reset
            counters.streamGapEventsLost().getAndAddRelease(missing);
            LOG.error("event stream gap: {} events up to {} are no longer in the journal (oldest retained {})",
                missing, toSequence, oldestRetained);
            stream.advanceTo(toSequence);
        }
        this.correlationId = 0;
        return true;
    }
}
