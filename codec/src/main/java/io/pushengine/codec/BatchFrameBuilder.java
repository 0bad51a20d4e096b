package io.pushengine.codec;

import io.pushengine.codec.sbe.BatchEncoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.GroupSizeEncodingEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Builds one {@code Batch} frame (one WebSocket message) from the bodies of already encoded {@code Event} messages.
 * <p>
 * An {@code Event} body (the bytes after its message header) has exactly the layout of one entry of
 * {@code Batch.events}: same fields, same order, same var-data encoding. So an event is encoded once, by the
 * sequencer, and a batch is built by copying bodies behind a group header: no per-client re-encoding. The class
 * initialiser refuses to load if the schema ever lets the two layouts drift apart.
 * <pre>
 *   0        8                 16      20
 *   +--------+-----------------+-------+----------------------------+-----
 *   | header | sentTimestampNs | group | Event body 1 (29 + 4 + n)   | ...
 *   +--------+-----------------+-------+----------------------------+-----
 *                               blockLength=29, numInGroup patched by finish()
 * </pre>
 * Not thread-safe: one builder per thread.
 */
public final class BatchFrameBuilder
{
    /** Bytes before the first entry. */
    public static final int FRAME_HEADER_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + BatchEncoder.BLOCK_LENGTH + GroupSizeEncodingEncoder.ENCODED_LENGTH;

    /** Most entries one frame can carry (uint16 numInGroup). */
    public static final int MAX_ENTRIES = 65_534;

    static
    {
        if (EventDecoder.BLOCK_LENGTH != BatchEncoder.EventsEncoder.sbeBlockLength() ||
            EventDecoder.globalSequenceEncodingOffset() != BatchEncoder.EventsEncoder.globalSequenceEncodingOffset() ||
            EventDecoder.topicEncodingOffset() != BatchEncoder.EventsEncoder.topicEncodingOffset() ||
            EventDecoder.topicSequenceEncodingOffset() != BatchEncoder.EventsEncoder.topicSequenceEncodingOffset() ||
            EventDecoder.timestampNsEncodingOffset() != BatchEncoder.EventsEncoder.timestampNsEncodingOffset() ||
            EventDecoder.payloadTypeEncodingOffset() != BatchEncoder.EventsEncoder.payloadTypeEncodingOffset() ||
            EventDecoder.payloadHeaderLength() != BatchEncoder.EventsEncoder.payloadHeaderLength())
        {
            throw new IllegalStateException("schema drift: Event body no longer matches a Batch.events entry");
        }
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final BatchEncoder batchEncoder = new BatchEncoder();
    private final GroupSizeEncodingEncoder groupEncoder = new GroupSizeEncodingEncoder();
    private MutableDirectBuffer buffer;
    private int offset;
    private int capacity;
    private int limit;
    private int count;

    /**
     * Start a frame at {@code offset} in {@code buffer}, using at most {@code capacity} bytes.
     */
    public BatchFrameBuilder begin(
        final MutableDirectBuffer buffer, final int offset, final int capacity, final long sentTimestampNs)
    {
        if (capacity < FRAME_HEADER_LENGTH)
        {
            throw new IllegalArgumentException("capacity " + capacity + " < frame header " + FRAME_HEADER_LENGTH);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.capacity = capacity;
        batchEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).sentTimestampNs(sentTimestampNs);
        groupEncoder.wrap(buffer, offset + MessageHeaderEncoder.ENCODED_LENGTH + BatchEncoder.BLOCK_LENGTH)
            .blockLength(EventDecoder.BLOCK_LENGTH)
            .numInGroup(0);
        limit = offset + FRAME_HEADER_LENGTH;
        count = 0;
        return this;
    }

    /**
     * Append an {@code Event} body (message without its header).
     *
     * @return false, with nothing written, when the frame has no room for it.
     */
    public boolean tryAppendEventBody(final DirectBuffer src, final int srcOffset, final int length)
    {
        if (count >= MAX_ENTRIES || (limit - offset) + length > capacity)
        {
            return false;
        }
        buffer.putBytes(limit, src, srcOffset, length);
        limit += length;
        count++;
        return true;
    }

    /**
     * Would a body of {@code length} fit into a frame of {@code capacity} on its own.
     */
    public static boolean fitsEmptyFrame(final int length, final int capacity)
    {
        return FRAME_HEADER_LENGTH + length <= capacity;
    }

    public int count()
    {
        return count;
    }

    /**
     * Patch the entry count.
     *
     * @return the frame length in bytes.
     */
    public int finish()
    {
        groupEncoder.numInGroup(count);
        return limit - offset;
    }
}
