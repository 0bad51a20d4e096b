package io.pushengine.edge;

import io.aeron.Aeron;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.edge.fanout.FanOutCounters;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

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
    private final AtomicCounter errors;
    private final AtomicCounter pingsSent;
    private final AtomicCounter ioThreadWakeUps;
    private final AtomicCounter publishRejected;
    private final AtomicCounter pongTimeouts;
    private final AtomicCounter polls;
    private final AtomicCounter pollsHeld;
    private final AtomicCounter pollsEmpty;
    private final AtomicCounter authFailures;
    private final AtomicCounter forbidden;
    private final AtomicCounter originRejections;
    private final AtomicCounter limitRejections;
    private final AtomicCounter tokenExpiryCloses;
    private final AtomicCounter requestTimeouts;
    private final AtomicCounter silentCloses;
    private final FanOutCounters fanOut;

    EdgeCounters(final Aeron aeron, final String label)
    {
        connections = aeron.addCounter(CounterType.EDGE_CONNECTIONS.typeId(), label);
        webSocketConnections = aeron.addCounter(CounterType.EDGE_WEBSOCKET_CONNECTIONS.typeId(), label);
        sseConnections = aeron.addCounter(CounterType.EDGE_SSE_CONNECTIONS.typeId(), label);
        connectionsOpened = aeron.addCounter(CounterType.EDGE_CONNECTIONS_OPENED.typeId(), label);
        connectionsClosed = aeron.addCounter(CounterType.EDGE_CONNECTIONS_CLOSED.typeId(), label);
        framesOut = aeron.addCounter(CounterType.EDGE_FRAMES_OUT.typeId(), label);
        bytesOut = aeron.addCounter(CounterType.EDGE_BYTES_OUT.typeId(), label);
        protocolErrors = aeron.addCounter(CounterType.EDGE_PROTOCOL_ERRORS.typeId(), label);
        httpRejected = aeron.addCounter(CounterType.EDGE_HTTP_REJECTED.typeId(), label);
        publishRequests = aeron.addCounter(CounterType.EDGE_PUBLISH_REQUESTS.typeId(), label);
        errors = aeron.addCounter(CounterType.EDGE_ERRORS.typeId(), label);
        pingsSent = aeron.addCounter(CounterType.EDGE_PINGS_SENT.typeId(), label);
        ioThreadWakeUps = aeron.addCounter(CounterType.EDGE_IO_THREAD_WAKE_UPS.typeId(), label);
        publishRejected = aeron.addCounter(CounterType.EDGE_PUBLISH_REJECTED.typeId(), label);
        pongTimeouts = aeron.addCounter(CounterType.EDGE_PONG_TIMEOUTS.typeId(), label);
        polls = aeron.addCounter(CounterType.EDGE_POLLS.typeId(), label);
        pollsHeld = aeron.addCounter(CounterType.EDGE_POLLS_HELD.typeId(), label);
        pollsEmpty = aeron.addCounter(CounterType.EDGE_POLLS_EMPTY.typeId(), label);
        authFailures = aeron.addCounter(CounterType.EDGE_AUTH_FAILURES.typeId(), label);
        forbidden = aeron.addCounter(CounterType.EDGE_FORBIDDEN.typeId(), label);
        originRejections = aeron.addCounter(CounterType.EDGE_ORIGIN_REJECTIONS.typeId(), label);
        limitRejections = aeron.addCounter(CounterType.EDGE_LIMIT_REJECTIONS.typeId(), label);
        tokenExpiryCloses = aeron.addCounter(CounterType.EDGE_TOKEN_EXPIRY_CLOSES.typeId(), label);
        requestTimeouts = aeron.addCounter(CounterType.EDGE_REQUEST_TIMEOUTS.typeId(), label);
        silentCloses = aeron.addCounter(CounterType.EDGE_SILENT_CLOSES.typeId(), label);
        fanOut = FanOutCounters.allocate(aeron, label);
    }

    public void connectionOpened(final AtomicCounter transportGauge)
    {
        connections.increment();
        transportGauge.increment();
        connectionsOpened.increment();
    }

    public void connectionClosed(final AtomicCounter transportGauge)
    {
        connections.getAndAdd(-1);
        transportGauge.getAndAdd(-1);
        connectionsClosed.increment();
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

    public FanOutCounters fanOut()
    {
        return fanOut;
    }

    public void close()
    {
        CloseHelper.closeAll(connections, webSocketConnections, sseConnections, connectionsOpened, connectionsClosed,
            framesOut, bytesOut, protocolErrors, httpRejected, publishRequests, errors, pingsSent, ioThreadWakeUps,
            publishRejected, pongTimeouts,
            polls, pollsHeld, pollsEmpty, authFailures, forbidden, originRejections, limitRejections, tokenExpiryCloses,
            requestTimeouts, silentCloses, fanOut);
    }
}
