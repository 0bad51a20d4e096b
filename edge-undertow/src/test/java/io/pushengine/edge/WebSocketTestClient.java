package io.pushengine.edge;

import io.pushengine.codec.sbe.AuthenticatedDecoder;
import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.ErrorDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.ResumedDecoder;
import io.pushengine.codec.sbe.SnapshotBeginDecoder;
import io.pushengine.codec.sbe.SnapshotEndDecoder;
import io.pushengine.codec.sbe.SubscribedDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (the JDK's) that decodes the edge's frames with the generated SBE decoders.
 */
final class WebSocketTestClient implements WebSocket.Listener, AutoCloseable
{
    record Error(int code, long correlationId, String reason)
    {
    }

    record Event(
        long globalSequence, String topic, long topicSequence, long timestampNs, String payload, long receivedNs)
    {
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<byte[]> frames = new CopyOnWriteArrayList<>();
    final Map<Integer, String> topicNames = new ConcurrentHashMap<>();
    /** The correlation id of every {@code Subscribed} received (subscribe and update confirmations). */
    final List<Long> subscribedCorrelationIds = new CopyOnWriteArrayList<>();
    /** Published answers: correlationId, globalSequence, topic, topicSequence. */
    final List<long[]> published = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    /** The {@code Resumed} message: fromSequence, toSequence, complete (1/0), oldestRetained; with its position. */
    final CompletableFuture<long[]> resumed = new CompletableFuture<>();
    /** Number of events received before {@code SnapshotBegin}. */
    final CompletableFuture<Integer> snapshotBegin = new CompletableFuture<>();
    /** The {@code SnapshotEnd} message: asOfSequence, valueCount; with the number of events received before it. */
    final CompletableFuture<long[]> snapshotEnd = new CompletableFuture<>();
    volatile String closeReason;
    final List<Error> errors = new CopyOnWriteArrayList<>();
    /** The {@code Authenticated} message: expiresAtMs, correlationId. */
    final List<long[]> authenticated = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final WebSocket webSocket;

    WebSocketTestClient(final URI uri) throws Exception
    {
        this(uri, Map.of());
    }

    /**
     * @param headers handshake headers, e.g. {@code Authorization} or {@code Origin}.
     */
    WebSocketTestClient(final URI uri, final Map<String, String> headers) throws Exception
    {
        this(HttpClient.newHttpClient(), uri, headers);
    }

    WebSocketTestClient(final HttpClient http, final URI uri, final Map<String, String> headers) throws Exception
    {
        final WebSocket.Builder builder = http.newWebSocketBuilder();
        headers.forEach(builder::header);
        webSocket = builder.buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    void sendBinary(final byte[] bytes) throws Exception
    {
        webSocket.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    void sendText(final String text) throws Exception
    {
        webSocket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
    {
        final byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partial.write(chunk, 0, chunk.length);
        if (last)
        {
            final byte[] frame = partial.toByteArray();
            partial.reset();
            frames.add(frame);
            decode(frame);
        }
        webSocket.request(1);
        return null;
    }

    public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
    {
        closeReason = reason;
        closeCode.complete(statusCode);
        return null;
    }

    public void onError(final WebSocket webSocket, final Throwable error)
    {
        closeCode.completeExceptionally(error);
    }

    private void decode(final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        if (header.templateId() == SubscribedDecoder.TEMPLATE_ID)
        {
            final SubscribedDecoder subscribed = new SubscribedDecoder().wrapAndApplyHeader(buffer, 0, header);
            subscribedCorrelationIds.add(subscribed.correlationId());
            topicNames.put(subscribed.topic(), subscribed.topicName());
        }
        else if (header.templateId() == ResumedDecoder.TEMPLATE_ID)
        {
            final ResumedDecoder decoder = new ResumedDecoder().wrapAndApplyHeader(buffer, 0, header);
            resumed.complete(new long[]{ decoder.fromSequence(), decoder.toSequence(), decoder.complete(),
                decoder.oldestRetained(), events.size() });
        }
        else if (header.templateId() == io.pushengine.codec.sbe.PublishedDecoder.TEMPLATE_ID)
        {
            final io.pushengine.codec.sbe.PublishedDecoder decoder =
                new io.pushengine.codec.sbe.PublishedDecoder().wrapAndApplyHeader(buffer, 0, header);
            published.add(new long[]{ decoder.correlationId(), decoder.globalSequence(), decoder.topic(),
                decoder.topicSequence() });
        }
        else if (header.templateId() == ErrorDecoder.TEMPLATE_ID)
        {
            final ErrorDecoder decoder = new ErrorDecoder().wrapAndApplyHeader(buffer, 0, header);
            errors.add(new Error(decoder.code().value(), decoder.correlationId(), decoder.reason()));
        }
        else if (header.templateId() == AuthenticatedDecoder.TEMPLATE_ID)
        {
            final AuthenticatedDecoder decoder = new AuthenticatedDecoder().wrapAndApplyHeader(buffer, 0, header);
            authenticated.add(new long[]{ decoder.expiresAtMs(), decoder.correlationId() });
        }
        else if (header.templateId() == SnapshotBeginDecoder.TEMPLATE_ID)
        {
            snapshotBegin.complete(events.size());
        }
        else if (header.templateId() == SnapshotEndDecoder.TEMPLATE_ID)
        {
            final SnapshotEndDecoder decoder = new SnapshotEndDecoder().wrapAndApplyHeader(buffer, 0, header);
            snapshotEnd.complete(new long[]{ decoder.asOfSequence(), decoder.valueCount(), events.size() });
        }
        else if (header.templateId() == BatchDecoder.TEMPLATE_ID)
        {
            final BatchDecoder batch = new BatchDecoder().wrapAndApplyHeader(buffer, 0, header);
            for (final BatchDecoder.EventsDecoder event : batch.events())
            {
                final long globalSequence = event.globalSequence();
                final int topic = event.topic();
                final long topicSequence = event.topicSequence();
                final long timestampNs = event.timestampNs();
                final byte[] payload = new byte[event.payloadLength()];
                event.getPayload(payload, 0, payload.length);
                events.add(new Event(globalSequence, topicNames.get(topic), topicSequence, timestampNs,
                    new String(payload, StandardCharsets.UTF_8), System.nanoTime()));
            }
        }
    }

    /**
     * Close politely (close frame 1000, then wait for the server's).
     */
    void closeNormally() throws Exception
    {
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        closeCode.get(10, TimeUnit.SECONDS);
    }

    public void close()
    {
        webSocket.abort();
    }

    /**
     * The global sequences of the events received so far, in the order received.
     */
    List<Long> sequences()
    {
        final List<Long> sequences = new java.util.ArrayList<>();
        events.forEach(e -> sequences.add(e.globalSequence()));
        return sequences;
    }

    /**
     * How many {@code Batch} frames (of events) arrived so far.
     */
    int batchFrames()
    {
        return (int)frames.stream()
            .filter(frame -> new UnsafeBuffer(frame).getShort(2) == io.pushengine.codec.sbe.BatchDecoder.TEMPLATE_ID)
            .count();
    }
}
