package io.pushengine.edge;

import io.aeron.Aeron;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.edge.fanout.FanOutCounters;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The edge's counters, allocated in the Aeron CnC file so {@code /metrics} and AeronStat can read them.
 * Connection gauges and IO-side totals are updated from many IO threads (atomic increments); fan-out counters from
 * the fan-out thread only.
 */
public final class EdgeCounters implements AutoCloseable
{
    private final AtomicCounter connections;
    private final AtomicCounter webSocketConnections;
    private final AtomicCounter sseConnections;
    private final AtomicCounter connectionsOpened;
    private final AtomicCounter connectionsClosed;
    private final AtomicCounter framesOut;
    private final AtomicCounter bytesOut;
    private final AtomicCounter protocolErrors;
    private final AtomicCounter httpRejected;
    private final AtomicCounter publishRequests;
    private final AtomicCounter publishesReadAhead;
    private final AtomicCounter publishesAwaitingAck;
    private final AtomicCounter errors;
    private final AtomicCounter pingsSent;
    private final AtomicCounter ioThreadWakeUps;
    private final AtomicCounter publishRejected;
    private final AtomicCounter pongTimeouts;
    private final AtomicCounter polls;
    private final AtomicCounter pollsHeld;
    private final AtomicCounter pollsEmpty;
    private final AtomicCounter pollsLapped;
    private final AtomicCounter authFailures;
    private final AtomicCounter forbidden;
    private final AtomicCounter originRejections;
    private final AtomicCounter limitRejections;
    private final AtomicCounter tokenExpiryCloses;
    private final AtomicCounter requestTimeouts;
    private final AtomicCounter silentCloses;
    private final AtomicCounter sseCompressedStreams;
    private final AtomicCounter webSocketCompressedStreams;
    private final AtomicCounter sseCompressionOverBudget;
    private final AtomicCounter webSocketCompressionOverBudget;
    private final FanOutCounters fanOut;
    private final AtomicLong liveConnections = new AtomicLong();

    EdgeCounters(final Aeron aeron, final String label)
    {
        connections = CounterType.EDGE_CONNECTIONS.allocate(aeron::addCounter, label);
        webSocketConnections = CounterType.EDGE_WEBSOCKET_CONNECTIONS.allocate(aeron::addCounter, label);
        sseConnections = CounterType.EDGE_SSE_CONNECTIONS.allocate(aeron::addCounter, label);
        connectionsOpened = CounterType.EDGE_CONNECTIONS_OPENED.allocate(aeron::addCounter, label);
        connectionsClosed = CounterType.EDGE_CONNECTIONS_CLOSED.allocate(aeron::addCounter, label);
        framesOut = CounterType.EDGE_FRAMES_OUT.allocate(aeron::addCounter, label);
        bytesOut = CounterType.EDGE_BYTES_OUT.allocate(aeron::addCounter, label);
        protocolErrors = CounterType.EDGE_PROTOCOL_ERRORS.allocate(aeron::addCounter, label);
        httpRejected = CounterType.EDGE_HTTP_REJECTED.allocate(aeron::addCounter, label);
        publishRequests = CounterType.EDGE_PUBLISH_REQUESTS.allocate(aeron::addCounter, label);
        publishesReadAhead = CounterType.EDGE_PUBLISHES_READ_AHEAD.allocate(aeron::addCounter, label);
        publishesAwaitingAck = CounterType.EDGE_PUBLISHES_AWAITING_ACK.allocate(aeron::addCounter, label);
        errors = CounterType.EDGE_ERRORS.allocate(aeron::addCounter, label);
        pingsSent = CounterType.EDGE_PINGS_SENT.allocate(aeron::addCounter, label);
        ioThreadWakeUps = CounterType.EDGE_IO_THREAD_WAKE_UPS.allocate(aeron::addCounter, label);
        publishRejected = CounterType.EDGE_PUBLISH_REJECTED.allocate(aeron::addCounter, label);
        pongTimeouts = CounterType.EDGE_PONG_TIMEOUTS.allocate(aeron::addCounter, label);
        polls = CounterType.EDGE_POLLS.allocate(aeron::addCounter, label);
        pollsHeld = CounterType.EDGE_POLLS_HELD.allocate(aeron::addCounter, label);
        pollsEmpty = CounterType.EDGE_POLLS_EMPTY.allocate(aeron::addCounter, label);
        pollsLapped = CounterType.EDGE_POLLS_LAPPED.allocate(aeron::addCounter, label);
        authFailures = CounterType.EDGE_AUTH_FAILURES.allocate(aeron::addCounter, label);
        forbidden = CounterType.EDGE_FORBIDDEN.allocate(aeron::addCounter, label);
        originRejections = CounterType.EDGE_ORIGIN_REJECTIONS.allocate(aeron::addCounter, label);
        limitRejections = CounterType.EDGE_LIMIT_REJECTIONS.allocate(aeron::addCounter, label);
        tokenExpiryCloses = CounterType.EDGE_TOKEN_EXPIRY_CLOSES.allocate(aeron::addCounter, label);
        requestTimeouts = CounterType.EDGE_REQUEST_TIMEOUTS.allocate(aeron::addCounter, label);
        silentCloses = CounterType.EDGE_SILENT_CLOSES.allocate(aeron::addCounter, label);
        sseCompressedStreams = CounterType.EDGE_SSE_COMPRESSED_STREAMS.allocate(aeron::addCounter, label);
        webSocketCompressedStreams = CounterType.EDGE_WEBSOCKET_COMPRESSED_STREAMS.allocate(aeron::addCounter, label);
        sseCompressionOverBudget = CounterType.EDGE_SSE_COMPRESSION_OVER_BUDGET.allocate(aeron::addCounter, label);
        webSocketCompressionOverBudget =
            CounterType.EDGE_WEBSOCKET_COMPRESSION_OVER_BUDGET.allocate(aeron::addCounter, label);
        fanOut = FanOutCounters.allocate(aeron, label);
    }

    public void connectionOpened(final AtomicCounter transportGauge)
    {
        liveConnections.incrementAndGet();
        connections.increment();
        transportGauge.increment();
        connectionsOpened.increment();
    }

    public void connectionClosed(final AtomicCounter transportGauge)
    {
        connections.getAndAdd(-1);
        transportGauge.getAndAdd(-1);
        connectionsClosed.increment();
        liveConnections.decrementAndGet(); // after its last counter: the counters may be unmapped once all are closed
    }

    /**
     * Wait until every connection counted open has run its close task, or {@code timeoutMs} passed. A connection's
     * close task may run after the IO threads have stopped (Undertow then runs it on its own shutdown executor,
     * which cannot be awaited); it touches these counters, which live in Aeron's mapped file, so they must not be
     * unmapped before (a WebSocket closed at shutdown once crashed the JVM: SIGSEGV in AtomicCounter.getAndAdd).
     *
     * @return true if none is left.
     */
    boolean awaitConnectionsClosed(final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (liveConnections.get() > 0)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    public AtomicCounter connections()
    {
        return connections;
    }

    public AtomicCounter webSocketConnections()
    {
        return webSocketConnections;
    }

    public AtomicCounter sseConnections()
    {
        return sseConnections;
    }

    public AtomicCounter framesOut()
    {
        return framesOut;
    }

    public AtomicCounter bytesOut()
    {
        return bytesOut;
    }

    public AtomicCounter protocolErrors()
    {
        return protocolErrors;
    }

    public AtomicCounter httpRejected()
    {
        return httpRejected;
    }

    public AtomicCounter publishRequests()
    {
        return publishRequests;
    }

    public AtomicCounter publishesReadAhead()
    {
        return publishesReadAhead;
    }

    public AtomicCounter publishesAwaitingAck()
    {
        return publishesAwaitingAck;
    }

    public AtomicCounter errors()
    {
        return errors;
    }

    public AtomicCounter ioThreadWakeUps()
    {
        return ioThreadWakeUps;
    }

    /**
     * WebSocket Publish messages answered with an Error.
     */
    public AtomicCounter publishRejected()
    {
        return publishRejected;
    }

    public AtomicCounter pingsSent()
    {
        return pingsSent;
    }

    public AtomicCounter pongTimeouts()
    {
        return pongTimeouts;
    }

    public AtomicCounter polls()
    {
        return polls;
    }

    public AtomicCounter pollsHeld()
    {
        return pollsHeld;
    }

    public AtomicCounter pollsEmpty()
    {
        return pollsEmpty;
    }

    public AtomicCounter pollsLapped()
    {
        return pollsLapped;
    }

    public AtomicCounter authFailures()
    {
        return authFailures;
    }

    public AtomicCounter forbidden()
    {
        return forbidden;
    }

    public AtomicCounter originRejections()
    {
        return originRejections;
    }

    public AtomicCounter limitRejections()
    {
        return limitRejections;
    }

    public AtomicCounter tokenExpiryCloses()
    {
        return tokenExpiryCloses;
    }

    public AtomicCounter requestTimeouts()
    {
        return requestTimeouts;
    }

    public AtomicCounter silentCloses()
    {
        return silentCloses;
    }

    public AtomicCounter sseCompressedStreams()
    {
        return sseCompressedStreams;
    }

    public AtomicCounter webSocketCompressedStreams()
    {
        return webSocketCompressedStreams;
    }

    public AtomicCounter sseCompressionOverBudget()
    {
        return sseCompressionOverBudget;
    }

    public AtomicCounter webSocketCompressionOverBudget()
    {
        return webSocketCompressionOverBudget;
    }

    public FanOutCounters fanOut()
    {
        return fanOut;
    }

    public void close()
    {
        CloseHelper.closeAll(connections, webSocketConnections, sseConnections, connectionsOpened, connectionsClosed,
            framesOut, bytesOut, protocolErrors, httpRejected, publishRequests, publishesReadAhead, publishesAwaitingAck, errors, pingsSent,
            ioThreadWakeUps,
            publishRejected, pongTimeouts,
            polls, pollsHeld, pollsEmpty, pollsLapped, authFailures, forbidden, originRejections, limitRejections, tokenExpiryCloses,
            requestTimeouts, silentCloses, sseCompressedStreams, webSocketCompressedStreams, sseCompressionOverBudget,
            webSocketCompressionOverBudget, fanOut);
    }
}
