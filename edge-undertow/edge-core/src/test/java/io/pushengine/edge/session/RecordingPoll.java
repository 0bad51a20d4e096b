package io.pushengine.edge.session;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test double of the poll transport: renders its answer as the Undertow edge's {@code PollSession} does (the events
 * of its rings, then its live events from the edge's text log, discarded if the log was lapped) and records the
 * sequences, where each came from, and the cursor.
 */
public final class RecordingPoll extends PollingSession implements ControlledMessageHandler
{
    private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

    public final List<Long> sequences = new ArrayList<>();
    public final List<Long> fromRing = new ArrayList<>();
    public final List<Long> fromLog = new ArrayList<>();
    public boolean answered;
    public boolean lapped;
    public long cursor = -1;
    public int ringsTaken;

    public RecordingPoll(
        final long sessionId,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options)
    {
        super(sessionId, "test-poll", "test", flusher, initialRingCapacity, ringCapacity, ringBytes, options);
    }

    protected OneToOneRingBuffer newRing(final int capacity)
    {
        ringsTaken++;
        return super.newRing(capacity);
    }

    protected void drain()
    {
        if (!isCompleted() || answered)
        {
            return;
        }
        answered = true;
        OneToOneRingBuffer ring;
        while (null != (ring = takeAnswerRing()))
        {
            while (ring.size() > 0)
            {
                ring.controlledRead(this);
            }
        }
        final int ringEvents = sequences.size();
        if (!readAnswerLog())
        {
            lapped = true;
            sequences.subList(ringEvents, sequences.size()).clear();
        }
        cursor = answerCursor();
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId)
        {
            final long sequence = sequenceOf(buffer, index + OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET,
                length - OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET);
            sequences.add(sequence);
            fromRing.add(sequence);
        }
        return Action.CONTINUE;
    }

    protected void onAnswerLogEvent(
        final DirectBuffer buffer, final int offset, final int length, final long timestampNs)
    {
        final long sequence = sequenceOf(buffer, offset, length);
        sequences.add(sequence);
        fromLog.add(sequence);
    }

    private static long sequenceOf(final DirectBuffer buffer, final int offset, final int length)
    {
        final String json = buffer.getStringWithoutLengthAscii(offset, length);
        final Matcher matcher = SEQUENCE.matcher(json);
        if (!json.startsWith("{") || !json.endsWith("}") || !matcher.find())
        {
            throw new IllegalStateException("not an event's JSON: " + json);
        }
        return Long.parseLong(matcher.group(1));
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
        closed = true;
    }
}
