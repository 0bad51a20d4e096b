package io.pushengine.edge.http;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import org.agrona.ExpandableArrayBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The answer to a publish the engine acknowledged, {@code {"sequence":..,"topic":"..","topicSequence":..}}, rendered
 * in its IO thread's buffer and lent to the response sender, which writes it without a copy: nothing is allocated
 * per answer. The sender gives the buffer back when it has written it ({@link #onComplete}), almost always before
 * {@code send} returns; when the socket takes only part of it, the sender keeps it and the thread renders its next
 * answers in a new one.
 * <p>
 * Ending the exchange can start the connection's next pipelined request on the same stack, and its answer finds
 * the buffer given back already: the flag belongs to the buffer, so an answer in flight is never written over.
 * <p>
 * IO thread only.
 */
final class PublishAnswer implements IoCallback
{
    private static final ThreadLocal<PublishAnswer> IO_THREAD_ANSWER = ThreadLocal.withInitial(PublishAnswer::new);

    private final ExpandableArrayBuffer json = new ExpandableArrayBuffer(256);
    private ByteBuffer view = ByteBuffer.wrap(json.byteArray());
    private boolean lent;

    private PublishAnswer()
    {
    }

    /**
     * Answer {@code exchange} 200 with the publish's sequences, and end it. IO thread.
     */
    static void send(
        final HttpServerExchange exchange, final long sequence, final String topic, final long topicSequence)
    {
        PublishAnswer answer = IO_THREAD_ANSWER.get();
        if (answer.lent) // a socket took only part of the last answer: its sender keeps the buffer until written
        {
            answer = new PublishAnswer();
            IO_THREAD_ANSWER.set(answer);
        }
        final ByteBuffer body = answer.render(sequence, topic, topicSequence);
        answer.lent = true;
        HttpResponses.json(exchange, 200, body, answer);
    }

    /**
     * Put the answer's body at the start of {@code json}: the one rendering of it, also for the answers the edge
     * writes itself ({@link RawPublishAnswer}).
     *
     * @return its length.
     */
    static int putBody(
        final ExpandableArrayBuffer json, final long sequence, final String topic, final long topicSequence)
    {
        int length = json.putStringWithoutLengthAscii(0, "{\"sequence\":");
        length += json.putLongAscii(length, sequence);
        length += json.putStringWithoutLengthAscii(length, ",\"topic\":\"");
        length += json.putStringWithoutLengthAscii(length, topic);
        length += json.putStringWithoutLengthAscii(length, "\",\"topicSequence\":");
        length += json.putLongAscii(length, topicSequence);
        length += json.putStringWithoutLengthAscii(length, "}\n");
        return length;
    }

    private ByteBuffer render(final long sequence, final String topic, final long topicSequence)
    {
        final int length = putBody(json, sequence, topic, topicSequence);
        if (view.array() != json.byteArray()) // grew for a long topic name
        {
            view = ByteBuffer.wrap(json.byteArray());
        }
        view.limit(length).position(0);
        return view;
    }

    public void onComplete(final HttpServerExchange exchange, final Sender sender)
    {
        lent = false;
        IoCallback.END_EXCHANGE.onComplete(exchange, sender);
    }

    public void onException(final HttpServerExchange exchange, final Sender sender, final IOException exception)
    {
        lent = false;
        IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
    }
}
