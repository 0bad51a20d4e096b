package io.pushengine.client;

import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.ResumedDecoder;
import io.pushengine.codec.sbe.SnapshotEndDecoder;
import io.pushengine.codec.sbe.SubscribeEncoder;
import io.pushengine.codec.sbe.UpdateSubscriptionEncoder;
import io.pushengine.codec.sbe.SubscribedDecoder;
import io.pushengine.codec.sbe.UnsubscribeEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A subscriber for services (Java), the counterpart of the browser's {@code push-client.js} over WebSocket: it
 * connects to one of a list of edges, decodes the binary SBE frames with flyweights (a listener gets each event's
 * payload as a view, nothing allocated per event), and keeps the stream whole across everything that ends a
 * connection. Every reconnect resumes after the last global sequence it delivered ({@code from=}), so each event
 * reaches the listener once and in order; events at or before that sequence are never delivered twice.
 * <ul>
 *   <li>First connection: the current value of each topic first (a snapshot, unless turned off), then live.</li>
 *   <li>1001 (the edge drains or recycles): the next edge, after the edge's {@code retry-after-ms} hint (it spreads
 *       its clients), without counting as a failure.</li>
 *   <li>A lost connection: the next edge (any edge can resume it), with backoff: base &times; 2<sup>attempt-1</sup>
 *       capped, minus up to the jitter fraction at random so clients do not return in step; 1011/1013 wait
 *       {@code slowDelayFactor} times longer.</li>
 *   <li>1000: closed for good. 1008 (refused by policy): closed, unless the token expired and a token supplier can
 *       give a fresh one (then at once).</li>
 *   <li>A resume past what the edge still retains: {@link Listener#onReset} (resync from the source of truth); the
 *       stream goes on live.</li>
 * </ul>
 * Threading: {@code onEvent}, {@code onSubscribed}, {@code onSnapshot} and {@code onReset} are called on the
 * WebSocket's thread, one at a time and in stream order; {@code onStateChange} on the subscriber's own thread (which
 * also reconnects). {@link #subscribe}, {@link #unsubscribe} and {@link #close} may be called from any thread.
 */
public final class PushSubscriber implements AutoCloseable
{
    private static final Pattern RETRY_HINT = Pattern.compile("retry-after-ms=(\\d+)");
    private static final Pattern EXPIRY = Pattern.compile("\"exp\"\\s*:\\s*(\\d+)");
    private static final long REFRESH_BEFORE_EXPIRY_MS = 60_000;

    /**
     * Where the subscriber stands.
     */
    public enum State
    {
        CONNECTING, OPEN, RECONNECTING, CLOSED, FAILED
    }

    /**
     * What the application is told. {@link #onEvent} is the only one it must implement.
     */
    public interface Listener
    {
        /**
         * One event, in order; within a snapshot (after {@link #onSubscribed}, before {@link #onSnapshot}) a topic's
         * current value, whose sequence may be older than events already delivered. The payload is a view valid
         * only during the call.
         */
        void onEvent(
            long globalSequence,
            String topic,
            long topicSequence,
            long timestampNs,
            PayloadType payloadType,
            DirectBuffer payload,
            int offset,
            int length);

        /**
         * A subscription is live on the current connection: events of {@code topic} after {@code topicSequence}
         * follow (from the cursor when resuming). Every connection confirms its topics again.
         */
        default void onSubscribed(final String topic, final long topicSequence)
        {
        }

        /**
         * The snapshot is complete: the values before it were the current state as of {@code asOfSequence}.
         */
        default void onSnapshot(final long asOfSequence, final int valueCount)
        {
        }

        /**
         * What followed {@code fromSequence} is no longer retained: some events were missed; resync.
         */
        default void onReset(final long fromSequence, final long oldestRetained)
        {
        }

        default void onStateChange(final State state, final String detail)
        {
        }

        /**
         * The edge refused something the subscriber asked (a topic not granted, a frequency out of bounds): the
         * connection and its other topics carry on. {@code code} is an {@code ErrorCode} value.
         */
        default void onError(final int code, final String reason)
        {
        }
    }

    /**
     * Settings. Single use.
     */
    public static final class Context
    {
        private List<URI> edges = new ArrayList<>();
        private List<String> topics = new ArrayList<>();
        private Map<String, Integer> maxFrequencies = new HashMap<>();
        private Map<String, Integer> batchWindows = new HashMap<>();
        private boolean snapshot = true;
        private String policy;
        private Supplier<String> token;
        private long baseDelayMs = 1_000;
        private long maxDelayMs = 30_000;
        private double jitter = 0.3;
        private int slowDelayFactor = 3;
        private int maxAttempts = Integer.MAX_VALUE;
        private long openTimeoutMs = 10_000;
        private HttpClient httpClient;

        /**
         * The edges, e.g. {@code ws://edge-a:8080}; the first is tried first, the next when one goes away.
         */
        public Context edges(final List<URI> edges)
        {
            this.edges = new ArrayList<>(edges);
            return this;
        }

        public Context topics(final List<String> topics)
        {
            this.topics = new ArrayList<>(topics);
            return this;
        }

        /**
         * At most {@code maxFrequency} events per second on one of the topics (the latest value when due; the
         * Lightstreamer "max frequency"), sent as {@code rate.TOPIC=N} on every connection.
         */
        public Context maxFrequency(final String topic, final int maxFrequency)
        {
            checkFrequency(maxFrequency);
            maxFrequencies.put(topic, maxFrequency);
            return this;
        }

        /**
         * A batching window for one of the topics: its events may wait up to {@code batchWindowMs} to arrive with
         * later ones in one frame (none is dropped), sent as {@code window.TOPIC=MS} on every connection.
         */
        public Context batchWindow(final String topic, final int batchWindowMs)
        {
            checkBatchWindow(batchWindowMs);
            batchWindows.put(topic, batchWindowMs);
            return this;
        }

        /**
         * Whether the first connection starts with the current value of each topic (default true).
         */
        public Context snapshot(final boolean snapshot)
        {
            this.snapshot = snapshot;
            return this;
        }

        /**
         * The backpressure policy to ask for ({@code conflate}, {@code drop}, ...), or null for each topic's rule.
         */
        public Context policy(final String policy)
        {
            this.policy = policy;
            return this;
        }

        /**
         * A token (JWT) for each connection, asked for at every connect, and again a minute before the current one
         * expires to refresh it in-band ({@code Authenticate}) without reconnecting; null for none.
         */
        public Context token(final Supplier<String> token)
        {
            this.token = token;
            return this;
        }

        public Context backoff(final long baseDelayMs, final long maxDelayMs, final double jitter)
        {
            this.baseDelayMs = baseDelayMs;
            this.maxDelayMs = maxDelayMs;
            this.jitter = jitter;
            return this;
        }

        public Context maxAttempts(final int maxAttempts)
        {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Context openTimeoutMs(final long openTimeoutMs)
        {
            this.openTimeoutMs = openTimeoutMs;
            return this;
        }

        public Context httpClient(final HttpClient httpClient)
        {
            this.httpClient = httpClient;
            return this;
        }

        Context conclude()
        {
            if (edges.isEmpty())
            {
                throw new IllegalArgumentException("at least one edge is required");
            }
            if (topics.isEmpty())
            {
                throw new IllegalArgumentException("at least one topic is required");
            }
            if (jitter < 0 || jitter >= 1)
            {
                throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
            }
            for (final String topic : maxFrequencies.keySet())
            {
                if (!topics.contains(topic))
                {
                    throw new IllegalArgumentException("a maxFrequency for '" + topic + "', not one of the topics");
                }
            }
            for (final String topic : batchWindows.keySet())
            {
                if (!topics.contains(topic))
                {
                    throw new IllegalArgumentException("a batchWindow for '" + topic + "', not one of the topics");
                }
            }
            maxFrequencies.values().removeIf(frequency -> 0 == frequency);
            batchWindows.values().removeIf(windowMs -> 0 == windowMs);
            if (null == httpClient)
            {
                httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(openTimeoutMs)).build();
            }
            return this;
        }
    }

    private final Context ctx;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private final List<String> topics;
    private final Map<String, Integer> maxFrequencies = new HashMap<>();
    private final Map<String, Integer> batchWindows = new HashMap<>();
    private final ExpandableDirectByteBuffer frame = new ExpandableDirectByteBuffer(64 * 1024);
    private final SubscriberFrameDecoder decoder;
    private volatile WebSocket webSocket;
    private String connectedToken;
    private volatile boolean closed;
    private volatile State state;
    private int frameLength;
    private java.util.concurrent.ScheduledFuture<?> refresh;
    private java.util.concurrent.CompletableFuture<?> sending = java.util.concurrent.CompletableFuture.completedFuture(null);
    private int edgeIndex;
    private int attempt;
    private long nextCorrelationId = 1;

    private PushSubscriber(final Context ctx, final Listener listener)
    {
        this.ctx = ctx;
        this.listener = listener;
        this.topics = new ArrayList<>(ctx.topics);
        this.maxFrequencies.putAll(ctx.maxFrequencies);
        this.batchWindows.putAll(ctx.batchWindows);
        this.decoder = new SubscriberFrameDecoder(listener);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "push-subscriber");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Start: connect to the first edge (asynchronously); events go to {@code listener}.
     */
    public static PushSubscriber connect(final Context ctx, final Listener listener)
    {
        final PushSubscriber subscriber = new PushSubscriber(ctx.conclude(), listener);
        subscriber.scheduler.execute(subscriber::open);
        return subscriber;
    }

    /**
     * The last global sequence delivered to the listener: a reconnect resumes after it.
     */
    public long cursor()
    {
        return decoder.cursor();
    }

    public State state()
    {
        return state;
    }

    /**
     * Subscribe to one more topic now (and on every reconnect).
     */
    public void subscribe(final String topic)
    {
        subscribe(topic, 0);
    }

    /**
     * Subscribe to one more topic with at most {@code maxFrequency} events per second on it (the latest value when
     * due; 0: the connection's policy), now and on every reconnect. The edge caps it by its throttle rules and refuses
     * one above its maximum ({@code INVALID_ARGUMENT} to {@link Listener#onError}).
     */
    public void subscribe(final String topic, final int maxFrequency)
    {
        subscribe(topic, maxFrequency, 0);
    }

    /**
     * Subscribe to one more topic with a maximum frequency (0: the connection's policy) and a batching window: its
     * events may wait up to {@code batchWindowMs} to arrive with later ones in one frame (0: the connection's
     * window), now and on every reconnect. Values above the edge's maximum are refused ({@code INVALID_ARGUMENT}).
     */
    public void subscribe(final String topic, final int maxFrequency, final int batchWindowMs)
    {
        checkFrequency(maxFrequency);
        checkBatchWindow(batchWindowMs);
        submit(() ->
        {
            if (!topics.contains(topic))
            {
                topics.add(topic);
                putOrRemove(maxFrequencies, topic, maxFrequency);
                putOrRemove(batchWindows, topic, batchWindowMs);
                sendSubscribe(topic);
            }
        });
    }

    /**
     * Change a subscribed topic's maximum frequency live (0: the connection's policy again), keeping its batching
     * window; it also holds for every reconnect.
     */
    public void updateSubscription(final String topic, final int maxFrequency)
    {
        checkFrequency(maxFrequency);
        submit(() ->
        {
            if (topics.contains(topic))
            {
                updateSubscriptionNow(topic, maxFrequency, batchWindows.getOrDefault(topic, 0));
            }
        });
    }

    /**
     * Change a subscribed topic's maximum frequency and batching window live (a 0 is the connection's again); it
     * also holds for every reconnect.
     */
    public void updateSubscription(final String topic, final int maxFrequency, final int batchWindowMs)
    {
        checkFrequency(maxFrequency);
        checkBatchWindow(batchWindowMs);
        submit(() ->
        {
            if (topics.contains(topic))
            {
                updateSubscriptionNow(topic, maxFrequency, batchWindowMs);
            }
        });
    }

    private void updateSubscriptionNow(final String topic, final int maxFrequency, final int batchWindowMs)
    {
        putOrRemove(maxFrequencies, topic, maxFrequency);
        putOrRemove(batchWindows, topic, batchWindowMs);
        sendUpdateSubscription(topic, maxFrequency, batchWindowMs);
    }

    private static void putOrRemove(final Map<String, Integer> values, final String topic, final int value)
    {
        if (0 == value)
        {
            values.remove(topic);
        }
        else
        {
            values.put(topic, value);
        }
    }

    private static void checkBatchWindow(final int batchWindowMs)
    {
        if (batchWindowMs < 0 || batchWindowMs > 0xFFFF)
        {
            throw new IllegalArgumentException("batchWindowMs is milliseconds from 1 to 65535, or 0: " +
                batchWindowMs);
        }
    }

    private static void checkFrequency(final int maxFrequency)
    {
        if (maxFrequency < 0 || maxFrequency > 0xFFFF)
        {
            throw new IllegalArgumentException("maxFrequency is events per second from 1 to 65535, or 0: " +
                maxFrequency);
        }
    }

    public void unsubscribe(final String topic)
    {
        submit(() ->
        {
            if (topics.remove(topic))
            {
                maxFrequencies.remove(topic); // a reconnect's URL may only name options of its topics
                batchWindows.remove(topic);
                sendUnsubscribe(topic);
            }
        });
    }

    /**
     * Close with 1000 and stop reconnecting.
     */
    public void close()
    {
        closed = true;
        final WebSocket current = webSocket;
        if (null != current)
        {
            current.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").orTimeout(5, TimeUnit.SECONDS)
                .whenComplete((ignore, error) -> current.abort());
        }
        scheduler.shutdown();
        changeState(State.CLOSED, "closed by the application");
    }

    /**
     * In-band refresh: with a token supplier, a fresh token goes to the edge ({@code Authenticate}) a minute before
     * the current one expires (at half its remaining life if that is later), so the connection is never closed for
     * expiry. Subscriber thread.
     */
    private void scheduleRefresh(final String token)
    {
        if (null != refresh)
        {
            refresh.cancel(false);
            refresh = null;
        }
        final long expiresAtMs = expiresAtMs(token);
        if (null == ctx.token || expiresAtMs <= 0 || closed)
        {
            return;
        }
        final long remainingMs = expiresAtMs - System.currentTimeMillis();
        // a minute before expiry, but never sooner than half the remaining life (a short-lived token would otherwise
        // be refreshed at once, again and again)
        final long delayMs = Math.max(0, Math.max(remainingMs - REFRESH_BEFORE_EXPIRY_MS, remainingMs / 2));
        refresh = scheduler.schedule(this::refreshToken, delayMs, TimeUnit.MILLISECONDS);
    }

    private void refreshToken()
    {
        final WebSocket current = webSocket;
        if (null == current || closed)
        {
            return;
        }
        final String token = ctx.token.get();
        final io.pushengine.codec.sbe.AuthenticateEncoder encoder = new io.pushengine.codec.sbe.AuthenticateEncoder();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + token.length()]);
        encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(nextCorrelationId++)
            .token(token);
        send(current, ByteBuffer.wrap(buffer.byteArray(), 0,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()));
        connectedToken = token;
        scheduleRefresh(token);
    }

    /**
     * Send a message after the previous one has gone (the JDK's WebSocket takes one send at a time). Subscriber
     * thread.
     */
    private void send(final WebSocket current, final ByteBuffer message)
    {
        sending = sending.handle((ignore, error) -> null).thenCompose(ignore -> current.sendBinary(message, true));
    }

    /**
     * The {@code exp} claim of a JWT, in epoch milliseconds; 0 if it has none or is not a JWT (then no refresh).
     */
    static long expiresAtMs(final String token)
    {
        if (null == token)
        {
            return 0;
        }
        final String[] parts = token.split("\\.");
        if (parts.length < 2)
        {
            return 0;
        }
        try
        {
            final String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            final Matcher exp = EXPIRY.matcher(claims);
            return exp.find() ? Long.parseLong(exp.group(1)) * 1000 : 0;
        }
        catch (final IllegalArgumentException ex)
        {
            return 0;
        }
    }

    /**
     * Run on the subscriber's thread, unless it is closed (then there is nothing left to do).
     */
    private void submit(final Runnable task)
    {
        try
        {
            scheduler.execute(task);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed: a late callback of a connection being closed
        }
    }

    // ---------------------------------------------------------------- connecting (scheduler thread)

    private void open()
    {
        if (closed)
        {
            return;
        }
        final URI uri = uri(ctx.edges.get(edgeIndex));
        changeState(0 == attempt ? State.CONNECTING : State.RECONNECTING, uri.toString());
        final WebSocket.Builder builder = ctx.httpClient.newWebSocketBuilder()
            .connectTimeout(Duration.ofMillis(ctx.openTimeoutMs));
        final String token = null == ctx.token ? null : ctx.token.get();
        if (null != token)
        {
            builder.header("Authorization", "Bearer " + token);
        }
        connectedToken = token;
        final Connection connection = new Connection();
        builder.buildAsync(uri, connection)
            .orTimeout(ctx.openTimeoutMs, TimeUnit.MILLISECONDS)
            .whenComplete((ws, error) ->
            {
                if (null != error)
                {
                    submit(() -> closedConnection(connection, 0, String.valueOf(error.getMessage()), false));
                }
            });
    }

    private URI uri(final URI edge)
    {
        final StringBuilder query = new StringBuilder("topics=")
            .append(URLEncoder.encode(String.join(",", topics), StandardCharsets.UTF_8));
        if (null != ctx.policy)
        {
            query.append("&policy=").append(URLEncoder.encode(ctx.policy, StandardCharsets.UTF_8));
        }
        for (final Map.Entry<String, Integer> frequency : maxFrequencies.entrySet())
        {
            query.append("&rate.").append(URLEncoder.encode(frequency.getKey(), StandardCharsets.UTF_8))
                .append('=').append(frequency.getValue());
        }
        for (final Map.Entry<String, Integer> window : batchWindows.entrySet())
        {
            query.append("&window.").append(URLEncoder.encode(window.getKey(), StandardCharsets.UTF_8))
                .append('=').append(window.getValue());
        }
        final long cursor = decoder.cursor();
        if (cursor > 0)
        {
            query.append("&from=").append(cursor);
        }
        else if (ctx.snapshot)
        {
            query.append("&snapshot=true");
        }
        final String path = null == edge.getPath() || edge.getPath().isEmpty() || "/".equals(edge.getPath()) ?
            "/ws" : edge.getPath();
        return URI.create(edge.getScheme() + "://" + edge.getRawAuthority() + path + "?" + query);
    }

    /**
     * A connection ended (or never opened): decide, as the browser client does, whether and where to reconnect.
     */
    private void closedConnection(final Connection connection, final int code, final String reason, final boolean opened)
    {
        if (connection.ended)
        {
            return;
        }
        connection.ended = true;
        if (connection.webSocket == webSocket)
        {
            webSocket = null;
        }
        if (closed)
        {
            return;
        }
        if (1000 == code)
        {
            closed = true;
            changeState(State.CLOSED, reason);
            scheduler.shutdown();
            return;
        }
        if (1008 == code)
        {
            if (null != ctx.token && null != reason && reason.startsWith("token expired"))
            {
                scheduler.execute(this::open); // a fresh token from the supplier, resuming from the cursor
                return;
            }
            closed = true;
            changeState(State.CLOSED, "refused: " + reason);
            scheduler.shutdown();
            return;
        }
        if (1001 == code)
        {
            edgeIndex = (edgeIndex + 1) % ctx.edges.size();
            final Matcher hint = RETRY_HINT.matcher(null == reason ? "" : reason);
            final long delayMs = hint.find() ? Long.parseLong(hint.group(1)) : backoffMs(1, false);
            changeState(State.RECONNECTING, "edge going away: " + reason + "; next edge in " + delayMs + " ms");
            scheduler.schedule(this::open, delayMs, TimeUnit.MILLISECONDS);
            return;
        }
        if (opened || ctx.edges.size() > 1)
        {
            edgeIndex = (edgeIndex + 1) % ctx.edges.size(); // any edge can resume us
        }
        attempt++;
        if (attempt > ctx.maxAttempts)
        {
            closed = true;
            changeState(State.FAILED, "gave up after " + (attempt - 1) + " attempts: " + reason);
            scheduler.shutdown();
            return;
        }
        final long delayMs = backoffMs(attempt, 1011 == code || 1013 == code);
        changeState(State.RECONNECTING, code + " " + reason + "; attempt " + attempt + " in " + delayMs + " ms");
        scheduler.schedule(this::open, delayMs, TimeUnit.MILLISECONDS);
    }

    /**
     * base * 2^(attempt-1), capped, longer after 1011/1013, minus up to the jitter fraction of itself at random.
     */
    long backoffMs(final int attempt, final boolean slow)
    {
        final long factor = slow ? ctx.slowDelayFactor : 1;
        final long exponential = Math.min(ctx.maxDelayMs, ctx.baseDelayMs << Math.min(30, attempt - 1)) * factor;
        return Math.round(exponential * (1 - ctx.jitter * ThreadLocalRandom.current().nextDouble()));
    }

    private void changeState(final State newState, final String detail)
    {
        state = newState;
        listener.onStateChange(newState, detail);
    }

    private void sendSubscribe(final String topic)
    {
        final WebSocket current = webSocket;
        if (null == current)
        {
            return; // the next connection's URL carries it
        }
        final SubscribeEncoder encoder = new SubscribeEncoder();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 + topic.length()]);
        encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(nextCorrelationId++)
            .fromSequence(SubscribeEncoder.fromSequenceNullValue())
            .snapshot((short)(ctx.snapshot ? 1 : 0))
            .maxFrequency(maxFrequencies.getOrDefault(topic, 0))
            .batchWindowMs(batchWindows.getOrDefault(topic, 0))
            .topicName(topic);
        send(current, ByteBuffer.wrap(buffer.byteArray(), 0,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()));
    }

    private void sendUpdateSubscription(final String topic, final int maxFrequency, final int batchWindowMs)
    {
        final WebSocket current = webSocket;
        if (null == current)
        {
            return; // the next connection's URL carries it
        }
        final UpdateSubscriptionEncoder encoder = new UpdateSubscriptionEncoder();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 + topic.length()]);
        encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(nextCorrelationId++)
            .maxFrequency(maxFrequency)
            .batchWindowMs(batchWindowMs)
            .topicName(topic);
        send(current, ByteBuffer.wrap(buffer.byteArray(), 0,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()));
    }

    private void sendUnsubscribe(final String topic)
    {
        final WebSocket current = webSocket;
        if (null == current)
        {
            return;
        }
        final UnsubscribeEncoder encoder = new UnsubscribeEncoder();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 + topic.length()]);
        encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(nextCorrelationId++)
            .topicName(topic);
        send(current, ByteBuffer.wrap(buffer.byteArray(), 0,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()));
    }

    /**
     * One WebSocket connection's callbacks; those of a connection already given up are ignored.
     */
    private final class Connection implements WebSocket.Listener
    {
        WebSocket webSocket;
        boolean opened;
        boolean ended;

        public void onOpen(final WebSocket webSocket)
        {
            if (ended || closed)
            {
                webSocket.abort(); // opened after it was given up (open timeout) or after close()
                return;
            }
            this.webSocket = webSocket;
            this.opened = true;
            PushSubscriber.this.webSocket = webSocket;
            frameLength = 0;
            submit(() ->
            {
                attempt = 0;
                changeState(State.OPEN, webSocket.toString());
                scheduleRefresh(connectedToken);
            });
            webSocket.request(1);
        }

        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
        {
            final int length = data.remaining();
            frame.putBytes(frameLength, data, data.position(), length);
            frameLength += length;
            if (last)
            {
                if (!ended)
                {
                    decoder.onFrame(frame, frameLength);
                }
                frameLength = 0;
            }
            webSocket.request(1);
            return null;
        }

        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            submit(() -> closedConnection(this, statusCode, reason, opened));
            return null;
        }

        public void onError(final WebSocket webSocket, final Throwable error)
        {
            submit(() -> closedConnection(this, 0, String.valueOf(error), opened));
        }
    }
}
