package io.pushengine.edge.publish;

/**
 * A one-pass check that bytes hold exactly one JSON value (RFC 8259, strict), allocating nothing: the publish paths'
 * fast path. It only ever answers "certainly valid": anything it does not accept, including what it does not try to
 * decide (nesting deeper than {@link #MAX_DEPTH}, a number longer than {@link #MAX_NUMBER_LENGTH}, a name or string
 * longer than {@link #MAX_NAME_LENGTH} or {@link #MAX_STRING_LENGTH}, a byte-order mark, other encodings), goes to
 * Jackson's parser, which gives the
 * verdict and the reason ({@link PayloadValidator}). So it must never accept what Jackson refuses; its test checks
 * that against Jackson on generated and mutated documents.
 * <p>
 * The bytes must already be well-formed UTF-8 ({@link Utf8Check}): inside strings any byte from 0x20 up is taken as
 * is. Strict as Jackson's defaults are: no comments, no single quotes, no unquoted names, no trailing commas, no
 * leading zeros, no NaN or Infinity, no unescaped control characters, only whitespace (space, tab, LF, CR) around the
 * value. Stateless: the nesting is a bit per level in a {@code long}.
 */
final class JsonSyntaxCheck
{
    /**
     * Levels of arrays and objects it follows (a bit each in a {@code long}); deeper documents go to Jackson.
     */
    static final int MAX_DEPTH = 64;

    /**
     * Characters of a number it checks; longer ones go to Jackson (whose limit is 1,000).
     */
    static final int MAX_NUMBER_LENGTH = 256;

    /**
     * Bytes of a field name it checks; longer ones go to Jackson (whose limit is 50,000).
     */
    static final int MAX_NAME_LENGTH = 4096;

    /**
     * Bytes of a string value it checks; longer ones go to Jackson.
     */
    static final int MAX_STRING_LENGTH = 1 << 20;

    private static final int INVALID = -1;
    private static final byte[] TRUE = { 't', 'r', 'u', 'e' };
    private static final byte[] FALSE = { 'f', 'a', 'l', 's', 'e' };
    private static final byte[] NULL = { 'n', 'u', 'l', 'l' };

    private JsonSyntaxCheck()
    {
    }

    /**
     * @return true if {@code bytes[offset, offset + length)} is certainly one valid JSON value with only whitespace
     * around it; false if it is not, or if this check does not decide it.
     */
    static boolean isOneValue(final byte[] bytes, final int offset, final int length)
    {
        final int end = offset + length;
        long objects = 0; // bit d set: the container at depth d + 1 is an object, else an array
        int depth = 0;
        int i = skipWhitespace(bytes, offset, end);
        while (true)
        {
            // a value is expected at i
            if (INVALID == i || i >= end)
            {
                return false;
            }
            final int c = bytes[i];
            if ('{' == c || '[' == c)
            {
                if (MAX_DEPTH == depth)
                {
                    return false;
                }
                final boolean object = '{' == c;
                objects = object ? objects | (1L << depth) : objects & ~(1L << depth);
                depth++;
                i = skipWhitespace(bytes, i + 1, end);
                if (i < end && (object ? '}' : ']') == bytes[i])
                {
                    depth--; // empty
                    i++;
                }
                else if (object)
                {
                    i = member(bytes, i, end);
                    continue;
                }
                else
                {
                    continue;
                }
            }
            else if ('"' == c)
            {
                i = string(bytes, i, end, MAX_STRING_LENGTH);
            }
            else if ('-' == c || (c >= '0' && c <= '9'))
            {
                i = number(bytes, i, end);
            }
            else if ('t' == c)
            {
                i = literal(bytes, i, end, TRUE);
            }
            else if ('f' == c)
            {
                i = literal(bytes, i, end, FALSE);
            }
            else if ('n' == c)
            {
                i = literal(bytes, i, end, NULL);
            }
            else
            {
                return false;
            }

            // after a value: a separator, the end of its container, or the end of the input
            while (true)
            {
                if (INVALID == i)
                {
                    return false;
                }
                i = skipWhitespace(bytes, i, end);
                if (0 == depth)
                {
                    return i == end;
                }
                if (i >= end)
                {
                    return false;
                }
                final boolean inObject = 0 != (objects & (1L << (depth - 1)));
                final int next = bytes[i];
                if (',' == next)
                {
                    i = skipWhitespace(bytes, i + 1, end);
                    if (inObject)
                    {
                        i = member(bytes, i, end);
                    }
                    break; // a value follows
                }
                if ((inObject ? '}' : ']') != next)
                {
                    return false;
                }
                depth--;
                i++;
            }
        }
    }

    /**
     * An object member's name and colon at {@code i}, for the value after it.
     *
     * @return where its value starts, or {@link #INVALID}.
     */
    private static int member(final byte[] bytes, final int i, final int end)
    {
        if (i >= end || '"' != bytes[i])
        {
            return INVALID;
        }
        int next = string(bytes, i, end, MAX_NAME_LENGTH);
        if (INVALID == next)
        {
            return INVALID;
        }
        next = skipWhitespace(bytes, next, end);
        if (next >= end || ':' != bytes[next])
        {
            return INVALID;
        }
        return skipWhitespace(bytes, next + 1, end);
    }

    /**
     * A string from its opening quote at {@code i}.
     *
     * @return the index after its closing quote, or {@link #INVALID}.
     */
    private static int string(final byte[] bytes, final int i, final int end, final int maxLength)
    {
        final int limit = maxLength >= end - i ? end : i + 1 + maxLength + 1;
        int j = i + 1;
        while (j < limit)
        {
            final int c = bytes[j] & 0xFF;
            if ('"' == c)
            {
                return j + 1;
            }
            if (c < 0x20)
            {
                return INVALID; // control characters must be escaped
            }
            if ('\\' == c)
            {
                if (j + 1 >= end)
                {
                    return INVALID;
                }
                final int escaped = bytes[j + 1];
                if ('u' == escaped)
                {
                    if (j + 5 >= end || !isHex(bytes[j + 2]) || !isHex(bytes[j + 3]) || !isHex(bytes[j + 4]) ||
                        !isHex(bytes[j + 5]) || isSurrogate(bytes[j + 2], bytes[j + 3]))
                    {
                        return INVALID; // a surrogate escape goes to Jackson, which checks their pairs in names
                    }
                    j += 6;
                    continue;
                }
                if ('"' != escaped && '\\' != escaped && '/' != escaped && 'b' != escaped && 'f' != escaped &&
                    'n' != escaped && 'r' != escaped && 't' != escaped)
                {
                    return INVALID;
                }
                j += 2;
                continue;
            }
            j++;
        }
        return INVALID; // not closed (or longer than this check follows)
    }

    /**
     * A number at {@code i}: {@code -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?}.
     *
     * @return the index after it, or {@link #INVALID}.
     */
    private static int number(final byte[] bytes, final int i, final int end)
    {
        int j = i;
        if ('-' == bytes[j])
        {
            j++;
        }
        if (j >= end)
        {
            return INVALID;
        }
        if ('0' == bytes[j])
        {
            j++;
        }
        else
        {
            final int digitsFrom = j;
            j = digits(bytes, j, end);
            if (j == digitsFrom)
            {
                return INVALID;
            }
        }
        if (j < end && '.' == bytes[j])
        {
            final int digitsFrom = j + 1;
            j = digits(bytes, digitsFrom, end);
            if (j == digitsFrom)
            {
                return INVALID;
            }
        }
        if (j < end && ('e' == bytes[j] || 'E' == bytes[j]))
        {
            j++;
            if (j < end && ('+' == bytes[j] || '-' == bytes[j]))
            {
                j++;
            }
            final int digitsFrom = j;
            j = digits(bytes, digitsFrom, end);
            if (j == digitsFrom)
            {
                return INVALID;
            }
        }
        return j - i > MAX_NUMBER_LENGTH ? INVALID : j;
    }

    private static int digits(final byte[] bytes, final int i, final int end)
    {
        int j = i;
        while (j < end && bytes[j] >= '0' && bytes[j] <= '9')
        {
            j++;
        }
        return j;
    }

    private static int literal(final byte[] bytes, final int i, final int end, final byte[] literal)
    {
        if (end - i < literal.length)
        {
            return INVALID;
        }
        for (int k = 0; k < literal.length; k++)
        {
            if (literal[k] != bytes[i + k])
            {
                return INVALID;
            }
        }
        return i + literal.length;
    }

    /**
     * Whether {@code \\uXXXX} with these first two hex digits is in U+D800-DFFF.
     */
    private static boolean isSurrogate(final byte first, final byte second)
    {
        return ('d' == first || 'D' == first) &&
            ((second >= '8' && second <= '9') || (second >= 'a' && second <= 'f') || (second >= 'A' && second <= 'F'));
    }

    private static boolean isHex(final byte b)
    {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int skipWhitespace(final byte[] bytes, final int i, final int end)
    {
        int j = i;
        while (j < end)
        {
            final byte b = bytes[j];
            if (' ' != b && '\n' != b && '\r' != b && '\t' != b)
            {
                break;
            }
            j++;
        }
        return j;
    }
}
