package io.pushengine.edge.poll;

import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.EdgeTransport;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.EdgeIoThread;
import io.pushengine.edge.http.EdgeIoThreads;
import io.pushengine.edge.http.StreamParameters;
import io.pushengine.edge.session.SubscriptionOptions;
import io.pushengine.edge.http.TopicsParameter;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlushers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /poll?topics=a,b&after=SEQ&wait=MS}: the polling transports, for clients that cannot hold a stream
 * and for the old polling clients during a migration.
 * <pre>
 *   topics=a,b    topics to answer for (required)
 *   after=SEQ     the cursor of the previous answer (or the last sequence seen on any transport): events after it;
 *                 without it, the current value of each topic and the cursor to go on from
 *   wait=MS       long-poll: hold the request up to MS until there is something (0..max); 0 or absent: short-poll,
 *                 answer at once
 *   snapshot=     without after=: true (default) for the current values, false for nothing until the next event
 *   rate.TOPIC=N  at most one event of TOPIC per 1/N s of the feed's time in an answer, the latest of each slot
 * </pre>
 * The answer is {@code {"cursor":N,"events":[...]}} (see {@link PollSession}). A held poll is an Undertow exchange
 * dispatched to no thread; the fan-out completes it.
 */
public final class PollEndpoint implements HttpHandler
{
    /**
     * The query parameters of {@code /poll}, besides {@code rate.TOPIC}.
     */
    static final Set<String> POLL_PARAMETERS = Set.of("topics", "after", "wait", "snapshot", "access_token");

    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
    private final EdgeCounters counters;
    private final AtomicLong sessionIds;
    private final int initialRingCapacity;
    private final int ringCapacity;
    private final long maxWaitMs;
    private final boolean longPoll;
    private final boolean shortPoll;
    private final PollRingPool ringPool;
    private final IoThreadFlushers flushers;
    private final EdgeIoThreads ioThreads;
    private final StreamParameters parameters;
    private final String waitRange;

    public PollEndpoint(
        final ManyToOneConcurrentArrayQueue<SessionCommand> commands,
        final EdgeCounters counters,
        final AtomicLong sessionIds,
        final int initialRingCapacity,
        final int ringCapacity,
        final long maxWaitMs,
        final Set<EdgeTransport> transports,
        final IoThreadFlushers flushers,
        final EdgeIoThreads ioThreads,
        final StreamParameters parameters)
    {
        this.ioThreads = ioThreads;
        this.parameters = parameters;
        this.flushers = flushers;
        this.commands = commands;
        this.counters = counters;
        this.sessionIds = sessionIds;
        this.initialRingCapacity = initialRingCapacity;
        this.ringCapacity = ringCapacity;
        this.maxWaitMs = maxWaitMs;
        this.longPoll = transports.contains(EdgeTransport.LONG_POLL);
        this.shortPoll = transports.contains(EdgeTransport.SHORT_POLL);
        this.ringPool = new PollRingPool(initialRingCapacity);
        this.waitRange =
            "wait must be a whole number of milliseconds from 0 (short-poll) to " + maxWaitMs + " (long-poll)";
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        if (!Methods.GET.equals(exchange.getRequestMethod()))
        {
            HttpResponses.reject(exchange, 405, "use GET for /poll", counters);
            return;
        }
        final long waitMs;
        final ConnectionOptions options;
        try
        {
            StreamParameters.checkKnown(exchange, POLL_PARAMETERS);
            final String invalidTopics = TopicsParameter.validate(exchange, true);
            if (null != invalidTopics)
            {
                throw new IllegalArgumentException(invalidTopics);
            }
            waitMs = StreamParameters.parseLong(exchange, "wait", 0, 0, maxWaitMs, waitRange);
            final long after = StreamParameters.parseLong(exchange, "after", ConnectionOptions.NO_RESUME, 0, Long.MAX_VALUE,
                "after must be the cursor of the previous answer: a whole number of at least 0");
            final boolean snapshot = null == StreamParameters.single(exchange, "snapshot") ||
                StreamParameters.parseBoolean(exchange, "snapshot"); // a first poll answers the current values
            final List<String> topics = TopicsParameter.parse(exchange);
            final Map<String, SubscriptionOptions> topicOptions = parameters.topicOptions(exchange, topics);
            for (final Map.Entry<String, SubscriptionOptions> asked : topicOptions.entrySet())
            {
                if (asked.getValue().batchWindowMs() > 0)
                {
                    throw new IllegalArgumentException(StreamParameters.TOPIC_WINDOW_PREFIX + asked.getKey() +
                        ": a poll's answer is already one batch (a window applies to /ws and /sse)");
                }
            }
            options = new ConnectionOptions(topics, 0, null, 0, after, snapshot, topicOptions);
        }
        catch (final IllegalArgumentException ex)
        {
            HttpResponses.reject(exchange, 400, ex.getMessage(), counters);
            return;
        }
        if (waitMs > 0 && !longPoll)
        {
            HttpResponses.reject(exchange, 403, "long-poll is not served by this edge" +
                (shortPoll ? ": poll with wait=0" : ""), counters);
            return;
        }
        if (0 == waitMs && !shortPoll)
        {
            HttpResponses.reject(exchange, 403, "short-poll is not served by this edge" +
                (longPoll ? ": poll with wait=1.." + maxWaitMs : ""), counters);
            return;
        }
        if (hold(exchange, options, waitMs))
        {
            HttpResponses.answerLater(exchange); // by the fan-out, through the session's IO thread
        }
    }

    /**
     * @return true if the poll is held (the fan-out answers it), false if it was answered here.
     */
    private boolean hold(final HttpServerExchange exchange, final ConnectionOptions options, final long waitMs)
    {
        final EdgeIoThread ioThread = ioThreads.of(exchange.getIoThread());
        final PollSession session = new PollSession(
            sessionIds.incrementAndGet(), exchange, flushers.forThread(ioThread),
            initialRingCapacity, ringCapacity, counters.fanOut().ringBytes(), options, counters, ringPool, commands);
        if (!commands.offer(SessionCommand.openPoll(session, 0 == waitMs))) // registered, subscribed, armed
        {
            HttpResponses.reject(exchange, 503, "edge is overloaded: poll again shortly", counters);
            return false;
        }
        counters.polls().increment();
        counters.pollsHeld().increment();
        if (waitMs > 0)
        {
            session.expireAfter(ioThread, waitMs);
        }
        return true;
    }
}
