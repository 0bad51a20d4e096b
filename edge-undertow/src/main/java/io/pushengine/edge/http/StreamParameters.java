package io.pushengine.edge.http;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.SubscriptionOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;

import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of the streaming endpoints ({@code /ws}, {@code /sse}), checked against the server's limits:
 * <pre>
 *   topics=a,b          topics to subscribe (required for SSE)
 *   window=MS           batching window, 0..max (server default otherwise)
 *   policy=NAME         disconnect | conflate | drop | throttle, if the server allows clients to choose it
 *   rate=N              with policy=throttle: events per second per topic, 1..max (server default otherwise)
 *   byterate=N          with policy=throttle: bytes per second for the connection, 0 for no cap
 *   from=SEQ            resume: the last global sequence seen (also lastEventId=SEQ, or a Last-Event-ID header)
 *   snapshot=true       first the current value of each topic (between snapshot markers), then live; ignored when
 *                       resuming
 *   rate.TOPIC=N        at most N events per second on that topic, the latest value when due (a throttle, 1..max)
 *   window.TOPIC=MS     that topic's batching window, 0..max (its events may wait that long to leave together)
 * </pre>
 */
public final class StreamParameters
{
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");

    /**
     * Per-topic maximum frequency in a query: {@code topics=a,b&rate.a=4}.
     */
    public static final String TOPIC_RATE_PREFIX = "rate.";

    /**
     * Per-topic batching window in a query: {@code topics=a,b&window.a=250}.
     */
    public static final String TOPIC_WINDOW_PREFIX = "window.";

    /**
     * The query parameters of {@code /ws} and {@code /sse}, besides {@code rate.TOPIC} and {@code window.TOPIC}.
     */
    public static final Set<String> STREAM_PARAMETERS = Set.of(
        "topics", "window", "policy", "rate", "byterate", "from", "lastEventId", "snapshot", "access_token");

    private final long defaultWindowMs;
    private final long maxWindowMs;
    private final Set<BackpressurePolicy> clientPolicies;
    private final int defaultThrottleRate;
    private final int maxThrottleRate;

    public StreamParameters(
        final long defaultWindowMs,
        final long maxWindowMs,
        final Set<BackpressurePolicy> clientPolicies,
        final int defaultThrottleRate,
        final int maxThrottleRate)
    {
        this.defaultWindowMs = defaultWindowMs;
        this.maxWindowMs = maxWindowMs;
        this.clientPolicies = clientPolicies.isEmpty() ?
            EnumSet.noneOf(BackpressurePolicy.class) : EnumSet.copyOf(clientPolicies);
        this.defaultThrottleRate = defaultThrottleRate;
        this.maxThrottleRate = maxThrottleRate;
    }

    /**
     * @return the options asked for.
     * @throws IllegalArgumentException with the reason for a 400.
     */
    public ConnectionOptions parse(final HttpServerExchange exchange, final boolean topicsRequired)
    {
        checkKnown(exchange, STREAM_PARAMETERS);
        final String invalidTopics = TopicsParameter.validate(exchange, topicsRequired);
        if (null != invalidTopics)
        {
            throw new IllegalArgumentException(invalidTopics);
        }

        final long windowMs = parseLong(exchange, "window", defaultWindowMs, 0, maxWindowMs,
            "window must be a whole number of milliseconds from 0 to " + maxWindowMs);

        DeliveryPolicy requested = null;
        final String policyName = single(exchange, "policy");
        if (null != policyName)
        {
            final BackpressurePolicy policy = BackpressurePolicy.parse(policyName);
            if (null == policy)
            {
                throw new IllegalArgumentException("policy must be one of: " + BackpressurePolicy.names());
            }
            if (!clientPolicies.contains(policy))
            {
                throw new IllegalArgumentException("policy " + policy.name().toLowerCase() +
                    " is not open to clients on this server; allowed: " + describe(clientPolicies));
            }
            final int rate = (int)parseLong(exchange, "rate", defaultThrottleRate, 1, maxThrottleRate,
                "rate must be a whole number of events per second from 1 to " + maxThrottleRate);
            requested = DeliveryPolicy.of(policy, rate);
        }
        if (requested == null || requested.policy() != BackpressurePolicy.THROTTLE)
        {
            if (null != single(exchange, "rate") || null != single(exchange, "byterate"))
            {
                throw new IllegalArgumentException("rate and byterate go with policy=throttle");
            }
        }
        final long byteRate = parseLong(exchange, "byterate", 0, 0, Integer.MAX_VALUE,
            "byterate must be a whole number of bytes per second, 0 for no cap");

        final List<String> topics = TopicsParameter.parse(exchange);
        return new ConnectionOptions(topics, windowMs, requested, byteRate,
            resumeFrom(exchange), parseBoolean(exchange, "snapshot"), topicOptions(exchange, topics));
    }

    /**
     * {@code rate.TOPIC=N} and {@code window.TOPIC=MS} per topic of {@code topics}.
     *
     * @throws IllegalArgumentException for an option on a topic not asked for, or out of bounds.
     */
    public Map<String, SubscriptionOptions> topicOptions(final HttpServerExchange exchange, final List<String> topics)
    {
        Map<String, SubscriptionOptions> options = Map.of();
        for (final String name : exchange.getQueryParameters().keySet())
        {
            final boolean rate = name.startsWith(TOPIC_RATE_PREFIX);
            if (!rate && !name.startsWith(TOPIC_WINDOW_PREFIX))
            {
                continue;
            }
            final String topic = name.substring((rate ? TOPIC_RATE_PREFIX : TOPIC_WINDOW_PREFIX).length());
            if (!topics.contains(topic))
            {
                throw new IllegalArgumentException(name + ": '" + topic + "' is not one of the topics asked for");
            }
            if (options.isEmpty())
            {
                options = new HashMap<>();
            }
            final SubscriptionOptions asked = options.getOrDefault(topic, SubscriptionOptions.NONE);
            if (rate)
            {
                final int frequency = (int)parseLong(exchange, name, 0, 1, Integer.MAX_VALUE,
                    name + " must be a whole number of events per second from 1 to " + maxThrottleRate);
                final String refused = checkMaxFrequency(frequency);
                if (null != refused)
                {
                    throw new IllegalArgumentException(name + ": " + refused);
                }
                options.put(topic, asked.withMaxFrequency(frequency));
            }
            else
            {
                final int windowMs = (int)parseLong(exchange, name, 0, 0, maxTopicWindowMs(),
                    name + " must be a whole number of milliseconds from 0 to " + maxTopicWindowMs());
                options.put(topic, asked.withBatchWindowMs(windowMs));
            }
        }
        return options;
    }

    /**
     * Whether a client may ask for a subscription's options: a maximum frequency and a batching window.
     *
     * @return null if it may, else the reason.
     */
    public String checkSubscriptionOptions(final int maxFrequency, final int batchWindowMs)
    {
        if (batchWindowMs < 0 || batchWindowMs > maxTopicWindowMs())
        {
            return "a batching window is a whole number of milliseconds from 0 to " + maxTopicWindowMs() +
                " (push.edge.batch.window.max.ms), not " + batchWindowMs;
        }
        return checkMaxFrequency(maxFrequency);
    }

    /**
     * The largest batching window a topic may ask for: the connection's maximum, within what Subscribe can carry.
     */
    private long maxTopicWindowMs()
    {
        return Math.min(maxWindowMs, 0xFFFF);
    }

    /**
     * Whether a client may ask for at most {@code maxFrequency} events per second on a topic (0: no per-topic cap).
     *
     * @return null if it may, else the reason.
     */
    public String checkMaxFrequency(final int maxFrequency)
    {
        if (0 == maxFrequency)
        {
            return null;
        }
        if (!clientPolicies.contains(BackpressurePolicy.THROTTLE))
        {
            return "a maximum frequency is a throttle, which is not open to clients on this server";
        }
        if (maxFrequency < 1 || maxFrequency > maxThrottleRate)
        {
            return "a maximum frequency is a whole number of events per second from 1 to " + maxThrottleRate +
                " (push.edge.throttle.max.rate), not " + maxFrequency;
        }
        return null;
    }

    /**
     * Where to resume: the {@code Last-Event-ID} header (what an EventSource sends on reconnect), else {@code from=}
     * (WebSocket) or {@code lastEventId=} (SSE clients that cannot set headers).
     */
    private static long resumeFrom(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(LAST_EVENT_ID);
        final String reason = "the sequence to resume from (from, lastEventId or Last-Event-ID) must be a " +
            "whole number of at least 0";
        if (null != header && !header.isEmpty())
        {
            try
            {
                final long sequence = Long.parseLong(header.trim());
                if (sequence >= 0)
                {
                    return sequence;
                }
            }
            catch (final NumberFormatException ignore)
            {
            }
            throw new IllegalArgumentException(reason);
        }
        final String name = null != single(exchange, "from") ? "from" : "lastEventId";
        return parseLong(exchange, name, ConnectionOptions.NO_RESUME, 0, Long.MAX_VALUE, reason);
    }

    /**
     * {@code true|1|(empty)} or {@code false|0}; false if absent.
     *
     * @throws IllegalArgumentException for anything else.
     */
    public static boolean parseBoolean(final HttpServerExchange exchange, final String name)
    {
        final String value = single(exchange, name);
        if (null == value || "false".equals(value) || "0".equals(value))
        {
            return false;
        }
        if ("true".equals(value) || "1".equals(value) || value.isEmpty())
        {
            return true;
        }
        throw new IllegalArgumentException(name + " must be true or false");
    }

    /**
     * A whole-number query parameter within {@code min..max}, or {@code defaultValue} if absent.
     *
     * @throws IllegalArgumentException with {@code reason}.
     */
    /**
     * A parameter the endpoint does not know is refused rather than ignored: a typo ({@code rat.a=4},
     * {@code windw=50}) would otherwise silently give the client something it did not ask for. Per-topic
     * {@code rate.} and {@code window.} are checked where they are parsed; {@code _} (a cache buster some HTTP
     * libraries add) is let through.
     *
     * @throws IllegalArgumentException naming the parameter and the known ones.
     */
    public static void checkKnown(final HttpServerExchange exchange, final Set<String> known)
    {
        for (final String name : exchange.getQueryParameters().keySet())
        {
            if (!known.contains(name) && !"_".equals(name) && !name.startsWith(TOPIC_RATE_PREFIX) &&
                !name.startsWith(TOPIC_WINDOW_PREFIX))
            {
                throw new IllegalArgumentException("unknown parameter '" + name + "': this endpoint takes " +
                    String.join(", ", new java.util.TreeSet<>(known)) + ", rate.TOPIC, window.TOPIC");
            }
        }
    }

    public static long parseLong(
        final HttpServerExchange exchange,
        final String name,
        final long defaultValue,
        final long min,
        final long max,
        final String reason)
    {
        final String value = single(exchange, name);
        if (null == value)
        {
            return defaultValue;
        }
        try
        {
            final long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max)
            {
                return parsed;
            }
        }
        catch (final NumberFormatException ignore)
        {
        }
        throw new IllegalArgumentException(reason);
    }

    /**
     * A query parameter given at most once, or null.
     *
     * @throws IllegalArgumentException if given more than once.
     */
    public static String single(final HttpServerExchange exchange, final String name)
    {
        final Deque<String> values = exchange.getQueryParameters().get(name);
        if (null == values || values.isEmpty())
        {
            return null;
        }
        if (values.size() > 1)
        {
            throw new IllegalArgumentException("give '" + name + "' once");
        }
        return values.getFirst();
    }

    private static String describe(final Set<BackpressurePolicy> policies)
    {
        if (policies.isEmpty())
        {
            return "none";
        }
        final StringBuilder builder = new StringBuilder();
        for (final BackpressurePolicy policy : policies)
        {
            builder.append(builder.length() == 0 ? "" : ", ").append(policy.name().toLowerCase());
        }
        return builder.toString();
    }
}
