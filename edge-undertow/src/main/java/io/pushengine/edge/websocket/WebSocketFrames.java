package io.pushengine.edge.websocket;

import org.agrona.MutableDirectBuffer;

/**
 * RFC 6455 frame headers as a server writes them: FIN set, no mask, the shortest length form.
 * <pre>
 *   0               1               2               3
 *   +-+-+-+-+-------+-+-------------+-------------------------------+
 *   |1|0|0|0|opcode |0| len (7)     | len (16), when len (7) = 126  |
 *   +-+-+-+-+-------+-+-------------+-------------------------------+
 *   payload follows; a payload under 126 bytes has the 2-byte header, one over 65,535 bytes a 10-byte one
 *   (len (7) = 127, then len (64))
 * </pre>
 * Frames are built with their payload at {@link #MAX_HEADER_LENGTH} after the frame's start, because the payload's
 * length is known only once it is built; {@link #finishFrame} then writes the header and, for a short payload,
 * moves it down (or for a payload over 65,535 bytes, rare, up by {@link #LONG_HEADER_GROWTH}) so frames stay
 * contiguous.
 */
final class WebSocketFrames
{
    static final int OPCODE_BINARY = 0x2;
    static final int OPCODE_CLOSE = 0x8;
    static final int OPCODE_PING = 0x9;
    static final int OPCODE_PONG = 0xA;

    /**
     * The header room reserved before a payload: enough for any payload up to {@link #MAX_PAYLOAD_LENGTH}.
     */
    static final int MAX_HEADER_LENGTH = 4;

    /**
     * Bytes a frame grows by when its payload needs the 64-bit length form: leave them free after such a payload.
     */
    static final int LONG_HEADER_GROWTH = 6;

    /**
     * The first reserved bit: with permessage-deflate, set on the first frame of a compressed message.
     */
    static final int RSV1 = 0x40;

    private static final int FIN = 0x80;

    private WebSocketFrames()
    {
    }

    static int headerLength(final int payloadLength)
    {
        return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? MAX_HEADER_LENGTH : 10;
    }

    /**
     * Write the header of a frame whose payload was built at {@code frameStart + MAX_HEADER_LENGTH}.
     *
     * @return the frame's whole length from {@code frameStart}.
     */
    static int finishFrame(
        final MutableDirectBuffer buffer, final int frameStart, final int opcode, final int payloadLength)
    {
        buffer.putByte(frameStart, (byte)(FIN | opcode));
        if (payloadLength > 0xFFFF)
        {
            buffer.putBytes(frameStart + MAX_HEADER_LENGTH + LONG_HEADER_GROWTH, buffer,
                frameStart + MAX_HEADER_LENGTH, payloadLength);
            buffer.putByte(frameStart + 1, (byte)127);
            buffer.putLong(frameStart + 2, payloadLength, java.nio.ByteOrder.BIG_ENDIAN);
            return MAX_HEADER_LENGTH + LONG_HEADER_GROWTH + payloadLength;
        }
        if (payloadLength < 126)
        {
            buffer.putByte(frameStart + 1, (byte)payloadLength);
            buffer.putBytes(frameStart + 2, buffer, frameStart + MAX_HEADER_LENGTH, payloadLength);
            return 2 + payloadLength;
        }
        buffer.putByte(frameStart + 1, (byte)126);
        buffer.putByte(frameStart + 2, (byte)(payloadLength >>> 8));
        buffer.putByte(frameStart + 3, (byte)payloadLength);
        return MAX_HEADER_LENGTH + payloadLength;
    }

    /**
     * Write a frame header at {@code frameStart}, FIN set, with {@code flagsAndOpcode} (RSV bits and opcode), for
     * a payload of {@code payloadLength} bytes that follows the header.
     *
     * @return the header's length: 2, 4 or 10.
     */
    static int putHeader(
        final MutableDirectBuffer buffer, final int frameStart, final int flagsAndOpcode, final int payloadLength)
    {
        buffer.putByte(frameStart, (byte)(FIN | flagsAndOpcode));
        if (payloadLength < 126)
        {
            buffer.putByte(frameStart + 1, (byte)payloadLength);
            return 2;
        }
        if (payloadLength <= 0xFFFF)
        {
            buffer.putByte(frameStart + 1, (byte)126);
            buffer.putByte(frameStart + 2, (byte)(payloadLength >>> 8));
            buffer.putByte(frameStart + 3, (byte)payloadLength);
            return MAX_HEADER_LENGTH;
        }
        buffer.putByte(frameStart + 1, (byte)127);
        buffer.putLong(frameStart + 2, payloadLength, java.nio.ByteOrder.BIG_ENDIAN);
        return MAX_HEADER_LENGTH + LONG_HEADER_GROWTH;
    }

    /**
     * A whole frame in a new array: for control frames and replies off the hot path.
     */
    static byte[] frame(final int opcode, final byte[] payload, final int payloadLength)
    {
        final int header = headerLength(payloadLength);
        final byte[] frame = new byte[header + payloadLength];
        frame[0] = (byte)(FIN | opcode);
        if (2 == header)
        {
            frame[1] = (byte)payloadLength;
        }
        else if (10 == header)
        {
            frame[1] = (byte)127;
            for (int i = 0; i < 8; i++)
            {
                frame[2 + i] = (byte)((long)payloadLength >>> (56 - 8 * i));
            }
        }
        else
        {
            frame[1] = (byte)126;
            frame[2] = (byte)(payloadLength >>> 8);
            frame[3] = (byte)payloadLength;
        }
        System.arraycopy(payload, 0, frame, header, payloadLength);
        return frame;
    }
}
