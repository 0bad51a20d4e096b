package io.pushengine.codec;

import io.pushengine.codec.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

/**
 * Validates the SBE message header of an incoming frame before any decoder touches the body: the length covers a
 * header and the root block, the schema is ours and the version is one this build understands.
 * <p>
 * Returns result codes rather than throwing so that the hot path allocates nothing; {@link #describe} renders a
 * reason for the (rare) error path.
 */
public final class FrameCheck
{
    public static final int OK = 0;
    public static final int TOO_SHORT = 1;
    public static final int UNKNOWN_SCHEMA = 2;
    public static final int UNSUPPORTED_VERSION = 3;
    public static final int TRUNCATED_BLOCK = 4;

    private FrameCheck()
    {
    }

    /**
     * Wrap {@code header} over the frame and check it.
     *
     * @return {@link #OK} or the first problem found.
     */
    public static int check(final MessageHeaderDecoder header, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return TOO_SHORT;
        }

        header.wrap(buffer, offset);
        if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            return UNKNOWN_SCHEMA;
        }

        final int version = header.version();
        if (version < 1 || version > MessageHeaderDecoder.SCHEMA_VERSION)
        {
            return UNSUPPORTED_VERSION;
        }

        if (length < MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength())
        {
            return TRUNCATED_BLOCK;
        }

        return OK;
    }

    /**
     * A reason a person can act on. Allocates: error path only.
     */
    public static String describe(final int result, final MessageHeaderDecoder header, final int length)
    {
        switch (result)
        {
            case OK:
                return "ok";
            case TOO_SHORT:
                return "frame of " + length + " bytes is shorter than the " + MessageHeaderDecoder.ENCODED_LENGTH +
                    "-byte SBE message header";
            case UNKNOWN_SCHEMA:
                return "unknown SBE schema id " + header.schemaId() + ", expected " + MessageHeaderDecoder.SCHEMA_ID;
            case UNSUPPORTED_VERSION:
                return "unsupported schema version " + header.version() + ", this edge speaks 1.." +
                    MessageHeaderDecoder.SCHEMA_VERSION;
            case TRUNCATED_BLOCK:
                return "frame of " + length + " bytes is shorter than the block length " + header.blockLength() +
                    " of template " + header.templateId();
            default:
                return "invalid frame (" + result + ")";
        }
    }
}
