package io.pushengine.codec.metrics;

import org.agrona.collections.Int2ObjectHashMap;

/**
 * Every latency histogram the engine and edges keep, as Prometheus histograms in seconds. Each is a set of Aeron
 * counters (one per bucket and one for the sum, {@link LatencyHistogram}), so {@code /metrics}, {@code stat} and
 * AeronStat read them from the CnC file like any other counter. Latency starts at the event's publish timestamp:
 * the publisher's when it gave one (HTTP and WebSocket publishes are stamped by the edge that took them), else the
 * sequencer's on receipt; across hosts it includes their clock offset.
 */
public enum HistogramType
{
    ENGINE_PUBLISH_TO_JOURNAL(1301, "push_engine_publish_to_journal_seconds", null,
        "From an event's publish timestamp to its journal append by the sequencer (one observation per event)"),
    EDGE_PUBLISH_TO_FAN_OUT(1302, "push_edge_publish_to_fan_out_seconds", null,
        "From an event's publish timestamp to the edge's fan-out taking it from the event stream, as of the start " +
        "of the duty cycle that took it (one observation per event per edge)"),
    EDGE_PUBLISH_TO_WRITE(1303, "push_edge_publish_to_write_seconds", "transport",
        "From an event's publish timestamp to the IO thread writing it to the client's socket (handed to the " +
        "kernel, or kept for a socket that is full), one observation per delivery, by transport; a poll's events " +
        "count when its answer is written");

    private static final Int2ObjectHashMap<HistogramType> BY_TYPE_ID = new Int2ObjectHashMap<>();

    static
    {
        for (final HistogramType type : values())
        {
            BY_TYPE_ID.put(type.typeId, type);
        }
    }

    private final int typeId;
    private final String metricName;
    private final String labelName;
    private final String help;

    HistogramType(final int typeId, final String metricName, final String labelName, final String help)
    {
        this.typeId = typeId;
        this.metricName = metricName;
        this.labelName = labelName;
        this.help = help;
    }

    /**
     * The Aeron counter type id of every counter (bucket or sum) of a histogram of this type.
     */
    public int typeId()
    {
        return typeId;
    }

    public String metricName()
    {
        return metricName;
    }

    /**
     * The label that splits this histogram (e.g. {@code transport}), or null.
     */
    public String labelName()
    {
        return labelName;
    }

    public String help()
    {
        return help;
    }

    /**
     * @return the type for an Aeron counter type id, or null if it is not one of our histograms.
     */
    public static HistogramType get(final int typeId)
    {
        return BY_TYPE_ID.get(typeId);
    }
}
