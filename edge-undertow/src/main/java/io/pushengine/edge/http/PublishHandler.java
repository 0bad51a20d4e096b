package io.pushengine.edge.http;

import io.aeron.Publication;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.fanout.PublishAckListener;
import io.pushengine.edge.publish.PayloadValidator;
import io.undertow.io.Receiver;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
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
 * <p>
 * Batch: {@code Content-Type: application/x-ndjson} makes each line of the body one event of the topic (JSON unless
 * {@code ?type=} says otherwise), validated whole first ({@link PublishBatch}: a bad line refuses the batch, none of
 * it published), then offered in order, answered once the last is journaled:
 * {@code {"topic":"t","count":K,"firstSequence":N,"lastSequence":M,"firstTopicSequence":A,"lastTopicSequence":B}}.
 * The engine acknowledges an edge's requests in the order they were offered, so the last acknowledgement means all.
 * <p>
 * The requests after an admitted one on its connection that are the same request but for their body are read,
 * offered and answered by the edge itself ({@link PublishReadAhead}, unless {@code push.edge.publish.read.ahead=false}):
 * offered as soon as they arrive, pipelined or not, and answered in order, each from its acknowledgement, without
 * Undertow parsing them.
 */
public final class PublishHandler implements HttpHandler, PublishAckListener
{
    private static final String BATCH_CONTENT_TYPE = "application/x-ndjson";
    private static final int MAX_BATCH_EVENTS = 65_536;
    private static final AttachmentKey<PublishReadAhead> READ_AHEAD = AttachmentKey.create(PublishReadAhead.class);
    private static final int MAX_READ_AHEAD_HEAD_LENGTH = 8 * 1024;
    private static final ThreadLocal<PayloadValidator> VALIDATORS = ThreadLocal.withInitial(PayloadValidator::new);

    private static final AttachmentKey<String> TOPIC = AttachmentKey.create(String.class);

    // by correlation id: put on IO threads, taken by the fan-out thread (or by a timeout), in slots: single and
    // read-ahead publishes one each, a batch two (its first id, for its first sequences, and its last, to answer)
    private final AwaitingAcks awaitingAck = new AwaitingAcks(AwaitingAcks.DEFAULT_SLOTS);
    private final UnsafeBuffer bodyView = new UnsafeBuffer(0, 0); // wrapped and published under the ingress lock
    private final AtomicLong correlationIds = new AtomicLong((long)ThreadLocalRandom.current().nextInt(1, 1 << 30) << 32);
    private final IngressProxy ingressProxy;
    private final EdgeIoThreads ioThreads;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;
    private final int maxPayloadLength;
    private final int maxBatchBytes;
    private final long ackTimeoutMs;
    private final boolean readAhead;

    public PublishHandler(
        final IngressProxy ingressProxy,
        final EdgeIoThreads ioThreads,
        final EdgeCounters counters,
        final EpochNanoClock epochClock,
        final int maxPayloadLength,
        final int maxBatchBytes,
        final long ackTimeoutMs,
        final boolean readAhead)
    {
        this.readAhead = readAhead;
        this.maxBatchBytes = maxBatchBytes;
        this.ingressProxy = ingressProxy;
        this.ioThreads = ioThreads;
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
        final String topic = topicOf(exchange);
        final String invalidTopic = TopicNames.validate(topic);
        if (null != invalidTopic)
        {
            HttpResponses.reject(exchange, 400, invalidTopic, counters);
            return;
        }
        final boolean batch = isBatch(exchange);
        final PayloadType payloadType = payloadType(exchange, batch);
        if (null == payloadType)
        {
            HttpResponses.reject(exchange, 400, "type must be one of OPAQUE, TEXT, JSON, PRICE_TICK", counters);
            return;
        }
        if (batch)
        {
            receiveBatch(exchange, topic, payloadType);
            return;
        }
        if (exchange.getRequestContentLength() > maxPayloadLength)
        {
            HttpResponses.reject(exchange, 413, tooLarge(), counters);
            return;
        }

        exchange.setMaxEntitySize(maxPayloadLength);
        final SinglePublish publish = new SinglePublish(exchange, topic, payloadType);
        RequestBodyReader.receive(exchange, maxPayloadLength, publish, publish);
    }

    private void onBody(final SinglePublish publish, final byte[] body, final int length)
    {
        final HttpServerExchange exchange = publish.exchange;
        final String topic = publish.topic;
        final PayloadType payloadType = publish.payloadType;
        if (length == 0)
        {
            HttpResponses.reject(exchange, 400, "empty body: nothing to publish", counters);
            return;
        }
        if (length > maxPayloadLength)
        {
            HttpResponses.reject(exchange, 413, tooLarge(), counters);
            return;
        }
        final String invalid = VALIDATORS.get().check(payloadType, body, 0, length);
        if (null != invalid)
        {
            HttpResponses.reject(exchange, 400, "body is " + invalid, counters);
            return;
        }

        final long correlationId = correlationIds.incrementAndGet();
        publish.correlationId = correlationId;
        awaitingAck.put(correlationId, publish);
        final long result;
        synchronized (ingressProxy)
        {
            bodyView.wrap(body, 0, length);
            result = ingressProxy.publish(correlationId, topic, payloadType, epochClock.nanoTime(),
                bodyView, 0, length);
        }
        if (result < 0)
        {
            awaitingAck.take(correlationId);
            HttpResponses.reject(exchange, 503, "engine unavailable: " + Publication.errorString(result), counters);
            return;
        }
        counters.publishRequests().increment();
        publish.timeout.arm(ioThreads.of(exchange.getIoThread()), publish, ackTimeoutMs, TimeUnit.MILLISECONDS);
        HttpResponses.answerLater(exchange); // from the acknowledgement, or the deadline
        if (readAhead && PublishReadAhead.isEligible(exchange))
        {
            readAheadOf((HttpServerConnection)exchange.getConnection()).startFrom(exchange, topic, payloadType);
        }
    }

    private PublishReadAhead readAheadOf(final HttpServerConnection connection)
    {
        PublishReadAhead readAhead = connection.getAttachment(READ_AHEAD);
        if (null == readAhead)
        {
            final PublishReadAhead created = new PublishReadAhead(
                connection, ioThreads.of(connection.getIoThread()), this::offerReadAhead, MAX_READ_AHEAD_HEAD_LENGTH);
            connection.putAttachment(READ_AHEAD, created);
            connection.addCloseListener(closed ->
            {
                for (final PublishReadAhead.Offered offered : created.close())
                {
                    offered.timeout.disarm();
                    awaitingAck.take(offered.correlationId); // journaled, but nobody left to tell
                }
            });
            readAhead = created;
        }
        return readAhead;
    }

    private PublishReadAhead.Offered offerReadAhead(
        final PublishReadAhead readAhead, final byte[] body, final int length)
    {
        if (length > maxPayloadLength || null != VALIDATORS.get().check(readAhead.payloadType(), body, 0, length))
        {
            return null; // answered by the usual path when its turn comes
        }
        final long correlationId = correlationIds.incrementAndGet();
        final ReadAheadPublish spare = (ReadAheadPublish)readAhead.spare();
        final ReadAheadPublish offered = null != spare ?
            spare.reuse(correlationId) : new ReadAheadPublish(readAhead, correlationId);
        awaitingAck.put(correlationId, offered);
        final long result;
        synchronized (ingressProxy)
        {
            bodyView.wrap(body, 0, length);
            result = ingressProxy.publish(correlationId, readAhead.topic(), readAhead.payloadType(),
                epochClock.nanoTime(), bodyView, 0, length);
        }
        if (result < 0)
        {
            awaitingAck.take(correlationId);
            return null;
        }
        counters.publishRequests().increment();
        counters.publishesReadAhead().increment();
        offered.timeout.arm(offered.ioThread, offered, ackTimeoutMs, TimeUnit.MILLISECONDS);
        return offered;
    }

    /**
     * The topic a {@code POST /publish/TOPIC} names, taken from the path once per request (admission asks first,
     * when it checks the grant) and kept on the exchange.
     */
    public static String topicOf(final HttpServerExchange exchange)
    {
        String topic = exchange.getAttachment(TOPIC);
        if (null == topic)
        {
            final String path = exchange.getRelativePath();
            topic = path.startsWith("/") ? path.substring(1) : path;
            exchange.putAttachment(TOPIC, topic);
        }
        return topic;
    }

    private void receiveBatch(final HttpServerExchange exchange, final String topic, final PayloadType payloadType)
    {
        if (exchange.getRequestContentLength() > maxBatchBytes)
        {
            HttpResponses.reject(exchange, 413, batchTooLarge(), counters);
            return;
        }
        exchange.setMaxEntitySize(maxBatchBytes);
        exchange.getRequestReceiver().receiveFullBytes(
            (ex, body) -> onBatch(ex, topic, payloadType, body),
            (ex, error) -> HttpResponses.reject(ex, error instanceof RequestTooBigException ? 413 : 400,
                error instanceof RequestTooBigException ? batchTooLarge() : "could not read body: " + error.getMessage(),
                counters));
    }

    private void onBatch(
        final HttpServerExchange exchange, final String topic, final PayloadType payloadType, final byte[] body)
    {
        final PublishBatch batch;
        try
        {
            batch = PublishBatch.parse(body, payloadType, maxPayloadLength, MAX_BATCH_EVENTS, VALIDATORS.get());
        }
        catch (final PublishBatch.BadBatchException ex)
        {
            HttpResponses.reject(exchange, ex.status(), ex.getMessage(), counters);
            return;
        }

        final int count = batch.count();
        final long firstCorrelationId = correlationIds.getAndAdd(count) + 1;
        final BatchAwait await = new BatchAwait(
            exchange, topic, payloadType, batch, firstCorrelationId,
            new RequestDeadline(counters.publishesAwaitingAck()));
        if (null != await.first)
        {
            awaitingAck.put(firstCorrelationId, await.first);
        }
        awaitingAck.put(await.lastCorrelationId, await);
        await.deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ackTimeoutMs);
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> offerBatch(await));
    }

    /**
     * Offer what is left of a batch, in order. When the engine's ingress is back pressured, go on from there a
     * millisecond later (the IO thread is never blocked), until the acknowledgement timeout. IO thread.
     */
    private void offerBatch(final BatchAwait await)
    {
        final PublishBatch batch = await.batch;
        final int count = batch.count();
        final int from = await.offered;
        long result = 0;
        synchronized (ingressProxy)
        {
            final UnsafeBuffer payload = await.payload;
            final long timestampNs = epochClock.nanoTime();
            while (await.offered < count)
            {
                final int i = await.offered;
                result = ingressProxy.publish(await.firstCorrelationId + i, await.topic, await.payloadType,
                    timestampNs, payload, batch.offset(i), batch.length(i));
                if (result < 0)
                {
                    break;
                }
                await.offered++;
            }
        }
        counters.publishRequests().getAndAdd(await.offered - from);
        final HttpServerExchange exchange = await.exchange;
        if (await.offered == count)
        {
            await.timeout.arm(ioThreads.of(exchange.getIoThread()), () ->
            {
                if (null != awaitingAck.take(await.lastCorrelationId))
                {
                    await.takeFirst();
                    HttpResponses.reject(exchange, 504, "engine did not acknowledge the batch in " + ackTimeoutMs +
                        " ms; its events may still be journaled", counters);
                }
            }, ackTimeoutMs, TimeUnit.MILLISECONDS);
            return;
        }
        if (Publication.BACK_PRESSURED == result && System.nanoTime() - await.deadlineNs < 0)
        {
            exchange.getIoThread().executeAfter(() -> offerBatch(await), 1, TimeUnit.MILLISECONDS);
            return;
        }
        if (null == awaitingAck.take(await.lastCorrelationId))
        {
            return; // answered already: the engine refused its first event (403)
        }
        await.takeFirst(); // answered now: its first event's acknowledgement, if it comes, has nobody to tell
        HttpResponses.reject(exchange, 503, "engine unavailable after " + await.offered + " of " + count +
            " events (" + Publication.errorString(result) + "): the first " + await.offered + " were published, " +
            "the rest not; send the rest again", counters);
    }

    /**
     * Fan-out thread: the engine journaled a request of ours.
     */
    public void onPublishAck(
        final long correlationId, final long globalSequence, final String topicName, final long topicSequence)
    {
        final AwaitingAcks.Entry publish = awaitingAck.take(correlationId);
        if (null != publish)
        {
            publish.acknowledge(globalSequence, topicName, topicSequence);
        }
    }

    /**
     * Fan-out thread: the engine refused a request of ours (its ingress requires a token).
     */
    public void onPublishRefused(final long correlationId, final String reason)
    {
        final AwaitingAcks.Entry publish = awaitingAck.take(correlationId);
        if (null != publish)
        {
            publish.refuse(reason);
        }
    }

    private void rejectRefused(final HttpServerExchange exchange, final String reason)
    {
        HttpResponses.reject(exchange, 403, refused(reason), counters);
    }

    private static String refused(final String reason)
    {
        return "the engine refused it: " + reason;
    }

    private void rejectUnacknowledged(final HttpServerExchange exchange)
    {
        HttpResponses.reject(exchange, 504, unacknowledged(), counters);
    }

    private String unacknowledged()
    {
        return "engine did not acknowledge in " + ackTimeoutMs + " ms; the event may still be journaled";
    }

    private String batchTooLarge()
    {
        return "batch larger than the " + maxBatchBytes + "-byte maximum (push.edge.publish.batch.max.bytes)";
    }

    private static boolean isBatch(final HttpServerExchange exchange)
    {
        final String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        return null != contentType && contentType.startsWith(BATCH_CONTENT_TYPE);
    }

    private String tooLarge()
    {
        return "body larger than the " + maxPayloadLength + "-byte maximum";
    }

    private static PayloadType payloadType(final HttpServerExchange exchange, final boolean batch)
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
        if (batch)
        {
            return PayloadType.JSON;
        }
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


    /**
     * A publish read ahead: offered by the edge without an exchange, answered by its {@link PublishReadAhead} in its
     * turn. One object is its record in the queue and the awaited table, the fan-out's task to its IO thread
     * ({@link #acknowledge}, {@link #refuse}) and its timeout's action: nothing else is allocated for it. Once
     * answered, its connection keeps it for a later publish ({@link #reuse}).
     */
    private final class ReadAheadPublish extends PublishReadAhead.Offered implements Runnable, RequestDeadline.Expiry
    {
        final PublishReadAhead readAhead;
        // by the fan-out thread, then handed to the IO thread with this task, which reads them after it
        long sequence;
        String topicName;
        long topicSequence;
        String refusedBecause;
        boolean answerable;
        boolean timedOut;

        ReadAheadPublish(final PublishReadAhead readAhead, final long correlationId)
        {
            super(correlationId, ioThreads.of(readAhead.connection().getIoThread()),
                new RequestDeadline(counters.publishesAwaitingAck()));
            this.readAhead = readAhead;
        }

        /**
         * The object of an answered publish of the same connection, for the next one. IO thread.
         */
        ReadAheadPublish reuse(final long correlationId)
        {
            this.correlationId = correlationId;
            timeout.reset();
            sequence = 0;
            topicName = null;
            topicSequence = 0;
            refusedBecause = null;
            answerable = false;
            timedOut = false;
            return this;
        }

        /**
         * Fan-out thread, once this publish's id is taken from the awaited table.
         */
        void acknowledge(final long globalSequence, final String topicName, final long topicSequence)
        {
            sequence = globalSequence;
            this.topicName = topicName;
            this.topicSequence = topicSequence;
            ioThread.execute(this);
        }

        /**
         * Fan-out thread, as {@link #acknowledge}.
         */
        void refuse(final String reason)
        {
            refusedBecause = reason;
            ioThread.execute(this);
        }

        /**
         * IO thread: the engine's answer.
         */
        public void run()
        {
            timeout.disarm();
            answerable = true;
            readAhead.answerReady();
        }

        public void onDeadline()
        {
            if (null != awaitingAck.take(correlationId))
            {
                timedOut = true;
                answerable = true;
                readAhead.answerReady();
            }
        }

        boolean isAnswerable()
        {
            return answerable;
        }

        int renderAnswer(final ByteBuffer out)
        {
            final RawPublishAnswer answer = RawPublishAnswer.ofThread();
            if (!timedOut && null == refusedBecause)
            {
                return answer.published(out, sequence, topicName, topicSequence);
            }
            final int length = timedOut ?
                answer.rejected(out, 504, unacknowledged()) : answer.rejected(out, 403, refused(refusedBecause));
            if (length > 0)
            {
                counters.httpRejected().increment();
            }
            return length;
        }
    }

    /**
     * A single publish: its body's reader, then, once offered, waiting for its acknowledgement. One object is its
     * body's reader, its record in the awaited table, the fan-out's task to its IO thread ({@link #acknowledge},
     * {@link #refuse}) and its timeout's action (504): nothing else is allocated for it.
     */
    private final class SinglePublish extends AwaitingAcks.Entry
        implements RequestBodyReader.BodyHandler, Receiver.ErrorCallback, Runnable, RequestDeadline.Expiry
    {
        final HttpServerExchange exchange;
        final String topic;
        final PayloadType payloadType;
        final RequestDeadline timeout = new RequestDeadline(counters.publishesAwaitingAck());
        long correlationId;
        // by the fan-out thread, then handed to the IO thread with this task
        long sequence;
        String topicName;
        long topicSequence;
        String refusedBecause;

        SinglePublish(final HttpServerExchange exchange, final String topic, final PayloadType payloadType)
        {
            this.exchange = exchange;
            this.topic = topic;
            this.payloadType = payloadType;
        }

        public void onBody(final HttpServerExchange ex, final byte[] body, final int length)
        {
            PublishHandler.this.onBody(this, body, length);
        }

        public void error(final HttpServerExchange ex, final IOException error)
        {
            HttpResponses.reject(ex, error instanceof RequestTooBigException ? 413 : 400,
                error instanceof RequestTooBigException ? tooLarge() : "could not read body: " + error.getMessage(),
                counters);
        }

        /**
         * Fan-out thread, once this publish's id is taken from the awaited table.
         */
        void acknowledge(final long globalSequence, final String topicName, final long topicSequence)
        {
            sequence = globalSequence;
            this.topicName = topicName;
            this.topicSequence = topicSequence;
            ioThreads.of(exchange.getIoThread()).execute(this);
        }

        /**
         * Fan-out thread, as {@link #acknowledge}.
         */
        void refuse(final String reason)
        {
            refusedBecause = reason;
            ioThreads.of(exchange.getIoThread()).execute(this);
        }

        /**
         * IO thread: the engine's answer.
         */
        public void run()
        {
            timeout.disarm();
            if (null != refusedBecause)
            {
                rejectRefused(exchange, refusedBecause);
                return;
            }
            PublishAnswer.send(exchange, sequence, topicName, topicSequence);
        }

        public void onDeadline()
        {
            if (null != awaitingAck.take(correlationId))
            {
                rejectUnacknowledged(exchange);
            }
        }
    }

    /**
     * A batch waiting for its acknowledgements, awaited under its last correlation id, and under its first by
     * {@link #first} (a batch of one has none): the first acknowledgement gives its first sequences, the last
     * completes it; those between are not awaited.
     */
    private final class BatchAwait extends AwaitingAcks.Entry
    {
        final HttpServerExchange exchange;
        final String topic;
        final PayloadType payloadType;
        final PublishBatch batch;
        final UnsafeBuffer payload;
        final int count;
        final long firstCorrelationId;
        final long lastCorrelationId;
        final RequestDeadline timeout;
        final FirstAck first;
        long deadlineNs;
        int offered;
        long firstSequence; // fan-out thread: from the first acknowledgement, before the last
        long firstTopicSequence;

        BatchAwait(
            final HttpServerExchange exchange,
            final String topic,
            final PayloadType payloadType,
            final PublishBatch batch,
            final long firstCorrelationId,
            final RequestDeadline timeout)
        {
            this.exchange = exchange;
            this.timeout = timeout;
            this.topic = topic;
            this.payloadType = payloadType;
            this.batch = batch;
            this.payload = new UnsafeBuffer(batch.body());
            this.count = batch.count();
            this.firstCorrelationId = firstCorrelationId;
            this.lastCorrelationId = firstCorrelationId + count - 1;
            this.first = count > 1 ? new FirstAck(this) : null;
        }

        /**
         * Stop awaiting its first event's acknowledgement (the batch is answered another way). Any thread.
         */
        void takeFirst()
        {
            if (null != first)
            {
                awaitingAck.take(firstCorrelationId);
            }
        }

        /**
         * Fan-out thread: its last event is journaled (the first was before it, or is it).
         */
        void acknowledge(final long globalSequence, final String topicName, final long topicSequence)
        {
            if (null == first)
            {
                firstSequence = globalSequence;
                firstTopicSequence = topicSequence;
            }
            final String body = "{\"topic\":\"" + topic + "\",\"count\":" + count +
                ",\"firstSequence\":" + firstSequence + ",\"lastSequence\":" + globalSequence +
                ",\"firstTopicSequence\":" + firstTopicSequence + ",\"lastTopicSequence\":" + topicSequence +
                "}\n";
            ioThreads.of(exchange.getIoThread()).execute(() ->
            {
                timeout.disarm();
                HttpResponses.json(exchange, 200, body);
            });
        }

        /**
         * Fan-out thread: the engine refused its last event, or (by {@link FirstAck}) its first.
         */
        void refuse(final String reason)
        {
            takeFirst();
            ioThreads.of(exchange.getIoThread()).execute(() ->
            {
                timeout.disarm(); // (if the batch is still being offered, its timeout is never armed)
                rejectRefused(exchange, reason);
            });
        }
    }

    /**
     * A batch's first event, awaited for its sequences.
     */
    private final class FirstAck extends AwaitingAcks.Entry
    {
        private final BatchAwait batch;

        FirstAck(final BatchAwait batch)
        {
            this.batch = batch;
        }

        void acknowledge(final long globalSequence, final String topicName, final long topicSequence)
        {
            batch.firstSequence = globalSequence;
            batch.firstTopicSequence = topicSequence;
        }

        void refuse(final String reason)
        {
            if (null != awaitingAck.take(batch.lastCorrelationId)) // unless already answered
            {
                batch.refuse(reason);
            }
        }
    }
}
