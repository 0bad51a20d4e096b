package io.pushengine.bench.load;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * What one phase measured: per transport, and for the server as a whole.
 *
 * @param name              the phase, e.g. {@code websocket @ 1000 ev/s}.
 * @param ratePerSecond     events per second published (the schedule).
 * @param publishedPerSecond events per second actually sent by the publisher in the window.
 * @param publisherMaxBehindMs worst lag of the publisher behind its schedule (load box saturated when large).
 * @param windowMs          length of the measured window.
 * @param shortPollMs       the short-poll interval of this phase's short-poll clients.
 * @param serverCpuPercent  server process CPU time over the window, % of one core.
 * @param rssPerConnection  server RSS growth per connection from before the clients connected to when all were
 *                          ready, bytes.
 * @param liveMemoryPerConnection server heap and direct memory growth per connection over the same span, bytes (after a
 *                          full GC in the server at both ends when the harness started it).
 * @param conflated         server-side conflations in the window.
 * @param dropped           server-side drops in the window.
 * @param slowDisconnects   slow-consumer disconnects in the window.
 * @param transports        per transport.
 */
record PhaseResult(
    String name,
    long ratePerSecond,
    double publishedPerSecond,
    double publisherMaxBehindMs,
    long windowMs,
    long shortPollMs,
    double serverCpuPercent,
    double rssPerConnection,
    double liveMemoryPerConnection,
    long conflated,
    long dropped,
    long slowDisconnects,
    List<Transport> transports)
{
    /**
     * @param clients         clients of this transport.
     * @param ready           of which ready (connected and subscribed) when measuring began.
     * @param latency         publish-to-receive latency, ns, in the window.
     * @param toFrame         WebSocket: publish due time to the edge building the frame, ns (else empty).
     * @param frameToClient   WebSocket: frame built to decoded by the client, ns (else empty).
     * @param totals          counters over the window.
     * @param shortClients    clients that, after publishing stopped and a grace period, had not received every
     *                        event of their topics (conflation on purpose counts here too).
     * @param missingEvents   events those clients lacked.
     * @param lastError       the last error a client of this transport met, or null.
     */
    record Transport(
        LoadTransport transport,
        String label,
        int clients,
        long ready,
        Histogram latency,
        Histogram toFrame,
        Histogram frameToClient,
        TransportStats.Totals totals,
        long shortClients,
        long missingEvents,
        String lastError)
    {
        double eventsPerSecond(final long windowMs)
        {
            return totals.events() * 1000.0 / windowMs;
        }

        double requestsPerSecond(final long windowMs)
        {
            return totals.requests() * 1000.0 / windowMs;
        }

        double bytesPerSecond(final long windowMs)
        {
            return (totals.bytesIn() + totals.bytesOut()) * 1000.0 / windowMs;
        }

        double bytesPerEvent()
        {
            return totals.events() > 0 ? (double)(totals.bytesIn() + totals.bytesOut()) / totals.events() : 0;
        }

        double percentileMs(final double percentile)
        {
            return latency.getTotalCount() > 0 ? latency.getValueAtPercentile(percentile) / 1e6 : Double.NaN;
        }

        double maxMs()
        {
            return latency.getTotalCount() > 0 ? latency.getMaxValue() / 1e6 : Double.NaN;
        }
    }
}
