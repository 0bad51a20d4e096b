package io.pushengine.edge.session;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A connection whose wire form is Server-Sent Events text: the fan-out side, which queues each message as the
 * complete text block a client reads, so the transport's IO side only concatenates what the ring holds into writes.
 * An event is its SSE block ({@code id:}, {@code event:} the topic, {@code data:} the JSON), rendered once per event
 * per edge ({@link EncodedEvent#sseBuffer()}); control messages are events whose names start with {@code $}
 * ({@code $gap}, {@code $snapshot-begin}, {@code $snapshot-end}, {@code $resumed}), which cannot clash with a topic.
 * Heartbeats do not go through the ring. Threading: the {@code offer*} methods belong to the fan-out thread.
 */
public abstract class SseTextSession extends ClientSession
{
    private final ExpandableArrayBuffer controlTextBuffer = new ExpandableArrayBuffer(256);

    protected SseTextSession(
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
    }

    /**
     * An SSE connection that reads a shared log reads the text one: blocks rendered once per event per edge.
     */
    public final boolean readsSharedLogAsText()
    {
        return canReadSharedLog();
    }

    public boolean offerEvent(final EncodedEvent event)
    {
        return writeTextEvent(event.timestampNs(), event.sseBuffer(), 0, event.sseLength());
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        return true; // SSE names topics in every event: nothing to announce
    }

    /**
     * The most bytes {@link #renderGap} writes for a topic named {@code topicName}.
     */
    public static int maxGapLength(final String topicName)
    {
        return topicName.length() + 200; // the fixed text, four longs of up to 20 digits, the name
    }

    /**
     * Render a gap notice ({@code event: $gap}, JSON data: the topic and the first and last global and topic sequence
     * missed) at {@code at}: the fan-out's for its ring, an IO thread's for what its cursor found in the shared log.
     *
     * @return its length.
     */
    public static int renderGap(
        final MutableDirectBuffer out,
        final int at,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        int position = at + out.putStringWithoutLengthAscii(at, "event: $gap\ndata: {\"topic\":\"");
        position += out.putStringWithoutLengthAscii(position, topicName);
        position += out.putStringWithoutLengthAscii(position, "\",\"fromSequence\":");
        position += out.putLongAscii(position, fromSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"toSequence\":");
        position += out.putLongAscii(position, toSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"fromTopicSequence\":");
        position += out.putLongAscii(position, fromTopicSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"toTopicSequence\":");
        position += out.putLongAscii(position, toTopicSequence);
        position += out.putStringWithoutLengthAscii(position, "}\n\n");
        return position - at;
    }

    /**
     * {@code event: $gap} ({@code $} is not allowed in topic names, so it cannot clash with a topic's event name),
     * no {@code id:}, so the client's Last-Event-ID stays the last event it was actually sent.
     */
    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        final ExpandableArrayBuffer out = controlTextBuffer;
        final int position = renderGap(out, 0, topicName, fromSequence, toSequence, fromTopicSequence, toTopicSequence);
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    /**
     * {@code event: $snapshot-begin}, no {@code id:}: the values that follow are ordinary events with their own ids.
     */
    public boolean offerSnapshotBegin(final long correlationId)
    {
        final ExpandableArrayBuffer out = controlTextBuffer;
        int position = out.putStringWithoutLengthAscii(0, "event: $snapshot-begin\ndata: {\"correlationId\":");
        position += out.putLongAscii(position, correlationId);
        position += out.putStringWithoutLengthAscii(position, "}\n\n");
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    /**
     * {@code event: $snapshot-end} with {@code id: asOfSequence}: the snapshot's values carry older ids, so this sets
     * the client's Last-Event-ID to where the snapshot stands and a reconnect resumes from there.
     */
    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        final ExpandableArrayBuffer out = controlTextBuffer;
        int position = out.putStringWithoutLengthAscii(0, "id: ");
        position += out.putLongAscii(position, asOfSequence);
        position += out.putStringWithoutLengthAscii(position, "\nevent: $snapshot-end\ndata: {\"correlationId\":");
        position += out.putLongAscii(position, correlationId);
        position += out.putStringWithoutLengthAscii(position, ",\"asOfSequence\":");
        position += out.putLongAscii(position, asOfSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"valueCount\":");
        position += out.putIntAscii(position, valueCount);
        position += out.putStringWithoutLengthAscii(position, "}\n\n");
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    /**
     * {@code event: $resumed}, no {@code id:}.
     */
    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        final ExpandableArrayBuffer out = controlTextBuffer;
        int position = out.putStringWithoutLengthAscii(0, "event: $resumed\ndata: {\"fromSequence\":");
        position += out.putLongAscii(position, fromSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"toSequence\":");
        position += out.putLongAscii(position, toSequence);
        position += out.putStringWithoutLengthAscii(position, complete ? ",\"complete\":true" : ",\"complete\":false");
        position += out.putStringWithoutLengthAscii(position, ",\"oldestRetained\":");
        position += out.putLongAscii(position, oldestRetained);
        position += out.putStringWithoutLengthAscii(position, "}\n\n");
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }
}
