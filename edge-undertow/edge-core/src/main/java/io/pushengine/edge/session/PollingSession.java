package io.pushengine.edge.session;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One long-poll or short-poll request as the fan-out sees it: a client session that lives for one answer, whatever
 * the transport that renders the answer (the Undertow edge's {@code PollSession} writes it as one HTTP response).
 * <p>
 * It is registered, subscribed and resumed from {@code after=} exactly like a streaming connection, so a client may
 * switch transports at any cursor. Once armed (all its subscriptions made) the fan-out answers it when there is
 * something to say (events, a snapshot, a reset), when its answer is full, when its wait ends, or, for a short
 * poll, as soon as it has caught up. The fan-out then fixes the cursor ({@link #complete}), hands the ring over and
 * forgets the session; the IO thread renders the ring's events (their JSON form) and control fragments, then its
 * events from the log, as one answer. Events are not copied per poll: the fan-out renders each event of a topic
 * with polls into the edge's text log once, and an answer only notes the first and last it takes there
 * ({@link #readAnswerLog()}), live or resumed from the edge's recent window; the ring holds what comes before them
 * (snapshot values, events resumed from the journal or whose text the log lacks), and all events of a poll with a
 * maximum frequency ({@code rate.TOPIC=N}), whose answer leaves some out:
 * <pre>
 *   {"cursor":57,"events":[{"sequence":55,...},{"sequence":57,...}]}
 *   {"cursor":60,"events":[]}                                   wait ended, nothing on these topics up to 60
 *   {"cursor":60,"events":[...],"snapshot":{"asOfSequence":60,"valueCount":2}}
 *   {"cursor":90,"events":[],"reset":{"fromSequence":3,"oldestRetained":41}}   what followed 3 is gone: resync
 * </pre>
 * The cursor is the {@code after=} of the next poll (and the {@code from=} of a streaming connection): every event up
 * to it on the poll's topics is in this answer or an earlier one, so nothing is lost and nothing repeats.
 * <p>
 * Threading: fields marked fan-out belong to the fan-out thread; {@link #completed} publishes {@link #cursor},
 * the rings and the answer's place in the log to the IO thread.
 */
public abstract class PollingSession extends ClientSession
{
    private static final RatedTopic[] NO_RATED_TOPICS = new RatedTopic[0];

    // fan-out thread state
    private ExpandableArrayBuffer controlText;
    private boolean armed;
    private boolean answerWhenCaughtUp;
    private boolean expired;
    private boolean full;
    private long fullCursor;

    // fan-out thread: topics with a maximum frequency (rate.TOPIC=N) and where the last event of each went
    private final RatedTopic[] ratedTopics;
    private final int answerCapacity;
    private final ConnectionOptions requestOptions;
    private int answerLogBytes; // what the answer's live events left in the log would take in a ring

    // handed from the fan-out to the IO thread by the volatile write of completed
    private long cursor;
    private OneToOneRingBuffer firstAnswerRing;
    private OneToOneRingBuffer answerRing;
    private RecentEvents answerLog; // the edge's text log; null until registered (set once)
    private long answerLogFrom; // the answer's first live event in the log; 0: none
    private long answerLogUntil; // its last
    // the topics of its events there (every event of these in [from, until] is its): the first, then any others
    private int answerLogTopic;
    private int[] answerLogMoreTopics;
    private int answerLogTopicCount;
    private volatile boolean completed;

    /**
     * @param initialRingCapacity the ring an answer starts in: most answers are an event or a few, and a wave of
     *                            answered polls holds one ring each at once.
     * @param ringCapacity        the most an answer holds: a larger ring follows the first when that fills.
     */
    protected PollingSession(
        final long sessionId,
        final String transport,
        final String remoteAddress,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options)
    {
        super(sessionId, transport, remoteAddress, flusher, initialRingCapacity, ringCapacity, ringBytes, options);
        if (options.topicOptions().isEmpty())
        {
            this.ratedTopics = NO_RATED_TOPICS; // as most polls ask: nothing made per request
        }
        else
        {
            final List<RatedTopic> rated = new ArrayList<>();
            options.topicOptions().forEach((topic, asked) ->
            {
                if (asked.maxFrequency() > 0)
                {
                    rated.add(new RatedTopic(topic, TimeUnit.SECONDS.toNanos(1) / asked.maxFrequency()));
                }
            });
            this.ratedTopics = rated.toArray(NO_RATED_TOPICS);
        }
        this.answerCapacity = ringCapacity;
        this.requestOptions = options;
    }

    /**
     * What its request asked: topics, cursor, snapshot, per-topic options (read by the fan-out as it opens the poll).
     */
    public ConnectionOptions requestOptions()
    {
        return requestOptions;
    }

    /**
     * Polls read their live events from the edge's text log: while a poll waits on a topic, the fan-out renders
     * that topic's events into the log once for every reader.
     */
    public boolean readsTextLog()
    {
        return true;
    }

    /**
     * The edge's text log, where live events for the answer are left instead of copied. Fan-out thread, once, at
     * registration.
     */
    public void answerLog(final RecentEvents log)
    {
        this.answerLog = log;
    }

    /**
     * A poll ends by itself: never recycled.
     */
    public boolean isLongLived()
    {
        return false;
    }

    // ---------------------------------------------------------------- fan-out thread

    /**
     * All the poll's subscriptions are made: from now on it may be answered. Fan-out thread.
     *
     * @param answerWhenCaughtUp true for a short poll: answer as soon as the resume (if any) has caught up, even
     *                           with nothing.
     */
    public void arm(final boolean answerWhenCaughtUp)
    {
        this.armed = true;
        this.answerWhenCaughtUp = answerWhenCaughtUp;
    }

    /**
     * The poll's wait is over: answer with what there is. Fan-out thread.
     */
    public void expire()
    {
        expired = true;
    }

    /**
     * True once an event did not fit: nothing more is offered; the answer's cursor is the last event that fitted
     * and the next poll takes the rest.
     */
    public boolean isFull()
    {
        return full;
    }

    public void full(final long cursor)
    {
        full = true;
        fullCursor = cursor;
    }

    public long fullCursor()
    {
        return fullCursor;
    }

    /**
     * True when the fan-out should answer now. Fan-out thread.
     */
    public boolean isReadyToAnswer()
    {
        return armed && !completed &&
            (expired || full || bufferedBytes() > 0 || 0 != answerLogUntil || (answerWhenCaughtUp && !isResuming()));
    }

    /**
     * The fan-out is done with this poll: every event up to {@code cursor} on its topics is in its ring. The ring is
     * kept for the IO thread before the fan-out forgets the session (which drops its own reference). Fan-out thread.
     */
    public void complete(final long cursor)
    {
        this.cursor = cursor;
        this.firstAnswerRing = ringBeforeInUse();
        this.answerRing = ringInUse();
        this.completed = true;
    }

    /**
     * An event for the answer. On a topic with a maximum frequency of N ({@code rate.TOPIC=N}) the answer keeps at
     * most one event per 1/N s of the feed's time, the latest of each slot: an event of the same slot as the
     * topic's previous one in this answer supersedes it (its record is marked, in place, to be left out), so events
     * stay in order and the answer's size and cursor rules are those of any poll. Fan-out thread.
     */
    public boolean offerEvent(final EncodedEvent event)
    {
        final long sequence = event.globalSequence();
        final RecentEvents log = answerLog;
        if (null != log && 0 == ratedTopics.length && !isInSnapshot() && sequence > answerLogUntil &&
            log.contains(sequence) && log.topic(sequence) == event.topic() &&
            log.length(sequence) > RecentEvents.TEXT_OFFSET)
        {
            // a live event (its text was just appended, once for all) or one it resumes from the edge's recent
            // window whose text is still in the log: either way, not rendered or copied for this poll
            return leaveInAnswerLog(log, sequence);
        }
        if (0 != answerLogUntil && !moveAnswerLogToRing())
        {
            return false; // the answer ends at its last event, as a full one does: the next poll takes the rest
        }
        final RatedTopic rated = ratedTopic(event.topicName());
        if (null == rated)
        {
            return writeTextEvent(event.timestampNs(), event.jsonBuffer(), event.jsonOffset(), event.jsonLength());
        }
        final int index = claim(OutboundRingDescriptor.EVENT_MSG_TYPE_ID,
            OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET + event.jsonLength());
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        final AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + OutboundRingDescriptor.TEXT_EVENT_TIMESTAMP_OFFSET, event.timestampNs());
        buffer.putBytes(index + OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET,
            event.jsonBuffer(), event.jsonOffset(), event.jsonLength());
        ring.commit(index);
        final long slot = event.timestampNs() / rated.intervalNs;
        if (rated.lastIndex > 0 && slot == rated.slot)
        {
            // in the ring it was written to: the first ring, if the answer has since gone on in a larger one (the
            // IO thread reads neither before the answer is complete)
            rated.ring.buffer().putInt(RecordDescriptor.typeOffset(rated.lastIndex - RecordDescriptor.HEADER_LENGTH),
                OutboundRingDescriptor.SUPERSEDED_EVENT_MSG_TYPE_ID);
        }
        rated.ring = ring;
        rated.lastIndex = index;
        rated.slot = slot;
        return true;
    }

    /**
     * The event at {@code sequence}, held in the text log, joins the answer without a copy: the answer takes, from
     * the log, every event of its topics from its first such event to its last (events come to a poll in sequence
     * order, every one of its topics' after its cursor: resumed, then live). As many as a ring of
     * the poll's capacity would hold: the size rule of an answer does not depend on where its events wait.
     */
    private boolean leaveInAnswerLog(final RecentEvents log, final long sequence)
    {
        final int jsonLength = log.buffer().getInt(log.offset(sequence) + RecentEvents.TEXT_JSON_LENGTH_OFFSET);
        final int recordLength = BitUtil.align(RecordDescriptor.HEADER_LENGTH +
            OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET + jsonLength, RecordDescriptor.ALIGNMENT);
        if (answerLogBytes + recordLength > answerCapacity)
        {
            return false;
        }
        answerLogBytes += recordLength;
        if (0 == answerLogFrom)
        {
            answerLogFrom = sequence;
        }
        answerLogUntil = sequence;
        final int topic = log.topic(sequence);
        if (!isAnswerLogTopic(topic))
        {
            if (0 == answerLogTopicCount)
            {
                answerLogTopic = topic; // most polls have one topic: no array
            }
            else
            {
                final int more = answerLogTopicCount - 1;
                if (null == answerLogMoreTopics)
                {
                    answerLogMoreTopics = new int[2];
                }
                else if (more == answerLogMoreTopics.length)
                {
                    answerLogMoreTopics = Arrays.copyOf(answerLogMoreTopics, 2 * more);
                }
                answerLogMoreTopics[more] = topic;
            }
            answerLogTopicCount++;
        }
        return true;
    }

    /**
     * An event for the ring after events left in the log (one it resumes whose text the log does not hold: its
     * topic had no text-log reader when it came) would be answered before them: copy them into the ring first, in
     * order, and go on there. Fan-out thread, the log's writer: what it holds is intact.
     *
     * @return false if not all of them fit (those that did are in the ring, the rest stay in the log, still after
     * them) or the log no longer holds them: the answer takes nothing more.
     */
    private boolean moveAnswerLogToRing()
    {
        final RecentEvents log = answerLog;
        final long until = answerLogUntil;
        if (log.first() > answerLogFrom)
        {
            return false;
        }
        final DirectBuffer buffer = log.buffer();
        for (long sequence = answerLogFrom; sequence <= until; sequence++)
        {
            if (isAnswerLogTopic(log.topic(sequence)))
            {
                final int offset = log.offset(sequence);
                if (!writeTextEvent(buffer.getLong(offset + RecentEvents.TEXT_TIMESTAMP_OFFSET), buffer,
                    offset + buffer.getInt(offset + RecentEvents.TEXT_JSON_OFFSET_OFFSET),
                    buffer.getInt(offset + RecentEvents.TEXT_JSON_LENGTH_OFFSET)))
                {
                    answerLogFrom = sequence;
                    return false;
                }
            }
        }
        answerLogFrom = 0;
        answerLogUntil = 0;
        answerLogTopicCount = 0;
        answerLogBytes = 0;
        return true;
    }

    private boolean isAnswerLogTopic(final int topic)
    {
        final int count = answerLogTopicCount;
        if (0 == count)
        {
            return false;
        }
        if (answerLogTopic == topic)
        {
            return true;
        }
        final int[] more = answerLogMoreTopics;
        for (int i = 0; i < count - 1; i++)
        {
            if (more[i] == topic)
            {
                return true;
            }
        }
        return false;
    }

    private RatedTopic ratedTopic(final String topicName)
    {
        for (final RatedTopic topic : ratedTopics)
        {
            if (topic.name.equals(topicName))
            {
                return topic;
            }
        }
        return null;
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        return true; // nothing to send: the answer names each event's topic
    }

    /**
     * Polls take no drop policy (what does not fit waits for the next poll), so the fan-out gives them no gaps.
     */
    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        return true;
    }

    /**
     * Every poll with {@code after=} is a resume; only one that could not be completed is news: {@code "reset"}.
     */
    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        if (complete)
        {
            return true;
        }
        final ExpandableArrayBuffer out = controlText();
        int position = out.putStringWithoutLengthAscii(0, ",\"reset\":{\"fromSequence\":");
        position += out.putLongAscii(position, fromSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"oldestRetained\":");
        position += out.putLongAscii(position, oldestRetained);
        position += out.putStringWithoutLengthAscii(position, fromSequence > toSequence ?
            ",\"reason\":\"fromSequence was never issued (the newest sequence is " + toSequence + "): poll again " +
            "without after= for the current values\"}" :
            ",\"reason\":\"events after fromSequence are no longer retained: poll again without after= for the " +
            "current values\"}");
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        return true; // the values are the answer's events; the end says what they are
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        final ExpandableArrayBuffer out = controlText();
        int position = out.putStringWithoutLengthAscii(0, ",\"snapshot\":{\"asOfSequence\":");
        position += out.putLongAscii(position, asOfSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"valueCount\":");
        position += out.putIntAscii(position, valueCount);
        out.putByte(position++, (byte)'}');
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    private ExpandableArrayBuffer controlText()
    {
        if (null == controlText)
        {
            controlText = new ExpandableArrayBuffer(256);
        }
        return controlText;
    }

    /**
     * A topic of the poll with a maximum frequency, and where its last event in the answer is.
     */
    private static final class RatedTopic
    {
        final String name;
        final long intervalNs;
        OneToOneRingBuffer ring;
        int lastIndex;
        long slot;

        RatedTopic(final String name, final long intervalNs)
        {
            this.name = name;
            this.intervalNs = intervalNs;
        }
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * True once the fan-out has fixed the answer: {@link #answerCursor()} and {@link #takeAnswerRing()} are valid.
     * IO thread.
     */
    protected final boolean isCompleted()
    {
        return completed;
    }

    /**
     * The answer's cursor: the {@code after=} of the client's next poll. IO thread, once completed, and after
     * {@link #readAnswerLog()} (which moves it back when the log was lapped).
     */
    protected final long answerCursor()
    {
        return cursor;
    }

    /**
     * The next ring holding the answer's events ({@code EVENT}: an event's JSON) and control fragments
     * ({@code CONTROL}: text to append after the events array), in order: the answer's first ring, then the larger
     * one that followed it when it filled; null when there is no more. The caller owns each from now on.
     * IO thread, once completed.
     */
    protected final OneToOneRingBuffer takeAnswerRing()
    {
        OneToOneRingBuffer ring = firstAnswerRing;
        if (null != ring)
        {
            firstAnswerRing = null;
            return ring;
        }
        ring = answerRing;
        answerRing = null;
        return ring;
    }

    /**
     * The answer's events that the fan-out left in the edge's text log: each given to
     * {@link #onAnswerLogEvent}, in order, after the events of the answer's rings. IO thread, once completed.
     *
     * @return true; false if the log's writer lapped them while they were read (the edge took more events since
     * than its log holds): what was given must be discarded, and the answer goes out without them, its cursor
     * moved back to just before them ({@link #answerCursor()}), so the next poll takes them from the journal.
     */
    protected final boolean readAnswerLog()
    {
        final long from = answerLogFrom;
        if (0 == from)
        {
            return true;
        }
        final RecentEvents log = answerLog;
        final DirectBuffer buffer = log.buffer();
        final int capacity = buffer.capacity();
        boolean torn = false;
        for (long sequence = from, until = answerLogUntil; sequence <= until; sequence++)
        {
            if (isAnswerLogTopic(log.topic(sequence)))
            {
                final int offset = log.offset(sequence);
                final int length = log.length(sequence);
                if (offset < 0 || length < RecentEvents.TEXT_OFFSET || offset + length > capacity)
                {
                    torn = true; // overwritten: caught below
                    break;
                }
                final int jsonOffset = buffer.getInt(offset + RecentEvents.TEXT_JSON_OFFSET_OFFSET);
                final int jsonLength = buffer.getInt(offset + RecentEvents.TEXT_JSON_LENGTH_OFFSET);
                if (jsonOffset < RecentEvents.TEXT_OFFSET || jsonLength < 0 || jsonOffset + jsonLength > length)
                {
                    torn = true;
                    break;
                }
                onAnswerLogEvent(buffer, offset + jsonOffset, jsonLength,
                    buffer.getLong(offset + RecentEvents.TEXT_TIMESTAMP_OFFSET));
            }
        }
        VarHandle.loadLoadFence();
        if (torn || log.firstVolatile() > from)
        {
            cursor = from - 1; // every event of its topics before the first left in the log was answered
            return false;
        }
        return true;
    }

    /**
     * One live event of the answer, read from the edge's text log: its JSON at {@code offset} for {@code length}
     * bytes of {@code buffer}, valid only during the call, and its publish timestamp (epoch ns). IO thread.
     */
    protected abstract void onAnswerLogEvent(DirectBuffer buffer, int offset, int length, long timestampNs);
}
