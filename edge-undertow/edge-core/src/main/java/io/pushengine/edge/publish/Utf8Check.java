package io.pushengine.edge.publish;

/**
 * Whether bytes are well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, no surrogates (U+D800-DFFF), nothing
 * above U+10FFFF, no truncated sequence. The same set the JDK's strict decoder accepts, without decoding into a char
 * buffer: a publish path calls it per payload, so it allocates nothing. Stateless.
 */
final class Utf8Check
{
    private Utf8Check()
    {
    }

    /**
     * @return true if {@code bytes[offset, offset + length)} is well-formed UTF-8.
     */
    static boolean isWellFormed(final byte[] bytes, final int offset, final int length)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int b0 = bytes[i];
            if (b0 >= 0)
            {
                i++; // ASCII: most payloads are all of it
                continue;
            }
            final int lead = b0 & 0xFF;
            if (lead < 0xC2)
            {
                return false; // a continuation byte where a sequence starts, or an overlong 2-byte lead
            }
            if (lead < 0xE0)
            {
                if (i + 1 >= end || !isContinuation(bytes[i + 1]))
                {
                    return false;
                }
                i += 2;
                continue;
            }
            if (lead < 0xF0)
            {
                if (i + 2 >= end)
                {
                    return false;
                }
                final int b1 = bytes[i + 1] & 0xFF;
                // E0: A0..BF (not overlong); ED: 80..9F (not a surrogate); others 80..BF
                final int min = 0xE0 == lead ? 0xA0 : 0x80;
                final int max = 0xED == lead ? 0x9F : 0xBF;
                if (b1 < min || b1 > max || !isContinuation(bytes[i + 2]))
                {
                    return false;
                }
                i += 3;
                continue;
            }
            if (lead > 0xF4 || i + 3 >= end)
            {
                return false;
            }
            final int b1 = bytes[i + 1] & 0xFF;
            // F0: 90..BF (not overlong); F4: 80..8F (not above U+10FFFF); F1..F3: 80..BF
            final int min = 0xF0 == lead ? 0x90 : 0x80;
            final int max = 0xF4 == lead ? 0x8F : 0xBF;
            if (b1 < min || b1 > max || !isContinuation(bytes[i + 2]) || !isContinuation(bytes[i + 3]))
            {
                return false;
            }
            i += 4;
        }
        return true;
    }

    private static boolean isContinuation(final byte b)
    {
        return (b & 0xC0) == 0x80;
    }
}
