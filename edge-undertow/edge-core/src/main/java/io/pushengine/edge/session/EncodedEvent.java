package io.pushengine.edge.session;

import io.pushengine.codec.json.EventJsonRenderer;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The event being fanned out, in each wire form a transport needs, each produced at most once per event per edge:
 * the SBE body (as received from Aeron, not re-encoded) for WebSocket, and the SSE text block (whose {@code data:}
 * part is the JSON a poll answers), rendered lazily on the first SSE or poll subscriber. Fan-out thread only;
 * valid until the next {@link #wrap}.
 */
public final class EncodedEvent
{
    private static final byte[] ID = "id: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "\nevent: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final UnsafeBuffer body = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private final ExpandableDirectByteBuffer sseBuffer = new ExpandableDirectByteBuffer(1024);
    private final EventJsonRenderer jsonRenderer = new EventJsonRenderer();
    private EventDecoder event;
    private String topicName;
    private long globalSequence;
    private long topicSequence;
    private long timestampNs;
    private int topic;
    private int sseLength;
    private int jsonOffset;
    private int jsonLength;

    public EncodedEvent wrap(
        final EventDecoder event, final String topicName, final DirectBuffer buffer, final int offset, final int length)
    {
        this.event = event;
        this.topicName = topicName;
        this.globalSequence = event.globalSequence();
        this.topicSequence = event.topicSequence();
        this.timestampNs = event.timestampNs();
        this.topic = event.topic();
        body.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, length - MessageHeaderDecoder.ENCODED_LENGTH);
        sseLength = 0;
        return this;
    }

    public long globalSequence()
    {
        return globalSequence;
    }

    /**
     * The topic's number, as the engine declared it.
     */
    public int topic()
    {
        return topic;
    }

    public long topicSequence()
    {
        return topicSequence;
    }

    /**
     * When it was published (epoch ns): the publisher's stamp, or the sequencer's.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    public String topicName()
    {
        return topicName;
    }

    /**
     * The SBE {@code Event} body: one {@code Batch.events} entry.
     */
    public DirectBuffer body()
    {
        return body;
    }

    public DirectBuffer sseBuffer()
    {
        if (0 == sseLength)
        {
            renderSse();
        }
        return sseBuffer;
    }

    public int sseLength()
    {
        if (0 == sseLength)
        {
            renderSse();
        }
        return sseLength;
    }

    /**
     * The event as one JSON object (what the polling endpoint answers): the {@code data:} part of the SSE block,
     * so rendered once for both. Use with {@link #jsonOffset()} and {@link #jsonLength()}.
     */
    public DirectBuffer jsonBuffer()
    {
        if (0 == sseLength)
        {
            renderSse();
        }
        return sseBuffer;
    }

    public int jsonOffset()
    {
        if (0 == sseLength)
        {
            renderSse();
        }
        return jsonOffset;
    }

    public int jsonLength()
    {
        if (0 == sseLength)
        {
            renderSse();
        }
        return jsonLength;
    }

    private void renderSse()
    {
        final MutableDirectBuffer out = sseBuffer;
        final int payloadLength = event.payloadLength();
        final int payloadOffset = event.limit() + EventDecoder.payloadHeaderLength();
        payload.wrap(event.buffer(), payloadOffset, payloadLength);
        out.checkLimit(EventJsonRenderer.maxLength(payloadLength) + 64 + topicName.length());

        int position = 0;
        out.putBytes(position, ID);
        position += ID.length;
        position += out.putLongAscii(position, globalSequence);
        out.putBytes(position, EVENT);
        position += EVENT.length;
        position += out.putStringWithoutLengthAscii(position, topicName);
        out.putBytes(position, DATA);
        position += DATA.length;
        jsonOffset = position;
        jsonLength = jsonRenderer.render(
            out,
            position,
            globalSequence,
            topicName,
            topicSequence,
            event.timestampNs(),
            event.payloadType(),
            payload,
            0,
            payloadLength);
        position += jsonLength;
        out.putByte(position++, (byte)'\n');
        out.putByte(position++, (byte)'\n');
        sseLength = position;
    }
}
