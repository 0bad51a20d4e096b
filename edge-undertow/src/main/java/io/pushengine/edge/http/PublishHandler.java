package io.pushengine.edge.http;

import io.aeron.Publication;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.fanout.PublishAckListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /publish/{topic}}: HTTP ingress for demos, tests and services that cannot speak Aeron. The body is
 * forwarded over the Aeron ingress stream (the edge never calls the engine directly) and the response waits for the
 * engine's acknowledgement, so a 200 means journaled: {@code {"sequence":N,"topic":"t","topicSequence":M}}.
 * <p>
 * Payload type: {@code ?type=OPAQUE|TEXT|JSON|PRICE_TICK}, else from Content-Type ({@code application/json} is
 * JSON, {@code text/*} is TEXT, anything else OPAQUE). TEXT and JSON must be UTF-8.
 */
public final class PublishHandler implements HttpHandler, PublishAckListener
{
    private final Map<Long, HttpServerExchange> awaitingAck = new ConcurrentHashMap<>();
    private final AtomicLong correlationIds = new AtomicLong((long)ThreadLocalRandom.current().nextInt(1, 1 << 30) << 32);
    private final IngressProxy ingressProxy;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;
    private final int maxPayloadLength;
    private final long ackTimeoutMs;

    public PublishHandler(
        final IngressProxy ingressProxy,
        final EdgeCounters counters,
        final EpochNanoClock epochClock,
        final int maxPayloadLength,
        final long ackTimeoutMs)
    {
        this.ingressProxy = ingressProxy;
        this.counters = counters;
        this.epochClock = epochClock;
        this.maxPayloadLength = maxPayloadLength;
        this.ackTimeoutMs = ackTimeoutMs;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        if (!Methods.POST.equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            HttpResponses.reject(exchange, 405, "use POST to publish", counters);
            return;
        }
        final String topic = exchange.getRelativePath().startsWith("/") ?
            exchange.getRelativePath().substring(1) : exchange.getRelativePath();
        final String invalidTopic = TopicNames.validate(topic);
        if (null != invalidTopic)
        {
            HttpResponses.reject(exchange, 400, invalidTopic, counters);
            return;
        }
        final PayloadType payloadType = payloadType(exchange);
        if (null == payloadType)
        {
            HttpResponses.reject(exchange, 400, "type must be one of OPAQUE, TEXT, JSON, PRICE_TICK", counters);
            return;
        }
        if (exchange.getRequestContentLength() > maxPayloadLength)
        {
            HttpResponses.reject(exchange, 413, tooLarge(), counters);
            return;
        }

        exchange.setMaxEntitySize(maxPayloadLength);
        exchange.getRequestReceiver().receiveFullBytes(
            (ex, body) -> onBody(ex, topic, payloadType, body),
            (ex, error) -> HttpResponses.reject(ex, error instanceof RequestTooBigException ? 413 : 400,
                error instanceof RequestTooBigException ? tooLarge() : "could not read body: " + error.getMessage(),
                counters));
    }

    private void onBody(
        final HttpServerExchange exchange, final String topic, final PayloadType payloadType, final byte[] body)
    {
        if (body.length == 0)
        {
            HttpResponses.reject(exchange, 400, "empty body: nothing to publish", counters);
            return;
        }
        if (body.length > maxPayloadLength)
        {
            HttpResponses.reject(exchange, 413, tooLarge(), counters);
            return;
        }
        if ((payloadType == PayloadType.TEXT || payloadType == PayloadType.JSON) && !isUtf8(body))
        {
            HttpResponses.reject(exchange, 400, "body is not valid UTF-8", counters);
            return;
        }

        final long correlationId = correlationIds.incrementAndGet();
        awaitingAck.put(correlationId, exchange);
        final long result;
        synchronized (ingressProxy)
        {
            result = ingressProxy.publish(correlationId, topic, payloadType, epochClock.nanoTime(),
                new UnsafeBuffer(body), 0, body.length);
        }
        if (result < 0)
        {
            awaitingAck.remove(correlationId);
            HttpResponses.reject(exchange, 503, "engine unavailable: " + Publication.errorString(result), counters);
            return;
        }
        counters.publishRequests().increment();
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> exchange.getIoThread().executeAfter(() ->
        {
            if (null != awaitingAck.remove(correlationId))
            {
                HttpResponses.reject(exchange, 504, "engine did not acknowledge in " + ackTimeoutMs + " ms; " +
                    "the event may still be journaled", counters);
            }
        }, ackTimeoutMs, TimeUnit.MILLISECONDS));
    }

    /**
     * Fan-out thread: the engine journaled a request of ours.
     */
    public void onPublishAck(
        final long correlationId, final long globalSequence, final String topicName, final long topicSequence)
    {
        final HttpServerExchange exchange = awaitingAck.remove(correlationId);
        if (null != exchange)
        {
            exchange.getIoThread().execute(() -> HttpResponses.json(exchange, 200,
                "{\"sequence\":" + globalSequence + ",\"topic\":\"" + topicName + "\",\"topicSequence\":" +
                topicSequence + "}\n"));
        }
    }

    /**
     * Fan-out thread: the engine refused a request of ours (its ingress requires a token).
     */
    public void onPublishRefused(final long correlationId, final String reason)
    {
        final HttpServerExchange exchange = awaitingAck.remove(correlationId);
        if (null != exchange)
        {
            exchange.getIoThread().execute(() -> HttpResponses.reject(exchange, 403, "the engine refused it: " + reason,
                counters));
        }
    }

    private String tooLarge()
    {
        return "body larger than the " + maxPayloadLength + "-byte maximum";
    }

    private static PayloadType payloadType(final HttpServerExchange exchange)
    {
        final Deque<String> type = exchange.getQueryParameters().get("type");
        if (null != type && !type.isEmpty())
        {
            try
            {
                final PayloadType payloadType = PayloadType.valueOf(type.getFirst());
                return payloadType == PayloadType.NULL_VAL ? null : payloadType;
            }
            catch (final IllegalArgumentException ex)
            {
                return null;
            }
        }
        final String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (null == contentType)
        {
            return PayloadType.OPAQUE;
        }
        if (contentType.startsWith("application/json"))
        {
            return PayloadType.JSON;
        }
        return contentType.startsWith("text/") ? PayloadType.TEXT : PayloadType.OPAQUE;
    }

    private static boolean isUtf8(final byte[] body)
    {
        try
        {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body));
            return true;
        }
        catch (final CharacterCodingException ex)
        {
            return false;
        }
    }
}
