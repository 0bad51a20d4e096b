package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import io.pushengine.codec.metrics.LatencyHistogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection as the fan-out sees it: a bounded single-producer/single-consumer ring between the fan-out
 * agent (producer) and the connection's Undertow IO thread (consumer), plus the signalling between them.
 * <p>
 * The fan-out never blocks and never touches the socket: it writes into the ring and asks for a flush; the IO
 * thread drains the ring into frames only as fast as the socket takes them (nothing more is built while a write is
 * unfinished). The ring
 * is the only buffer that grows with a slow client, and it is bounded; what happens when it is full is each
 * subscription's {@link DeliveryPolicy}.
 * <p>
 * The ring is allocated by the fan-out when there is first something to send, at a small initial capacity, and
 * released after it has stayed empty for a while, so an idle connection holds no ring and a quiet one a small one.
 * When a small ring has no room the fan-out goes on in a ring of the full capacity, linked after it: the IO thread
 * reads the rings in the order they were linked ({@link RingLink}), so nothing is reordered. Only a full ring of
 * the full capacity is a slow client. Heartbeats do not use rings: the IO thread writes them.
 * <p>
 * Shared-log mode: a connection whose subscriptions all take every event in order (DISCONNECT, CONFLATE) and that has
 * nothing else queued need not get a copy of each event: the fan-out writes a {@code SHARED_LOG_FROM} marker
 * (sequence and topics) into its ring once, and from then on only signals it; its IO thread reads the events of its
 * topics from the edge's {@link RecentEvents} by cursor, one copy of each event per edge. Anything else the
 * connection must be sent in order (a control message, a snapshot, a changed subscription) first closes the segment
 * with a {@code SHARED_LOG_UNTIL} marker at the newest event appended, so the IO thread finishes the log up to there
 * before it reads on in the ring. A cursor that falls out of the log is a slow consumer, closed; unless every
 * subscription conflates (CONFLATE reads the log too while it is less than its ring capacity behind): then its IO
 * thread skips ahead and the fan-out re-sends the latest values it missed ({@link #readSharedLog}). THROTTLE reads
 * the log too, gated: the fan-out releases each event a throttled topic is due ({@link #releaseInSharedLog}) and
 * the IO thread takes only those of that topic ({@link SharedLogReleases}).
 * <p>
 * Threading: fields marked "fan-out" belong to the fan-out thread; the transport subclasses' IO state belongs to
 * the IO thread; the ring links, {@link #queuedWork}, {@link #closed} and {@link #lastProgressNs} are the
 * handshake between them. The fields of the handshake that change per event are fields of this object, set
 * through {@link VarHandle}s, not atomics of their own: a delivery then touches the session's own cache lines and
 * no separate objects (at 10 events/s to 1,000 connections every delivery finds its session cold).
 */
public abstract class ClientSession
{
    private static final long NO_WINDOW_ASKED = Long.MAX_VALUE;
    private static final LappedListener NO_LAPPED_LISTENER = session -> {};
    private static final List<SessionSubscription> NO_PENDING_SUBSCRIPTIONS = Collections.emptyList();
    private static final int[] NO_TOPICS = new int[0];
    private static final boolean[] NO_GATES = new boolean[0];
    private static final long[] NO_SEQUENCES = new long[0];
    private static final int FLUSH_QUEUED = 1;
    private static final int HEARTBEAT_QUEUED = 2;
    private static final int TOPIC_SEQUENCE_IN_SLOT =
        MessageHeaderEncoder.ENCODED_LENGTH + EventDecoder.topicSequenceEncodingOffset();
    private static final int TOPIC_SEQUENCE_IN_SLOT_END = TOPIC_SEQUENCE_IN_SLOT + Long.BYTES;
    /**
     * {@link #queuedWork} carries the shortest batching window asked with a flush in its upper half, as the window
     * in milliseconds plus one (0: none asked), so the IO thread takes a flush and its window in one atomic.
     */
    private static final int WINDOW_SHIFT = 32;
    private static final long WORK_MASK = 0xFFFF_FFFFL;
    private static final VarHandle QUEUED_WORK;
    private static final VarHandle SEGMENT_ENDS_WRITTEN;
    private static final VarHandle FALLEN_OUT_OF_SHARED_LOG;
    private static final VarHandle RELEASES_SKIPPED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            QUEUED_WORK = lookup.findVarHandle(ClientSession.class, "queuedWork", long.class);
            SEGMENT_ENDS_WRITTEN = lookup.findVarHandle(ClientSession.class, "segmentEndsWritten", long.class);
            FALLEN_OUT_OF_SHARED_LOG = lookup.findVarHandle(
                ClientSession.class, "fallenOutOfSharedLog", boolean.class);
            RELEASES_SKIPPED = lookup.findVarHandle(ClientSession.class, "releasesSkipped", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long sessionId;
    private final String transport;
    private final String remoteAddress;
    private final int initialRingCapacity;
    private final int ringCapacity;
    private final AtomicCounter ringBytes;
    private final SessionExecutor ioThread;
    protected final IoThreadFlusher flusher;
    /**
     * Publish-to-write latency of this transport on this connection's IO thread: record each event as it is
     * written; {@link IoThreadFlusher#countWritten} (or {@link IoThreadFlusher#latenciesRecorded}) after the write
     * adds what was recorded to the counters, at the end of the IO thread's slice. IO thread.
     */
    protected final LatencyHistogram writeLatency;
    private volatile boolean fallenOutOfSharedLog; // claimed once, by the fan-out or the IO thread
    /**
     * What the fan-out asked the IO thread for and the IO thread has not yet taken: {@link #FLUSH_QUEUED},
     * {@link #HEARTBEAT_QUEUED}, and above {@link #WINDOW_SHIFT} the window asked with the flush; the connection is
     * in its IO thread's queue while this is not 0 (the request that finds it 0 queues it, the IO thread takes all of
     * it at once). One word, not a flag and a window apart: a window taken apart from its flush could be used up by
     * the flush before it, and the later flush then drained at once what the window should hold.
     */
    private volatile long queuedWork;
    /**
     * {@code SHARED_LOG_UNTIL} markers the fan-out has committed (fan-out writes, IO thread reads), and those the IO
     * thread has read: while they are equal the segment being read has no end yet, and the IO thread need not look
     * in the ring for it.
     */
    private volatile long segmentEndsWritten;
    private long segmentEndsRead;
    private Runnable queuedWorkTask; // made when first needed (its IO thread's queue full): a race makes two, alike
    private Runnable windowTask; // made at the first batching window: most connections never have one (IO thread)
    private final long batchWindowMs;
    private final DeliveryPolicy requestedPolicy;
    private final long maxBytesPerSecond;
    private final long resumeFrom;
    private volatile OneToOneRingBuffer ring;
    private RingLink readLink; // IO thread: the ring being read, or a link before it
    private volatile long heartbeatTimestampNs;
    private volatile long heartbeatLastGlobalSequence;
    private volatile long lastProgressNs = System.nanoTime();
    protected volatile boolean closed;

    // IO thread state
    private boolean batchWindowOpen;
    private long batchWindowEndNs;

    // fan-out thread state
    private final List<SessionSubscription> subscriptions;
    // a list of its own from the first pending subscription: most connections (every long-poll) never have one
    private List<SessionSubscription> pendingSubscriptions = NO_PENDING_SUBSCRIPTIONS;
    private boolean pendingFlush;
    private boolean hasTopicWindows;
    /**
     * The shortest batching window of the events queued since the last {@link #requestFlush()}, which hands it to
     * the IO thread with the flush; {@link #NO_WINDOW_ASKED} when no event asked, e.g. a flush for a confirmation.
     */
    private long askedWindowMs = NO_WINDOW_ASKED;
    private boolean lagging;
    private boolean inPendingList;
    private long lastOfferNs;
    private long lastRingWriteNs;
    private RingLink lastLink; // the newest ring handed to the IO thread (only a link once released)
    private long lastOfferedSequence;
    private long idleSinceNs;
    private int fanOutIndex = -1;
    private long openedNs;
    private ResumeState resume; // only while resuming: most connections never need it
    private long byteCredit;
    private long byteCreditNs;
    private boolean inSnapshot;
    private int snapshotValues;
    private volatile RecentEvents sharedLog; // null when the transport does not read it; set once
    private LappedListener lappedListener = NO_LAPPED_LISTENER; // set before sharedLog
    private boolean inSharedLog;
    private boolean sharedLogEligibilityKnown;
    private boolean sharedLogEligible;
    private boolean sharedLogSkipsWhenLapped; // no subscription disconnects (see OutboundRingDescriptor)
    private boolean sharedLogGapsWhenLapped; // and some drop: a lapped cursor waits for its segment's end
    private int segmentGapEntries; // GAPS_WHEN_LAPPED: its topic count at entry (what its end has room for); else 0
    private long sharedLogUnreadFrom; // the oldest event of its own in the log its IO thread may not have read
    // fan-out makes it at the first THROTTLE subscription that may read the log (before any segment names it gated)
    private volatile SharedLogReleases sharedLogReleases;

    // IO thread writes, fan-out takes: events a conflating connection's cursor skipped when the log's writer lapped
    // it ([from, to], -1 when none is waiting); the IO thread skips again only once the fan-out has taken the last
    private volatile long lappedFromSequence = -1;
    private volatile long lappedToSequence;
    // IO thread sets, fan-out takes: a dropping connection's cursor was lapped and waits for its segment to end
    private volatile boolean segmentEndAsked;
    // IO thread sets, fan-out takes: THROTTLE releases were passed over without being given (SharedLogReleases.skip)
    private volatile boolean releasesSkipped;

    // IO thread writes, fan-out reads: the last sequence the IO thread has passed in a shared-log segment, -1 outside
    volatile long sharedLogReadSequence = -1; // package-private for tests

    // IO thread: the shared-log segment being read (see readSharedLog)
    private long sharedLogNext = -1; // next sequence to consider in a shared-log segment; -1 outside one
    private long sharedLogUntil = Long.MAX_VALUE; // the segment's last sequence, once the fan-out has set it
    private int[] sharedLogTopics = NO_TOPICS; // grown at the first segment: polls and ring readers never read one
    private boolean[] sharedLogGated = NO_GATES; // per topic of the segment: THROTTLE, only released events taken
    private long[] sharedLogGiven = NO_SEQUENCES; // per topic of the segment: a release behind the cursor just given
    private long nextReleaseSequence; // what nextRelease found
    private int sharedLogTopicCount;
    private int sharedLogGatedCount;
    private boolean sharedLogSegmentSkipsWhenLapped;
    private boolean sharedLogSegmentReportsGaps;
    private SharedLogGaps sharedLogGaps; // the first dropping segment makes it: most connections never need it


    protected ClientSession(
        final long sessionId,
        final String transport,
        final String remoteAddress,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options)
    {
        if (initialRingCapacity > ringCapacity)
        {
            throw new IllegalArgumentException(
                "initial ring capacity " + initialRingCapacity + " > ring capacity " + ringCapacity);
        }
        this.sessionId = sessionId;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.flusher = flusher;
        this.ioThread = null == flusher ? null : flusher.ioThread();
        this.writeLatency = null == flusher ? NoFlusher.WRITE_LATENCY : flusher.writeLatency(transport);
        this.initialRingCapacity = initialRingCapacity;
        this.ringCapacity = ringCapacity;
        final RingLink start = new RingLink(null);
        this.readLink = start;
        this.lastLink = start;
        this.ringBytes = ringBytes;
        this.batchWindowMs = options.batchWindowMs();
        this.requestedPolicy = options.requestedPolicy();
        this.maxBytesPerSecond = options.maxBytesPerSecond();
        this.resumeFrom = options.resumeFrom();
        final int topics = options.topics().size();
        this.subscriptions = 0 == topics ? new ArrayList<>() : new ArrayList<>(topics); // a poll's one, not ten
    }

    public long sessionId()
    {
        return sessionId;
    }

    public String transport()
    {
        return transport;
    }

    public String remoteAddress()
    {
        return remoteAddress;
    }

    public boolean isClosed()
    {
        return closed;
    }

    /**
     * The policy the client asked for, or null if it takes each topic's rule.
     */
    public DeliveryPolicy requestedPolicy()
    {
        return requestedPolicy;
    }

    // ---------------------------------------------------------------- fan-out thread
    //
    // One contract for every offer: true once the message is queued in the connection's wire form, or when this
    // transport has nothing to send for it (SSE announces no subscription, a poll no snapshot begin); false only
    // when there is no room for it even in a ring of the full capacity: the client is too slow, and the fan-out
    // applies the subscription's delivery policy (or, for a control message, closes the connection 1013).

    /**
     * Queue an event in this connection's wire form.
     *
     * @return false if the ring is full (the client is too slow).
     */
    public abstract boolean offerEvent(EncodedEvent event);

    /**
     * Tell the client a subscription is live and which number its events carry.
     *
     * @return false only if there is no room (the connection is closed as too slow).
     */
    public abstract boolean offerSubscribed(long correlationId, int topic, long topicSequence, String topicName);

    /**
     * Tell the client it was not sent the events of {@code topic} from {@code fromSequence} to {@code toSequence}.
     */
    public abstract boolean offerGap(
        int topic,
        String topicName,
        long fromSequence,
        long toSequence,
        long fromTopicSequence,
        long toTopicSequence);

    /**
     * Tell the client its resume has caught up: what follows is live. {@code complete} false means events after
     * {@code fromSequence} were no longer retained and it must resync (take a snapshot).
     */
    public abstract boolean offerResumed(long fromSequence, long toSequence, boolean complete, long oldestRetained);

    /**
     * The sequence the client asked to resume after, or {@link ConnectionOptions#NO_RESUME}.
     */
    /**
     * Tell the client the current values of the topics it asked a snapshot of follow.
     *
     * @return false if the ring is full.
     */
    public abstract boolean offerSnapshotBegin(long correlationId);

    /**
     * Tell the client the snapshot is complete: it holds the state after {@code asOfSequence}, live follows.
     *
     * @return false if the ring is full.
     */
    public abstract boolean offerSnapshotEnd(long correlationId, long asOfSequence, int valueCount);

    /**
     * Tell the client a {@code Publish} it sent on this connection is journaled. Only connections whose transport
     * publishes (WebSocket) have publishes in flight, so only they are asked.
     *
     * @return false if the ring is full.
     */
    public boolean offerPublished(
        final long clientCorrelationId, final long globalSequence, final int topic, final long topicSequence)
    {
        throw new UnsupportedOperationException(transport + " connections do not publish");
    }

    /**
     * Tell the client a {@code Publish} it sent on this connection was not sequenced, and why.
     *
     * @return false if the ring is full.
     */
    public boolean offerPublishFailed(final long clientCorrelationId, final String reason)
    {
        throw new UnsupportedOperationException(transport + " connections do not publish");
    }

    /**
     * A snapshot was begun (or ended, false); counts the values sent in it. Fan-out thread.
     */
    public void inSnapshot(final boolean inSnapshot)
    {
        this.inSnapshot = inSnapshot;
        this.snapshotValues = 0;
    }

    public boolean isInSnapshot()
    {
        return inSnapshot;
    }

    public void snapshotValueSent()
    {
        snapshotValues++;
    }

    public int snapshotValues()
    {
        return snapshotValues;
    }

    public long resumeFrom()
    {
        return resumeFrom;
    }

    /**
     * True from registration until the resume has caught up: live events are not given to a resuming session
     * directly; it reads them, in order, from the edge's recent window once its replay reaches them. Fan-out thread.
     */
    public boolean isResuming()
    {
        return null != resume;
    }

    /**
     * Start (cursor at {@link #resumeFrom()}) or end (state dropped) the resume. Fan-out thread.
     */
    public void resuming(final boolean resuming)
    {
        if (resuming)
        {
            resume = new ResumeState(resumeFrom);
        }
        else
        {
            resume = null;
        }
    }

    /**
     * Where the resume has got to; null when not resuming. Fan-out thread.
     */
    public ResumeState resume()
    {
        return resume;
    }

    /**
     * The last sequence a resuming session has been given or has had skipped (not on its topics). Fan-out thread.
     */
    public long resumeCursor()
    {
        return resume.cursor();
    }

    // ---------------------------------------------------------------- shared log (fan-out thread)

    /**
     * Let the connection read events from the edge's shared log (transports whose IO side can). Fan-out thread.
     */
    public void attachSharedLog(final RecentEvents sharedLog)
    {
        attachSharedLog(sharedLog, NO_LAPPED_LISTENER);
    }

    /**
     * As {@link #attachSharedLog(RecentEvents)}, with whom the IO thread tells when it leaves a report of what a
     * conflating connection's cursor skipped. Fan-out thread.
     */
    public void attachSharedLog(final RecentEvents sharedLog, final LappedListener lappedListener)
    {
        if (canReadSharedLog())
        {
            this.lappedListener = lappedListener;
            this.sharedLog = sharedLog; // volatile: publishes the listener with it
        }
    }

    /**
     * Told on the IO thread when it has left a report of events a conflating connection's cursor skipped.
     */
    @FunctionalInterface
    public interface LappedListener
    {
        void onLapped(ClientSession session);
    }

    /**
     * Whether the shared log this connection reads is the edge's text log (SSE blocks) rather than its log of SBE
     * events. Constant for a connection.
     */
    public boolean readsSharedLogAsText()
    {
        return false;
    }

    /**
     * Whether this session reads events from the edge's text log at all (SSE connections; polls, whose live
     * answers are read there): while a topic has such a subscriber, the fan-out renders each of its events into
     * that log. Constant for a session.
     */
    public boolean readsTextLog()
    {
        return readsSharedLogAsText();
    }

    /**
     * Whether this transport's IO side reads {@code SHARED_LOG_*} markers.
     */
    protected boolean canReadSharedLog()
    {
        return false;
    }

    /**
     * Whether this transport's IO side sends the Gap notices its cursor finds in a {@code GAPS_WHEN_LAPPED} segment
     * ({@link #sendSharedLogGap}), so its DROP subscriptions may read the shared log. Constant for a connection.
     */
    public boolean reportsGapsInSharedLog()
    {
        return false;
    }

    /**
     * True while the connection reads its events from the shared log: the fan-out only signals it. Fan-out thread.
     */
    public boolean isInSharedLog()
    {
        return inSharedLog;
    }

    /**
     * Its subscriptions changed: the segment (if any) ends here, and whether it may read the shared log is found
     * again. Fan-out thread.
     *
     * @return false if the segment's end did not fit the ring (room for it is kept from the segment's start, so
     * this is not expected): the connection stays in its segment and the caller closes it as too slow.
     */
    public boolean subscriptionsChanged()
    {
        sharedLogEligibilityKnown = false;
        return !inSharedLog || leaveSharedLog();
    }

    /**
     * From {@code fromSequence} (an event already appended to the shared log) on, read this connection's events
     * from the shared log, if it may: every subscription takes every event while it keeps up (DISCONNECT,
     * CONFLATE), nothing is held back for it, it is not resuming nor in a snapshot. Fan-out thread.
     *
     * @return true if it now reads the shared log (the caller only signals it); false to deliver by copy.
     */
    public boolean tryEnterSharedLog(final long fromSequence)
    {
        if (null == sharedLog || null != resume || inSnapshot || lagging || !pendingSubscriptions.isEmpty() ||
            !isSharedLogEligible())
        {
            return false;
        }
        final int count = subscriptions.size();
        final boolean gaps = sharedLogGapsWhenLapped;
        final int length = OutboundRingDescriptor.sharedLogFromLength(count, gaps);
        if (!hasRoomForSegmentMarkers(length, OutboundRingDescriptor.sharedLogUntilLength(gaps, count)))
        {
            return false; // its segment's end might not fit after it: leaving would cut the connection
        }
        final int index = claim(OutboundRingDescriptor.SHARED_LOG_FROM_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = this.ring;
        final org.agrona.concurrent.AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + OutboundRingDescriptor.FROM_SEQUENCE_OFFSET, fromSequence);
        buffer.putInt(index + OutboundRingDescriptor.TOPIC_COUNT_OFFSET, count);
        buffer.putInt(index + OutboundRingDescriptor.FLAGS_OFFSET,
            (sharedLogSkipsWhenLapped ? OutboundRingDescriptor.SKIP_WHEN_LAPPED_FLAG : 0) |
            (gaps ? OutboundRingDescriptor.GAPS_WHEN_LAPPED_FLAG : 0));
        final int topicSequences = index + OutboundRingDescriptor.lastTopicSequencesOffset(count);
        for (int i = 0; i < count; i++)
        {
            final SessionSubscription subscription = subscriptions.get(i);
            buffer.putInt(index + OutboundRingDescriptor.TOPICS_OFFSET + i * Integer.BYTES,
                subscription.gatedInSharedLog() ? ~subscription.topicNumber() : subscription.topicNumber());
            if (gaps)
            {
                buffer.putLong(topicSequences + i * Long.BYTES, subscription.lastSentTopicSequence());
            }
        }
        ring.commit(index);
        inSharedLog = true;
        segmentGapEntries = gaps ? count : 0;
        sharedLogUnreadFrom = fromSequence;
        return true;
    }

    /**
     * Whether a segment's {@code SHARED_LOG_FROM} marker of {@code fromLength} and, later, its
     * {@code SHARED_LOG_UNTIL} marker both fit the ring: nothing else is written to it while the segment is open, so
     * room checked now is there when the segment ends (a ring smaller than the full capacity grows instead). Each
     * record is counted twice: it may first pad the ring to its end.
     */
    private boolean hasRoomForSegmentMarkers(final int fromLength, final int untilLength)
    {
        final OneToOneRingBuffer ring = ringForWrite();
        if (ring.capacity() < ringCapacity)
        {
            return true;
        }
        final int records =
            BitUtil.align(fromLength + RecordDescriptor.HEADER_LENGTH, RecordDescriptor.ALIGNMENT) +
            BitUtil.align(untilLength + RecordDescriptor.HEADER_LENGTH, RecordDescriptor.ALIGNMENT);
        return ring.capacity() - ring.size() >= 2 * records;
    }

    private boolean isSharedLogEligible()
    {
        if (!sharedLogEligibilityKnown)
        {
            boolean eligible = !subscriptions.isEmpty();
            boolean skips = true;
            boolean drops = false;
            for (int i = 0, size = subscriptions.size(); eligible && i < size; i++)
            {
                final SessionSubscription subscription = subscriptions.get(i);
                eligible = subscription.canReadSharedLog();
                skips &= !subscription.disconnectsWhenBehind();
                drops |= subscription.dropsWhenBehind();
                if (eligible && subscription.gatedInSharedLog())
                {
                    SharedLogReleases releases = sharedLogReleases;
                    if (null == releases)
                    {
                        releases = new SharedLogReleases();
                        sharedLogReleases = releases;
                    }
                    releases.add(subscription.topicNumber());
                }
            }
            sharedLogEligible = eligible;
            sharedLogSkipsWhenLapped = eligible && skips;
            sharedLogGapsWhenLapped = eligible && skips && drops;
            sharedLogEligibilityKnown = true;
        }
        return sharedLogEligible;
    }

    /**
     * End the segment after the newest event in the log: whatever is written next follows those events.
     *
     * @return false if the marker did not fit the ring (the client is too slow).
     */
    private boolean leaveSharedLog()
    {
        return leaveSharedLogAfter(sharedLog.last());
    }

    private boolean leaveSharedLogAfter(final long untilSequence)
    {
        // entries for the segment's dropping topics: a subscription added just before this end (the change that
        // ends it) is not in the segment, so only the first topics are looked at, as many as the ring kept room for
        final int looked = Math.min(segmentGapEntries, subscriptions.size());
        int entries = 0;
        for (int i = 0; i < looked; i++)
        {
            entries += subscriptions.get(i).dropsWhenBehind() ? 1 : 0;
        }
        final int index = claimInRing(OutboundRingDescriptor.SHARED_LOG_UNTIL_MSG_TYPE_ID,
            OutboundRingDescriptor.sharedLogUntilLength(segmentGapEntries > 0, entries));
        if (index <= 0)
        {
            return false;
        }
        final org.agrona.concurrent.AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + OutboundRingDescriptor.UNTIL_SEQUENCE_OFFSET, untilSequence);
        if (segmentGapEntries > 0)
        {
            buffer.putInt(index + OutboundRingDescriptor.UNTIL_ENTRY_COUNT_OFFSET, entries);
            int entry = index + OutboundRingDescriptor.UNTIL_ENTRIES_OFFSET;
            for (int i = 0; i < looked; i++)
            {
                final SessionSubscription subscription = subscriptions.get(i);
                if (subscription.dropsWhenBehind())
                {
                    buffer.putInt(entry, subscription.topicNumber());
                    buffer.putLong(entry + OutboundRingDescriptor.UNTIL_ENTRY_SEQUENCE_OFFSET,
                        subscription.lastSentSequence());
                    buffer.putLong(entry + OutboundRingDescriptor.UNTIL_ENTRY_TOPIC_SEQUENCE_OFFSET,
                        subscription.lastSentTopicSequence());
                    entry += OutboundRingDescriptor.UNTIL_ENTRY_LENGTH;
                }
            }
        }
        ring.commit(index);
        // after the marker, before anything appended to the log after it (see readSegmentEndIfWritten)
        SEGMENT_ENDS_WRITTEN.setRelease(this, segmentEndsWritten + 1);
        inSharedLog = false; // only now: without its end, nothing may go to the ring (the IO thread reads the log)
        return true;
    }

    /**
     * Bytes of the shared log this connection has still to read (0 outside the log). Fan-out thread.
     */
    private int sharedLogBacklog()
    {
        final long readSequence = sharedLogReadSequence;
        // only what is its own: other topics' events past its cursor are nothing it has to take (a client of a
        // quiet topic among busy ones is not behind)
        return readSequence < 0 || null == sharedLog || lastOfferedSequence <= readSequence ? 0 :
            sharedLog.bytesFrom(readSequence + 1);
    }

    /**
     * CONFLATE: whether an event of {@code length} bytes at {@code sequence} may go to the connection without it
     * falling further behind than its ring capacity. In the shared log that is the log's bytes from its oldest event
     * of its own not yet read through this one (other topics' events in between count: it is that far behind the
     * log); otherwise what its ring holds plus what is left of a segment its IO thread is still reading. Whether
     * the ring has room is the ring's write. Fan-out thread.
     *
     * @return false when the connection lags: the event waits as the topic's latest value.
     */
    public boolean hasRoomWithoutLagging(final long sequence, final int length)
    {
        if (inSharedLog)
        {
            final long readSequence = sharedLogReadSequence;
            if (readSequence >= 0 && lastOfferedSequence <= readSequence)
            {
                sharedLogUnreadFrom = sequence; // caught up: nothing of its own is waiting before this one
            }
            final long from = Math.max(sharedLogUnreadFrom, readSequence + 1);
            return (long)sharedLog.bytesFrom(from) - sharedLog.bytesFrom(sequence + 1) <= ringCapacity;
        }
        final int backlog = sharedLogBacklog();
        if (0 == backlog)
        {
            return true;
        }
        final OneToOneRingBuffer ring = this.ring;
        return (long)backlog + (null == ring ? 0 : ring.size()) + length <= ringCapacity;
    }

    /**
     * True when the connection reads the shared log, has nothing of its own left to read in it, and its cursor is
     * more than {@code behindEvents} behind the log's newest event: its IO thread should read through to the head
     * (skipping other topics' events, sending nothing) so the cursor is not lapped while its topics are quiet.
     * Fan-out thread.
     */
    public boolean isIdleFarBehindInSharedLog(final long behindEvents)
    {
        final long readSequence = sharedLogReadSequence;
        return readSequence >= 0 && null != sharedLog && lastOfferedSequence <= readSequence &&
            sharedLog.last() - readSequence > behindEvents;
    }

    /**
     * True when the connection's cursor has fallen out of the shared log with events of its own still to read
     * (they are gone), it does not conflate them away, and the caller is the first to find it (its IO thread may
     * find it too): the caller closes and counts it. Fan-out thread.
     */
    public boolean hasFallenOutOfSharedLog()
    {
        final long readSequence = sharedLogReadSequence;
        return !sharedLogSkipsWhenLapped && // a conflating one skips ahead instead (its IO thread finds it)
            readSequence >= 0 && null != sharedLog && lastOfferedSequence > readSequence &&
            readSequence + 1 < sharedLog.first() && FALLEN_OUT_OF_SHARED_LOG.compareAndSet(this, false, true);
    }

    /**
     * The IO thread found its cursor lapped. Whichever of it and the fan-out finds it first closes the connection
     * and counts it, once. IO thread.
     *
     * @return true if this call is the first to find it.
     */
    protected final boolean claimFallOutOfSharedLog()
    {
        return FALLEN_OUT_OF_SHARED_LOG.compareAndSet(this, false, true);
    }

    /**
     * The first event a conflating connection's cursor skipped when the log's writer lapped it, -1 when no such
     * report waits: the fan-out re-sends the latest value of each of its topics whose latest event is in
     * [{@link #lappedFromSequence()}, {@link #lappedToSequence()}], then calls {@link #lappedReportTaken()}. The
     * IO thread tells the fan-out ({@link LappedListener}); its housekeeping pass looks too. Fan-out thread.
     */
    public long lappedFromSequence()
    {
        return lappedFromSequence;
    }

    /**
     * The last event skipped by the report {@link #lappedFromSequence()} gives. Fan-out thread, after it.
     */
    public long lappedToSequence()
    {
        return lappedToSequence;
    }

    /**
     * The report has been acted on: the IO thread may skip again (signal it to read on). Fan-out thread.
     */
    public void lappedReportTaken()
    {
        lappedFromSequence = -1;
    }

    /**
     * True once after a dropping connection's IO thread found its cursor lapped and asked for its segment to end
     * ({@link #leaveSharedLogNow()}). Fan-out thread.
     */
    public boolean takeSegmentEndAsked()
    {
        if (!segmentEndAsked)
        {
            return false;
        }
        segmentEndAsked = false;
        return true;
    }

    /**
     * End the shared-log segment after the newest event in the log. Fan-out thread.
     *
     * @return false if the marker did not fit the ring (the caller closes the connection).
     */
    public boolean leaveSharedLogNow()
    {
        return leaveSharedLog();
    }

    /**
     * THROTTLE in the shared log: the event at {@code sequence} of {@code topic} (a throttled topic of the segment
     * this connection reads) goes to it; of that topic its IO thread takes only what is released, and a release
     * its cursor has passed first of all. Fan-out thread, while {@link #isInSharedLog()}.
     */
    public void releaseInSharedLog(final int topic, final long sequence)
    {
        sharedLogReleases.release(topic, sequence);
    }

    /**
     * @return true if the shared log this connection reads still holds the event at {@code sequence} of
     * {@code topic} (a throttled topic's latest value can be released from there). Fan-out thread.
     */
    public boolean sharedLogHolds(final int topic, final long sequence)
    {
        final RecentEvents log = sharedLog;
        return null != log && log.contains(sequence) && log.topic(sequence) == topic;
    }

    /**
     * The ring to write into, allocated on first use at the initial capacity. Fan-out thread.
     */
    private OneToOneRingBuffer ringForWrite()
    {
        OneToOneRingBuffer ring = this.ring;
        if (null == ring)
        {
            ring = newRing(initialRingCapacity);
            ringBytes.getAndAdd(initialRingCapacity);
            startRing(ring);
        }
        return ring;
    }

    /**
     * Write a message to the ring, moving to a ring of the full capacity when a smaller one has no room.
     * Fan-out thread.
     *
     * @return false if it does not fit a ring of the full capacity either (the client is too slow).
     */
    protected final boolean write(final int msgTypeId, final DirectBuffer src, final int offset, final int length)
    {
        if (inSharedLog && !leaveSharedLog())
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringForWrite();
        if (length <= ring.maxMsgLength() && ring.write(msgTypeId, src, offset, length))
        {
            return true;
        }
        return growRing() && this.ring.write(msgTypeId, src, offset, length);
    }

    /**
     * An event in a text form, after its publish timestamp ({@link OutboundRingDescriptor#TEXT_EVENT_TEXT_OFFSET}):
     * the IO thread times its delivery from it. Fan-out thread.
     *
     * @return false if there is no room even in a ring of the full capacity.
     */
    protected final boolean writeTextEvent(
        final long timestampNs, final DirectBuffer src, final int offset, final int length)
    {
        final int index = claim(OutboundRingDescriptor.EVENT_MSG_TYPE_ID,
            OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET + length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = this.ring;
        ring.buffer().putLong(index + OutboundRingDescriptor.TEXT_EVENT_TIMESTAMP_OFFSET, timestampNs);
        ring.buffer().putBytes(index + OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET, src, offset, length);
        ring.commit(index);
        return true;
    }

    /**
     * Claim space for a message as {@link #write} would; encode at the index in {@link #ringInUse()}'s buffer,
     * then commit there. Fan-out thread.
     *
     * @return the index, or a value {@code <= 0} if there is no room even in a ring of the full capacity.
     */
    protected final int claim(final int msgTypeId, final int length)
    {
        if (inSharedLog && !leaveSharedLog())
        {
            return -1;
        }
        return claimInRing(msgTypeId, length);
    }

    private int claimInRing(final int msgTypeId, final int length)
    {
        final OneToOneRingBuffer ring = ringForWrite();
        if (length <= ring.maxMsgLength())
        {
            final int index = ring.tryClaim(msgTypeId, length);
            if (index > 0)
            {
                return index;
            }
        }
        return growRing() ? this.ring.tryClaim(msgTypeId, length) : -1;
    }

    /**
     * A ring smaller than the full capacity that has no room is followed by one of the full capacity: the IO thread
     * finishes the smaller one first, so the order is kept, and most connections, which never have much queued,
     * hold only the small one. Fan-out thread.
     */
    private boolean growRing()
    {
        final OneToOneRingBuffer ring = this.ring;
        if (ring.capacity() >= ringCapacity)
        {
            return false;
        }
        final OneToOneRingBuffer larger = newRing(ringCapacity);
        ringBytes.getAndAdd(ringCapacity - ring.capacity()); // the smaller one goes once the IO thread has read it
        startRing(larger);
        return true;
    }

    /**
     * Link a new ring after the last one. The link is published after every write to the older ring, so the IO
     * thread that sees it has seen those writes. Fan-out thread.
     */
    private void startRing(final OneToOneRingBuffer ring)
    {
        final RingLink link = new RingLink(ring);
        this.ring = ring;
        lastLink.next = link;
        lastLink = link;
    }

    /**
     * A ring of {@code capacity} bytes (plus trailer). Fan-out thread. Transports whose rings live briefly may
     * reuse them.
     */
    protected OneToOneRingBuffer newRing(final int capacity)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * The ring being written, or null if there is none (after a successful {@link #claim}, the ring claimed in).
     * Fan-out thread.
     */
    protected final OneToOneRingBuffer ringInUse()
    {
        return ring;
    }

    /**
     * The ring linked before {@link #ringInUse()} that still holds messages (a smaller first ring this connection
     * outgrew), or null. For a connection whose IO thread has read nothing yet (a poll before its answer): the
     * fan-out hands both rings over in order. Fan-out thread.
     */
    protected final OneToOneRingBuffer ringBeforeInUse()
    {
        OneToOneRingBuffer before = null;
        for (RingLink link = readLink; null != link && link != lastLink; link = link.next)
        {
            if (null != link.ring && link.ring.size() > 0)
            {
                before = link.ring;
            }
        }
        return before;
    }

    /**
     * Drop the ring if it is empty and has not been written for {@code idleNs}; the next write allocates another.
     * The IO thread may still hold the old one for a moment: it is empty, so it reads nothing. Fan-out thread.
     *
     * @return true if released.
     */
    public boolean releaseRingIfIdle(final long nowNs, final long idleNs)
    {
        final OneToOneRingBuffer ring = this.ring;
        if (null != ring && !pendingFlush && pendingSubscriptions.isEmpty() && 0 == ring.size() &&
            nowNs - lastRingWriteNs > idleNs)
        {
            dropRing(ring);
            return true;
        }
        return false;
    }

    /**
     * Release the ring for good (the connection is gone). Fan-out thread.
     */
    public void releaseRing()
    {
        final OneToOneRingBuffer ring = this.ring;
        if (null != ring)
        {
            dropRing(ring);
            if (closed)
            {
                freeRing(ring);
            }
        }
    }

    /**
     * Give a ring's memory back now rather than when the garbage collector next runs: called only once the
     * connection is closed, when its IO thread reads nothing more ({@link #closed} is set on the IO thread before
     * the connection's removal reaches the fan-out). Without it a churn of connections leaves their direct rings to
     * the next GC, which a quiet heap may not run for a long time. Fan-out thread.
     */
    protected void freeRing(final OneToOneRingBuffer ring)
    {
        BufferUtil.free(ring.buffer());
    }

    private void dropRing(final OneToOneRingBuffer ring)
    {
        this.ring = null;
        lastLink.ring = null; // the link stays, so a later ring is read after whatever is left here
        ringBytes.getAndAdd(-ring.capacity());
    }

    /**
     * True while a CONFLATE subscription could not be given an event: newer events of the connection's conflating
     * subscriptions wait as latest values until it catches up, so none overtakes another. Fan-out thread.
     */
    public boolean isLagging()
    {
        return lagging;
    }

    public void lagging(final boolean lagging)
    {
        this.lagging = lagging;
    }

    /**
     * Subscriptions with something still to send (a latest value or a gap notice), of the fan-out's own type (it
     * alone adds them). Fan-out thread.
     */
    @SuppressWarnings("unchecked")
    public <S extends SessionSubscription> List<S> pendingSubscriptions()
    {
        return (List<S>)pendingSubscriptions;
    }

    /**
     * Add to {@link #pendingSubscriptions()}. Fan-out thread.
     */
    public void addPendingSubscription(final SessionSubscription subscription)
    {
        if (NO_PENDING_SUBSCRIPTIONS == pendingSubscriptions)
        {
            pendingSubscriptions = new ArrayList<>();
        }
        pendingSubscriptions.add(subscription);
    }

    /**
     * Forget every pending subscription (the connection is gone). Fan-out thread.
     */
    public void clearPendingSubscriptions()
    {
        if (NO_PENDING_SUBSCRIPTIONS != pendingSubscriptions)
        {
            pendingSubscriptions.clear();
        }
    }

    /**
     * @return true if the session was not yet in the fan-out's list of sessions with pending work.
     */
    public boolean markInPendingList()
    {
        if (inPendingList)
        {
            return false;
        }
        inPendingList = true;
        return true;
    }

    public void clearInPendingList()
    {
        inPendingList = false;
    }

    public boolean isInPendingList()
    {
        return inPendingList;
    }

    /**
     * THROTTLE byte budget: a token bucket of {@code maxBytesPerSecond} holding at most a tenth of a second. An
     * event may go when any credit is left, so an event larger than the bucket is not blocked forever; the debt is
     * paid before the next. Fan-out thread.
     *
     * @return true if {@code length} bytes may be sent now (and are charged).
     */
    public boolean tryChargeBytes(final int length, final long nowNs)
    {
        if (0 == maxBytesPerSecond)
        {
            return true;
        }
        final long burst = Math.max(1, maxBytesPerSecond / 10);
        if (0 == byteCreditNs)
        {
            byteCredit = burst;
        }
        else
        {
            final long earned = (nowNs - byteCreditNs) * maxBytesPerSecond / TimeUnit.SECONDS.toNanos(1);
            byteCredit = Math.min(burst, byteCredit + earned);
        }
        byteCreditNs = nowNs;
        if (byteCredit <= 0)
        {
            return false;
        }
        byteCredit -= length;
        return true;
    }

    /**
     * The connection's subscriptions, of the fan-out's own type (it alone adds them). Fan-out thread.
     */
    @SuppressWarnings("unchecked")
    public <S extends SessionSubscription> List<S> subscriptions()
    {
        return (List<S>)subscriptions;
    }

    public long lastOfferNs()
    {
        return lastOfferNs;
    }

    /**
     * Something was queued for the client at {@code nowNs} (resets the heartbeat and ring-release clocks).
     */
    public void offered(final long nowNs)
    {
        lastOfferNs = nowNs;
        lastRingWriteNs = nowNs;
    }

    /**
     * A heartbeat was asked for at {@code nowNs}: resets the heartbeat clock only (heartbeats bypass the ring).
     */
    public void heartbeatRequested(final long nowNs)
    {
        lastOfferNs = nowNs;
    }

    public long lastOfferedSequence()
    {
        return lastOfferedSequence;
    }

    public void lastOfferedSequence(final long sequence)
    {
        lastOfferedSequence = sequence;
    }

    /**
     * Position in the fan-out's list of sessions, -1 when not registered (for O(1) removal). Fan-out thread.
     */
    /**
     * When the fan-out took this connection on (its clock). Fan-out thread.
     */
    public void openedNs(final long openedNs)
    {
        this.openedNs = openedNs;
    }

    public long openedNs()
    {
        return openedNs;
    }

    /**
     * True for connections that stream for as long as the client likes (WebSocket, SSE), which recycling closes
     * when old; false for a poll, which ends by itself.
     */
    public boolean isLongLived()
    {
        return true;
    }

    public int fanOutIndex()
    {
        return fanOutIndex;
    }

    public void fanOutIndex(final int index)
    {
        fanOutIndex = index;
    }

    /**
     * When the session last had no subscription (0 while it has one). Fan-out thread.
     */
    public long idleSinceNs()
    {
        return idleSinceNs;
    }

    public void idleSinceNs(final long nowNs)
    {
        idleSinceNs = nowNs;
    }

    /**
     * @return true if the session was not already waiting for a flush signal this duty cycle.
     */
    public boolean markPendingFlush()
    {
        if (pendingFlush)
        {
            return false;
        }
        pendingFlush = true;
        return true;
    }

    /**
     * True between {@link #markPendingFlush()} and {@link #clearPendingFlush()}: the fan-out has it in its list of
     * connections to signal.
     */
    public boolean hasPendingFlush()
    {
        return pendingFlush;
    }

    public void clearPendingFlush()
    {
        pendingFlush = false;
    }

    /**
     * An event of a topic with a batching window of {@code topicWindowMs} (0: the connection's window) was queued:
     * the next flush waits at most that long for later events, or less if another event queued with it asks for
     * less. Fan-out thread, before {@link #requestFlush()}.
     */
    public void mayWaitFor(final long topicWindowMs)
    {
        if (topicWindowMs > 0)
        {
            hasTopicWindows = true;
        }
        else if (!hasTopicWindows)
        {
            return; // the IO thread takes the connection's window when no event asked: no atomic on the hot path
        }
        final long windowMs = topicWindowMs > 0 ? topicWindowMs : batchWindowMs;
        if (windowMs < askedWindowMs)
        {
            askedWindowMs = windowMs;
        }
    }

    /**
     * Ask the IO thread to drain the ring. The connection joins its IO thread's next pass at most once however many
     * events arrive ({@link IoThreadFlusher}).
     */
    public void requestFlush()
    {
        final long windowMs = askedWindowMs;
        askedWindowMs = NO_WINDOW_ASKED;
        if (!closed)
        {
            if (NO_WINDOW_ASKED == windowMs)
            {
                queueForIoThread(FLUSH_QUEUED);
            }
            else
            {
                queueFlushWithWindow(windowMs);
            }
        }
    }

    /**
     * Ask the IO thread to send a heartbeat if it is not busy sending something else.
     */
    public void requestHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        heartbeatTimestampNs = timestampNs;
        heartbeatLastGlobalSequence = lastGlobalSequence;
        if (!closed)
        {
            queueForIoThread(HEARTBEAT_QUEUED);
        }
    }

    private void queueForIoThread(final int work)
    {
        // always the atomic, never a plain read first: it is also the fence that orders what was just written to
        // the ring before the IO thread's taking of this flag (a read could see the flag still set while the IO
        // thread takes it and misses the write still in this core's store buffer)
        if (0 == (long)QUEUED_WORK.getAndBitwiseOr(this, (long)work))
        {
            flusher.requestFlush(this); // nothing was asked: not in the IO thread's queue
        }
    }

    private void queueFlushWithWindow(final long windowMs)
    {
        final long asked = Math.min(windowMs, Integer.MAX_VALUE - 1L) + 1;
        long current;
        long next;
        do
        {
            current = queuedWork;
            final long askedBefore = current >>> WINDOW_SHIFT;
            next = (current & WORK_MASK) | FLUSH_QUEUED |
                ((0 == askedBefore || asked < askedBefore ? asked : askedBefore) << WINDOW_SHIFT);
        }
        while (!QUEUED_WORK.compareAndSet(this, current, next));
        if (0 == current)
        {
            flusher.requestFlush(this);
        }
    }

    /**
     * The task that runs this connection's queued work on its own, when its IO thread's queue is full.
     */
    Runnable flushTask()
    {
        Runnable task = queuedWorkTask;
        if (null == task)
        {
            task = this::runQueuedWork;
            queuedWorkTask = task;
        }
        return task;
    }

    /**
     * Close the connection on its IO thread. WebSocket: with {@code code} and {@code reason}; SSE: the stream ends.
     */
    public void requestClose(final int code, final String reason)
    {
        if (!closed)
        {
            ioThread.execute(() -> closeOnIoThread(code, reason));
        }
    }

    /**
     * Bytes waiting in the ring and, in shared-log mode, in the shared log. Fan-out thread (other threads: the
     * ring's part only is meaningful).
     */
    public int bufferedBytes()
    {
        final OneToOneRingBuffer ring = this.ring;
        return (null == ring ? 0 : ring.size()) + sharedLogBacklog();
    }

    /**
     * The last time the IO thread was free to send (found nothing in flight). Data waiting in the ring while this
     * falls behind means the client is not reading. Any thread.
     */
    public long lastProgressNs()
    {
        return lastProgressNs;
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * The ring to read now: the oldest one with something left in it, else the newest; null when nothing has been
     * queued (or it was released). IO thread.
     */
    protected final OneToOneRingBuffer ringForRead()
    {
        RingLink link = readLink;
        while (true)
        {
            final RingLink next = link.next; // read first: once there is a next ring, nothing more comes to this one
            final OneToOneRingBuffer ring = link.ring;
            if (null == next || (null != ring && ring.size() > 0))
            {
                readLink = link;
                return ring;
            }
            link = next;
        }
    }

    /**
     * Read the ring into {@code handler}. A read stops at the end of the buffer: when all it found there was the
     * padding before the wrap, read again from the start, or the connection would wait for the next signal (a
     * heartbeat, seconds away) with messages in its ring. IO thread only.
     *
     * @return number of messages given to the handler.
     */
    protected static int readAcrossWrap(final OneToOneRingBuffer ring, final ControlledMessageHandler handler)
    {
        final int read = ring.controlledRead(handler);
        return 0 != read ? read : ring.controlledRead(handler);
    }

    /**
     * {@link #readSharedLog}: the events of the connection's topics up to the newest or the segment's end were given.
     */
    protected static final int SHARED_LOG_READ = 0;
    /**
     * {@link #readSharedLog}: the events given in this call must be discarded (the log's writer lapped them).
     */
    protected static final int SHARED_LOG_DISCARD = 1;
    /**
     * {@link #readSharedLog}: the cursor fell out of the log; the connection is too slow (DISCONNECT).
     */
    protected static final int SHARED_LOG_FELL_OUT = -1;
    /**
     * {@link #takeReleases}: the handler took no more; the releases left are given in the next call.
     */
    private static final int RELEASES_WAIT_FOR_ROOM = 2;
    /**
     * Throttled topics of a connection whose releases are given oldest first (a search per release); beyond, in
     * topic order.
     */
    private static final int ORDERED_RELEASES = 16;

    /**
     * What a transport does with each event of its connection's topics that it reads from the shared log: append it
     * to what it is building for the socket. IO thread.
     */
    public interface SharedLogEventHandler
    {
        /**
         * @param sequence the event's global sequence.
         * @param buffer   the shared log's buffer.
         * @param offset   where the event's slot starts in it.
         * @param length   the slot's length, within the buffer; not yet checked against the slot's layout (a slot
         *                 the log's writer is overwriting is found after the read, which then is not trusted).
         * @return false to stop before this event: what is being built is full (the rest goes in the next one),
         * or the slot is not what it should be.
         */
        boolean onSharedLogEvent(long sequence, DirectBuffer buffer, int offset, int length);
    }

    /**
     * True while the IO thread reads this connection's events from the shared log (between a
     * {@code SHARED_LOG_FROM} marker and the end of its segment). IO thread.
     */
    protected final boolean isInSharedLogSegment()
    {
        return sharedLogNext >= 0;
    }

    /**
     * A {@code SHARED_LOG_FROM} marker read from the ring at {@code index}: from its sequence on, read the events of
     * its topics from the shared log ({@link #readSharedLog}). IO thread.
     */
    protected final void startSharedLogSegment(final DirectBuffer buffer, final int index)
    {
        final long from = buffer.getLong(index + OutboundRingDescriptor.FROM_SEQUENCE_OFFSET);
        final int count = buffer.getInt(index + OutboundRingDescriptor.TOPIC_COUNT_OFFSET);
        final int flags = buffer.getInt(index + OutboundRingDescriptor.FLAGS_OFFSET);
        sharedLogSegmentSkipsWhenLapped = 0 != (flags & OutboundRingDescriptor.SKIP_WHEN_LAPPED_FLAG);
        sharedLogSegmentReportsGaps = 0 != (flags & OutboundRingDescriptor.GAPS_WHEN_LAPPED_FLAG);
        if (sharedLogTopics.length < count)
        {
            sharedLogTopics = new int[Integer.highestOneBit(count) << 1]; // on a subscription change, not per event
            sharedLogGated = new boolean[sharedLogTopics.length];
            sharedLogGiven = new long[sharedLogTopics.length];
        }
        int gated = 0;
        for (int i = 0; i < count; i++)
        {
            final int topic = buffer.getInt(index + OutboundRingDescriptor.TOPICS_OFFSET + i * Integer.BYTES);
            sharedLogGated[i] = topic < 0; // THROTTLE: written as ~topic
            sharedLogTopics[i] = topic < 0 ? ~topic : topic;
            gated += topic < 0 ? 1 : 0;
        }
        sharedLogTopicCount = count;
        sharedLogGatedCount = gated;
        if (sharedLogSegmentReportsGaps)
        {
            if (null == sharedLogGaps)
            {
                sharedLogGaps = new SharedLogGaps();
            }
            sharedLogGaps.start(count, buffer, index + OutboundRingDescriptor.lastTopicSequencesOffset(count));
        }
        sharedLogNext = from;
        sharedLogUntil = Long.MAX_VALUE;
        sharedLogReadSequence = from - 1;
    }

    /**
     * The {@code SHARED_LOG_UNTIL} marker read from the ring at {@code index}, inside a segment: the segment ends
     * at its sequence. The only message the ring can hold inside a segment. IO thread.
     *
     * @throws IllegalStateException if it is another message.
     */
    protected final void endSharedLogSegment(final int msgTypeId, final DirectBuffer buffer, final int index)
    {
        if (OutboundRingDescriptor.SHARED_LOG_UNTIL_MSG_TYPE_ID != msgTypeId)
        {
            throw new IllegalStateException("message type " + msgTypeId + " inside a shared-log segment");
        }
        sharedLogUntil = buffer.getLong(index + OutboundRingDescriptor.UNTIL_SEQUENCE_OFFSET);
        if (sharedLogSegmentReportsGaps)
        {
            sharedLogGaps.end(buffer, index);
        }
    }

    /**
     * In a shared-log segment: give {@code events} this connection's events from its cursor up to the newest in
     * the log or the segment's end, in order, until it answers false; then move the cursor past what it took (and
     * past other topics' events), and out of the segment once its end is passed. The log is read first, then the
     * ring for the segment's end: the fan-out writes that end before it appends anything after it, so an end not
     * seen now lies beyond what was read. IO thread.
     *
     * A cursor the log's writer has lapped (the events it had still to read are gone) ends the connection when a
     * subscription of the segment is DISCONNECT ({@link #SHARED_LOG_FELL_OUT}); when all conflate, it skips to the
     * newest event or the segment's end and leaves a report of what it skipped, from which the fan-out re-sends the
     * latest values the client missed ({@link #lappedFromSequence()}); while the fan-out has not taken the last
     * report it waits (reads nothing) for the fan-out's signal. When some drop (a {@code GAPS_WHEN_LAPPED} segment)
     * it reads nothing more of the segment: it asks the fan-out to end it, and once the end is read it leaves the
     * segment with a Gap notice for each topic that missed events ({@link #sendSharedLogGap}) and the report for
     * the conflating ones.
     *
     * @param events     what the transport does with each event.
     * @param ringReader reads the segment's end from the ring: the transport's ring handler, which passes a
     *                   message read inside a segment to {@link #endSharedLogSegment} and answers {@code BREAK}.
     * @return {@link #SHARED_LOG_READ}; {@link #SHARED_LOG_DISCARD} if what {@code events} was given in this call
     * cannot be trusted (the writer lapped it) and must be discarded (the cursor skipped, or waits);
     * {@link #SHARED_LOG_FELL_OUT} if the cursor fell out of the log and the caller closes the connection as too
     * slow.
     */
    protected final int readSharedLog(final SharedLogEventHandler events, final ControlledMessageHandler ringReader)
    {
        final RecentEvents log = sharedLog;
        final long newest = log.lastVolatile();
        if (Long.MAX_VALUE == sharedLogUntil)
        {
            readSegmentEndIfWritten(ringReader); // only SHARED_LOG_UNTIL can follow in a segment
        }
        final long end = Math.min(newest, sharedLogUntil);
        final long from = sharedLogNext;
        final boolean reportsGaps = sharedLogSegmentReportsGaps;
        if (reportsGaps)
        {
            if (sharedLogGaps.isLapped())
            {
                return leaveLappedSegmentWithGaps(); // reads nothing more of the segment
            }
            if (log.firstVolatile() > from)
            {
                sharedLogGaps.lapped(from);
                return leaveLappedSegmentWithGaps();
            }
        }
        else if (sharedLogSegmentSkipsWhenLapped && log.firstVolatile() > from)
        {
            return skipLapped(from, end); // nothing read: lapped while the client was not reading
        }
        if (sharedLogGatedCount > 0)
        {
            final boolean allGated = sharedLogGatedCount == sharedLogTopicCount; // nothing but releases to read
            final int released = takeReleases(events, log, allGated ? end : from - 1);
            if (SHARED_LOG_READ != released)
            {
                return RELEASES_WAIT_FOR_ROOM == released ? SHARED_LOG_READ : released;
            }
            if (allGated)
            {
                moveSharedLogCursor(Math.max(from, end + 1));
                return SHARED_LOG_READ;
            }
        }
        final DirectBuffer buffer = log.buffer();
        final int capacity = buffer.capacity();
        // where an entry's topic sequence ends: a text entry's is in its header, an SBE entry's inside the event
        final int topicSequenceEnd = readsSharedLogAsText() ?
            RecentEvents.TEXT_TOPIC_SEQUENCE_OFFSET + Long.BYTES : TOPIC_SEQUENCE_IN_SLOT_END;
        final boolean gated = sharedLogGatedCount > 0; // else the gates are not touched: one cold line less
        long sequence = from;
        while (sequence <= end)
        {
            final int topicIndex = sharedLogTopicIndex(log.topic(sequence));
            if (topicIndex >= 0 &&
                (!gated || !sharedLogGated[topicIndex] || isReleased(sharedLogTopics[topicIndex], sequence)))
            {
                final int offset = log.offset(sequence);
                final int length = log.length(sequence);
                if (offset < 0 || length < 0 || offset + length > capacity ||
                    !events.onSharedLogEvent(sequence, buffer, offset, length))
                {
                    break; // a torn slot is caught below; a full frame or buffer goes on in the next one
                }
                if (gated && sharedLogGated[topicIndex])
                {
                    sharedLogReleases.taken(sharedLogTopics[topicIndex], sequence); // torn: the lap report owes it
                }
                if (reportsGaps && offset + topicSequenceEnd <= capacity)
                {
                    sharedLogGaps.given(topicIndex, sequence, topicSequenceInSlot(buffer, offset), from);
                }
            }
            sequence++;
        }
        VarHandle.loadLoadFence();
        if (log.firstVolatile() > from)
        {
            if (reportsGaps)
            {
                sharedLogGaps.discard(sharedLogTopicCount, from);
                sharedLogGaps.lapped(from);
                return leaveLappedSegmentWithGaps();
            }
            return sharedLogSegmentSkipsWhenLapped ? skipLapped(from, end) : SHARED_LOG_FELL_OUT;
        }
        moveSharedLogCursor(sequence);
        return SHARED_LOG_READ;
    }

    /**
     * THROTTLE: the event at {@code sequence} of a throttled topic is the one the fan-out released last and the IO
     * thread has not taken it.
     */
    private boolean isReleased(final int topic, final long sequence)
    {
        final SharedLogReleases releases = sharedLogReleases;
        return releases.released(topic) == sequence && sequence > releases.taken(topic);
    }

    /**
     * THROTTLE releases up to {@code upTo}: those its cursor has already passed (a held value whose slot opened
     * after the cursor went by), given before the events ahead of it, and, when every topic of the segment is
     * throttled, all released up to the newest (the cursor then jumps: nothing else of the log is its own). Each once,
     * oldest first (a connection's first {@link #ORDERED_RELEASES} throttled topics). One the log's writer has lapped
     * goes back to the fan-out ({@link #skipLappedReleases}), before anything is given.
     *
     * @return {@link #SHARED_LOG_READ} when none is left up to {@code upTo}; {@link #RELEASES_WAIT_FOR_ROOM} when
     * {@code events} took no more (the rest in the next call); {@link #SHARED_LOG_DISCARD} when what was given was
     * overwritten as it was read (the fan-out, told, signals again).
     */
    private int takeReleases(final SharedLogEventHandler events, final RecentEvents log, final long upTo)
    {
        final SharedLogReleases releases = sharedLogReleases;
        final int count = sharedLogTopicCount;
        skipLappedReleases(releases, log, upTo);
        final DirectBuffer buffer = log.buffer();
        final int capacity = buffer.capacity();
        final long[] given = sharedLogGiven;
        final boolean ordered = sharedLogGatedCount <= ORDERED_RELEASES;
        Arrays.fill(given, 0, count, -1);
        long oldestGiven = Long.MAX_VALUE;
        int status = SHARED_LOG_READ;
        int scanFrom = 0;
        int pick;
        while ((pick = nextRelease(releases, given, upTo, scanFrom, ordered)) >= 0)
        {
            scanFrom = ordered ? 0 : pick + 1;
            final long sequence = nextReleaseSequence;
            final int offset = log.offset(sequence);
            final int length = log.length(sequence);
            if (offset < 0 || length < 0 || offset + length > capacity)
            {
                oldestGiven = Math.min(oldestGiven, sequence); // torn: caught below
                break;
            }
            if (!events.onSharedLogEvent(sequence, buffer, offset, length))
            {
                status = RELEASES_WAIT_FOR_ROOM;
                break;
            }
            given[pick] = sequence;
            oldestGiven = Math.min(oldestGiven, sequence);
        }
        VarHandle.loadLoadFence();
        if (Long.MAX_VALUE != oldestGiven && log.firstVolatile() > oldestGiven)
        {
            skipLappedReleases(releases, log, upTo); // overwritten as it was read: the fan-out signals when taken
            return SHARED_LOG_DISCARD;
        }
        for (int i = 0; i < count; i++)
        {
            if (given[i] >= 0)
            {
                releases.taken(sharedLogTopics[i], given[i]);
            }
        }
        return status;
    }

    /**
     * The next release to give in {@link #takeReleases}: of the throttled topics from {@code scanFrom} not given in
     * this call, the one with the oldest release up to {@code upTo} ({@code oldestFirst}), else the first with one.
     * Its sequence is left in {@link #nextReleaseSequence}.
     *
     * @return its topic's place in the segment, -1 if none is left.
     */
    private int nextRelease(
        final SharedLogReleases releases, final long[] given, final long upTo, final int scanFrom,
        final boolean oldestFirst)
    {
        int pick = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = scanFrom, count = sharedLogTopicCount; i < count; i++)
        {
            final long released = sharedLogGated[i] && given[i] < 0 ? releases.untaken(sharedLogTopics[i]) : -1;
            if (released >= 0 && released <= upTo && released < oldest)
            {
                pick = i;
                oldest = released;
                if (!oldestFirst)
                {
                    break;
                }
            }
        }
        nextReleaseSequence = oldest;
        return pick;
    }

    /**
     * Hand each release up to {@code upTo} that the log's writer has lapped back to the fan-out
     * ({@link SharedLogReleases#skip}): it owes the topic's latest value again if that release is its last.
     */
    private void skipLappedReleases(final SharedLogReleases releases, final RecentEvents log, final long upTo)
    {
        boolean skipped = false;
        for (int i = 0, count = sharedLogTopicCount; i < count; i++)
        {
            final long sequence = sharedLogGated[i] ? releases.untaken(sharedLogTopics[i]) : -1;
            if (sequence >= 0 && sequence <= upTo && log.firstVolatile() > sequence)
            {
                releases.skip(sharedLogTopics[i], sequence);
                skipped = true;
            }
        }
        if (skipped)
        {
            RELEASES_SKIPPED.setRelease(this, true);
            lappedListener.onLapped(this);
        }
    }

    /**
     * Every THROTTLE release up to {@code upTo} not yet given is passed over: the cursor skips the span it is in or
     * leaves the segment without reading it. Told to the fan-out with the report of the span. IO thread.
     */
    private void skipReleases(final long upTo)
    {
        final SharedLogReleases releases = sharedLogReleases;
        if (0 == sharedLogGatedCount || null == releases)
        {
            return;
        }
        boolean skipped = false;
        for (int i = 0, count = sharedLogTopicCount; i < count; i++)
        {
            final long sequence = sharedLogGated[i] ? releases.untaken(sharedLogTopics[i]) : -1;
            if (sequence >= 0 && sequence <= upTo)
            {
                releases.skip(sharedLogTopics[i], sequence);
                skipped = true;
            }
        }
        if (skipped)
        {
            RELEASES_SKIPPED.setRelease(this, true); // the span's report signals the fan-out
        }
    }

    /**
     * THROTTLE releases its IO thread passed over without giving them ({@link SharedLogReleases#skipped}), once:
     * true if some were since the last call. Fan-out thread.
     */
    public boolean takeReleasesSkipped()
    {
        return releasesSkipped && RELEASES_SKIPPED.compareAndSet(this, true, false);
    }

    /**
     * @return the last THROTTLE release of {@code topic} its IO thread passed over without giving it, -1 if none.
     * Fan-out thread.
     */
    public long skippedRelease(final int topic)
    {
        final SharedLogReleases releases = sharedLogReleases;
        return null == releases ? -1 : releases.skipped(topic);
    }

    /**
     * The segment's cursor moves on to {@code next}, and out of the segment once past its end.
     */
    private void moveSharedLogCursor(final long next)
    {
        sharedLogReadSequence = next - 1;
        if (next > sharedLogUntil)
        {
            sharedLogNext = -1;
            sharedLogUntil = Long.MAX_VALUE;
            sharedLogReadSequence = -1;
        }
        else
        {
            sharedLogNext = next;
        }
    }

    /**
     * A conflating connection's cursor was lapped at {@code from}: skip to {@code end} and report [from, end] to the
     * fan-out, unless its last report is still waiting (then read nothing until it signals).
     */
    private int skipLapped(final long from, final long end)
    {
        if (lappedFromSequence >= 0)
        {
            return SHARED_LOG_DISCARD;
        }
        skipReleases(end); // before the report: the fan-out reads both when it takes it
        lappedToSequence = end;
        lappedFromSequence = from; // after the end: the fan-out reads from, then to
        moveSharedLogCursor(end + 1);
        lappedListener.onLapped(this);
        return SHARED_LOG_DISCARD;
    }

    /**
     * The topic sequence of the log's entry at {@code offset}: in the SBE log inside the event, in the text log in
     * the entry's header ({@link RecentEvents#TEXT_TOPIC_SEQUENCE_OFFSET}).
     */
    private long topicSequenceInSlot(final DirectBuffer buffer, final int offset)
    {
        return readsSharedLogAsText() ?
            buffer.getLong(offset + RecentEvents.TEXT_TOPIC_SEQUENCE_OFFSET) :
            buffer.getLong(offset + TOPIC_SEQUENCE_IN_SLOT, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The name of a topic of the shared log this connection reads, for a notice that names it (SSE's gap); null if
     * the log was not told it. IO thread.
     */
    protected final String sharedLogTopicName(final int topic)
    {
        return sharedLog.topicName(topic);
    }

    /**
     * A dropping connection's cursor was lapped in its segment: until the segment's end is known, ask the fan-out
     * (once) to end it and read nothing; then leave the segment at its end, every event of its topics from the lap
     * on missed: a Gap notice for each dropping topic that missed any waits for the transport, and a report of the
     * range for the conflating ones goes to the fan-out (once its last report was taken).
     */
    private int leaveLappedSegmentWithGaps()
    {
        final long until = sharedLogUntil;
        if (Long.MAX_VALUE == until)
        {
            if (sharedLogGaps.askEndOnce())
            {
                segmentEndAsked = true;
                lappedListener.onLapped(this);
            }
            return SHARED_LOG_DISCARD;
        }
        if (lappedFromSequence >= 0)
        {
            return SHARED_LOG_DISCARD; // the fan-out has not taken the last report: wait for its signal
        }
        final long from = sharedLogGaps.lappedFrom();
        sharedLogGaps.findGaps(sharedLogTopics, sharedLogTopicCount);
        skipReleases(until); // before the report: the fan-out reads both when it takes it
        moveSharedLogCursor(until + 1); // out of the segment: its gaps go before anything the ring holds after it
        lappedToSequence = until;
        lappedFromSequence = from; // after the end: the fan-out reads from, then to
        lappedListener.onLapped(this);
        return SHARED_LOG_DISCARD;
    }

    /**
     * Told by the IO thread, per Gap notice it found in the shared log ({@link #sendSharedLogGap}).
     */
    @FunctionalInterface
    public interface SharedLogGapHandler
    {
        /**
         * @return false if there is no room for it now (it is offered again).
         */
        boolean onSharedLogGap(int topic, long fromSequence, long toSequence, long fromTopicSequence,
            long toTopicSequence);
    }

    /**
     * True while Gap notices found when this connection's cursor was lapped in a dropping segment wait to be sent:
     * they go before anything else the connection is sent. IO thread.
     */
    protected final boolean hasSharedLogGapToSend()
    {
        final SharedLogGaps gaps = sharedLogGaps;
        return null != gaps && gaps.hasGapToSend();
    }

    /**
     * Give the next Gap notice found in the shared log to {@code handler}. IO thread.
     *
     * @return the number of events it reports missed, 0 if the handler had no room for it.
     */
    protected final long sendSharedLogGap(final SharedLogGapHandler handler)
    {
        return sharedLogGaps.sendNext(handler);
    }

    /**
     * @return the place of {@code topic} in the segment's topics, -1 if it is not one of them.
     */
    private int sharedLogTopicIndex(final int topic)
    {
        final int[] topics = sharedLogTopics;
        for (int i = 0, count = sharedLogTopicCount; i < count; i++)
        {
            if (topics[i] == topic)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * In a shared-log segment: read its {@code SHARED_LOG_UNTIL} marker from the ring into {@code handler} if the
     * fan-out has written it, and only then (the ring is not touched while the segment is open). Called after
     * reading the log's newest sequence: the fan-out counts the marker before it appends anything after it, so an
     * end not seen here lies beyond what was read. The handler must consume the marker (answer {@code BREAK}).
     */
    private void readSegmentEndIfWritten(final ControlledMessageHandler handler)
    {
        if (segmentEndsRead == segmentEndsWritten)
        {
            return;
        }
        // twice: a read that finds only the padding before the ring's wrap (or the end of a smaller ring that is
        // followed by a larger one) reads nothing, and the marker is after it; missing it here, the caller would
        // read the log past the segment's end and send events the ring holds after it a second time
        for (int attempt = 0; attempt < 2; attempt++)
        {
            final OneToOneRingBuffer ring = ringForRead();
            if (null == ring)
            {
                return;
            }
            if (ring.controlledRead(handler, 1) > 0)
            {
                segmentEndsRead++;
                return;
            }
        }
    }

    /**
     * Read everything queued so far, in order across the connection's rings, into {@code handler}: for a transport
     * that takes messages one at a time and does not read the shared log ({@link #canReadSharedLog()} false). A
     * handler that answers {@code ABORT} stops the read there (the message stays for the next call). IO thread.
     *
     * @return number of messages given to the handler.
     */
    protected final int readQueued(final ControlledMessageHandler handler)
    {
        int total = 0;
        OneToOneRingBuffer ring;
        while (null != (ring = ringForRead()))
        {
            final int read = readAcrossWrap(ring, handler);
            if (0 == read)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    /**
     * The IO thread is free to send: nothing is stuck in flight.
     */
    protected final void onProgress()
    {
        lastProgressNs = System.nanoTime();
    }

    /**
     * What the fan-out asked for since the last pass: a flush, a heartbeat, or both. IO thread.
     */
    void runQueuedWork()
    {
        final long work = (long)QUEUED_WORK.getAndSet(this, 0L); // a request from now on queues the connection again
        if (0 != (work & FLUSH_QUEUED))
        {
            final long asked = work >>> WINDOW_SHIFT;
            runFlush(0 == asked ? NO_WINDOW_ASKED : asked - 1);
        }
        if (0 != (work & HEARTBEAT_QUEUED))
        {
            runHeartbeat();
        }
    }

    private void runFlush(final long askedWindowMs)
    {
        if (closed)
        {
            return;
        }
        final long windowMs = NO_WINDOW_ASKED == askedWindowMs ? batchWindowMs : askedWindowMs;
        if (windowMs > 0)
        {
            openBatchWindow(windowMs);
            return;
        }
        drain();
    }

    /**
     * With a batching window, the first flush opens the window and events arriving until it ends go out together
     * (up to a frame). A window asked for while one is open ends no later than it would alone: a shorter one brings
     * the end forward (the longer timer then drains early, which a window allows: it bounds the wait, it is not a
     * minimum). A flush without a window drains at once, whatever is waiting. IO thread.
     */
    private void openBatchWindow(final long windowMs)
    {
        final long endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMs);
        if (!batchWindowOpen || endNs - batchWindowEndNs < 0)
        {
            batchWindowOpen = true;
            batchWindowEndNs = endNs;
            if (null == windowTask)
            {
                windowTask = this::onBatchWindowEnd;
            }
            ioThread.executeAfter(windowTask, windowMs, TimeUnit.MILLISECONDS);
        }
    }

    private void onBatchWindowEnd()
    {
        batchWindowOpen = false;
        if (!closed)
        {
            drain();
        }
    }

    private void runHeartbeat()
    {
        if (!closed)
        {
            sendHeartbeat(heartbeatTimestampNs, heartbeatLastGlobalSequence);
        }
    }

    /**
     * Drain the ring into the transport, as far as the socket allows. IO thread only.
     */
    protected abstract void drain();

    /**
     * Send a heartbeat now unless a write is in flight (then the connection is not idle). IO thread only.
     */
    protected abstract void sendHeartbeat(long timestampNs, long lastGlobalSequence);

    /**
     * Close the connection. IO thread only.
     */
    protected abstract void closeOnIoThread(int code, String reason);

    /**
     * One ring in the order the IO thread reads them. The fan-out writes {@link #next} after its last write to
     * {@link #ring}, and {@link #ring} becomes null when the ring is released (it is empty then).
     */
    private static final class RingLink
    {
        volatile OneToOneRingBuffer ring;
        volatile RingLink next;

        RingLink(final OneToOneRingBuffer ring)
        {
            this.ring = ring;
        }
    }

    /**
     * For sessions built without an IO thread (benchmarks driving the fan-out alone): what they record is read by
     * nobody.
     */
    private static final class NoFlusher
    {
        static final LatencyHistogram WRITE_LATENCY = DeliveryLatencies.unregistered().newPublishToWrite("none");
    }
}
