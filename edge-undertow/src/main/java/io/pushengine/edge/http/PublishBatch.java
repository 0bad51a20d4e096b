package io.pushengine.edge.http;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.publish.PayloadValidator;

/**
 * The events of a batch publish: a body of newline-delimited payloads ({@code application/x-ndjson}: one event per
 * line, a final newline optional, {@code \r\n} accepted), each line checked against its type
 * ({@link PayloadValidator}) and all validated before any is published, so a batch is
 * all or nothing at the edge: a bad line refuses the batch with its line number and publishes none of it.
 */
final class PublishBatch
{
    private final byte[] body;
    private int[] offsets = new int[64];
    private int[] lengths = new int[64];
    private int count;

    private PublishBatch(final byte[] body)
    {
        this.body = body;
    }

    /**
     * Split and validate a batch body.
     *
     * @throws BadBatchException naming the first bad line and why (status 400, or 413 for a line too long).
     */
    static PublishBatch parse(
        final byte[] body,
        final PayloadType payloadType,
        final int maxPayloadLength,
        final int maxEvents,
        final PayloadValidator validator)
    {
        final PublishBatch batch = new PublishBatch(body);
        int start = 0;
        int line = 1;
        while (start < body.length)
        {
            int end = start;
            while (end < body.length && body[end] != '\n')
            {
                end++;
            }
            final int lineEnd = end > start && body[end - 1] == '\r' ? end - 1 : end;
            final int length = lineEnd - start;
            if (0 == length)
            {
                throw new BadBatchException(400, "line " + line + ": empty: every line is one event");
            }
            if (length > maxPayloadLength)
            {
                throw new BadBatchException(413, "line " + line + ": " + length + " bytes, larger than the " +
                    maxPayloadLength + "-byte maximum");
            }
            final String invalid = validator.check(payloadType, body, start, length);
            if (null != invalid)
            {
                throw new BadBatchException(400, "line " + line + ": " + invalid);
            }
            if (batch.count == maxEvents)
            {
                throw new BadBatchException(413, "more than " + maxEvents + " events in one batch");
            }
            batch.add(start, length);
            start = end + 1;
            line++;
        }
        if (0 == batch.count)
        {
            throw new BadBatchException(400, "empty batch: nothing to publish");
        }
        return batch;
    }

    private void add(final int offset, final int length)
    {
        if (count == offsets.length)
        {
            offsets = java.util.Arrays.copyOf(offsets, count * 2);
            lengths = java.util.Arrays.copyOf(lengths, count * 2);
        }
        offsets[count] = offset;
        lengths[count] = length;
        count++;
    }


    byte[] body()
    {
        return body;
    }

    int count()
    {
        return count;
    }

    int offset(final int index)
    {
        return offsets[index];
    }

    int length(final int index)
    {
        return lengths[index];
    }

    /**
     * A batch refused before anything of it was published.
     */
    static final class BadBatchException extends RuntimeException
    {
        private final int status;

        BadBatchException(final int status, final String reason)
        {
            super(reason, null, false, false);
            this.status = status;
        }

        int status()
        {
            return status;
        }
    }
}
