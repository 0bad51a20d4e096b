package io.pushengine.codec.metrics;

import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

import java.nio.charset.StandardCharsets;

/**
 * Every counter the engine and edges keep. Counters live in the Aeron CnC file ({@code Aeron#addCounter}), so any
 * process attached to the same media driver can read them (AeronStat shows them too), and an edge's
 * {@code /metrics} exports every one it can see, its own and, when sharing a driver, the engine's.
 */
public enum CounterType
{
    ENGINE_EVENTS_SEQUENCED(1101, "push_engine_events_sequenced_total", false,
        "Events given a global sequence and journaled"),
    ENGINE_LAST_SEQUENCE(1102, "push_engine_last_sequence", true,
        "Highest global sequence journaled"),
    ENGINE_TOPICS(1103, "push_engine_topics", true,
        "Topics declared"),
    ENGINE_PUBLISH_REJECTED(1104, "push_engine_publish_rejected_total", false,
        "Publish requests refused: invalid topic, payload too large, malformed ingress message"),
    ENGINE_AERON_BACK_PRESSURED(1105, "push_engine_aeron_back_pressured_total", false,
        "Event stream offers back-pressured by the slowest edge (retried, never dropped)"),
    ENGINE_EVENTS_WITHOUT_SUBSCRIBER(1106, "push_engine_events_without_subscriber_total", false,
        "Events journaled while no edge was connected to the event stream"),
    ENGINE_ERRORS(1107, "push_engine_errors_total", false,
        "Errors caught by the sequencer's and replay service's agent runners"),
    ENGINE_REPLAYS_SERVED(1108, "push_engine_replays_served_total", false,
        "Journal replay requests answered (edges resuming clients)"),
    ENGINE_EVENTS_REPLAYED(1109, "push_engine_events_replayed_total", false,
        "Events sent from the journal in answer to replay requests"),
    ENGINE_JOURNAL_CYCLES_DELETED(1110, "push_engine_journal_cycles_deleted_total", false,
        "Journal roll-cycle files deleted by retention (age or size)"),

    ENGINE_INGRESS_REFUSED(1111, "push_engine_ingress_refused_total", false,
        "Publishes over the Aeron ingress refused: the session has no valid token, or it does not grant the topic"),
    ENGINE_CLUSTER_ROLE(1112, "push_engine_cluster_role", true,
        "This cluster member's role: 0 follower, 1 candidate, 2 leader (cluster-node role only)"),
    ENGINE_CLUSTER_SNAPSHOTS(1113, "push_engine_cluster_snapshots_total", false,
        "Cluster snapshots this member's sequencer wrote (on schedule, push.cluster.snapshot.interval.ms, or on demand)"),
    EDGE_CONNECTIONS(1201, "push_edge_connections", true,
        "Open client connections, all transports"),
    EDGE_WEBSOCKET_CONNECTIONS(1202, "push_edge_transport_connections", "transport", "websocket", true,
        "Open WebSocket connections"),
    EDGE_SSE_CONNECTIONS(1203, "push_edge_transport_connections", "transport", "sse", true,
        "Open Server-Sent Events connections"),
    EDGE_CONNECTIONS_OPENED(1204, "push_edge_connections_opened_total", false,
        "Client connections accepted"),
    EDGE_CONNECTIONS_CLOSED(1205, "push_edge_connections_closed_total", false,
        "Client connections closed, for any reason"),
    EDGE_EVENTS_IN(1206, "push_edge_events_in_total", false,
        "Events received from the engine over Aeron"),
    EDGE_EVENTS_OUT(1207, "push_edge_events_out_total", false,
        "Event deliveries handed to client connections (one per event per subscriber)"),
    EDGE_FRAMES_OUT(1208, "push_edge_frames_out_total", false,
        "WebSocket frames and SSE writes sent (a frame carries a batch of events)"),
    EDGE_BYTES_OUT(1209, "push_edge_bytes_out_total", false,
        "Bytes of frames handed to Undertow"),
    EDGE_SLOW_CONSUMER_DISCONNECTS(1210, "push_edge_disconnects_total", "reason", "slow_consumer", false,
        "Connections closed because their ring filled (policy DISCONNECT, 1013)"),
    EDGE_PROTOCOL_ERRORS(1211, "push_edge_protocol_errors_total", false,
        "Malformed or unsupported client frames (connection closed 1002/1003)"),
    EDGE_HTTP_REJECTED(1212, "push_edge_http_rejected_total", false,
        "HTTP requests answered 4xx/5xx"),
    EDGE_PUBLISH_REQUESTS(1213, "push_edge_publish_requests_total", false,
        "Publish requests (HTTP POSTs, each line of a batch, WebSocket Publish messages) forwarded to the engine"),
    EDGE_PUBLISHES_READ_AHEAD(1262, "push_edge_publishes_read_ahead_total", false,
        "HTTP publishes the edge read, offered and answered itself, without Undertow: the repeats of an admitted " +
        "POST /publish on its connection, pipelined or not (also in push_edge_publish_requests_total)"),
    EDGE_PUBLISHES_AWAITING_ACK(1265, "push_edge_publishes_awaiting_ack", true,
        "HTTP publishes (single or batch) forwarded to the engine and not yet answered: each holds its request and " +
        "an acknowledgement timeout (push.publish.timeout.ms) until the engine acknowledges it or the timeout fires"),
    EDGE_MALFORMED_STREAM_MESSAGES(1214, "push_edge_malformed_stream_messages_total", false,
        "Messages on the event stream this edge could not decode"),
    EDGE_ERRORS(1215, "push_edge_errors_total", false,
        "Errors caught by the edge's agents and IO callbacks"),
    EDGE_HEARTBEATS_SENT(1216, "push_edge_heartbeats_sent_total", false,
        "Heartbeats asked of idle connections (sent unless a write was in flight)"),
    EDGE_PINGS_SENT(1217, "push_edge_websocket_pings_sent_total", false,
        "WebSocket pings sent"),
    EDGE_PONG_TIMEOUTS(1218, "push_edge_disconnects_total", "reason", "pong_timeout", false,
        "WebSocket connections closed because no pong (or any frame) arrived in time"),
    EDGE_CONFLATED(1219, "push_edge_conflated_total", false,
        "Events held back for a lagging CONFLATE subscription (only the latest value of the topic is sent)"),
    EDGE_SHARED_LOG_SKIPS(1263, "push_edge_shared_log_skips_total", false,
        "Times a CONFLATE connection's cursor was lapped in the edge's shared log (the client was not reading): it " +
        "skipped ahead, and the latest values it missed were sent again"),
    EDGE_DROPPED(1220, "push_edge_dropped_total", false,
        "Events dropped for a DROP subscription whose ring was full (reported to the client in a Gap notice)"),
    EDGE_GAP_NOTICES(1221, "push_edge_gap_notices_total", false,
        "Gap notices sent to DROP subscriptions"),
    EDGE_THROTTLED(1222, "push_edge_throttled_total", false,
        "Events held back by a THROTTLE subscription's rate (only the latest value is sent when due)"),
    EDGE_LAG_DISCONNECTS(1223, "push_edge_disconnects_total", "reason", "lag", false,
        "DISCONNECT connections closed (1013) for taking nothing for the lag bound with events waiting"),
    EDGE_IDLE_CLOSES(1224, "push_edge_disconnects_total", "reason", "idle", false,
        "Connections closed for having no subscription for the idle timeout"),
    EDGE_SESSIONS(1225, "push_edge_fanout_sessions", true,
        "Connections registered with the fan-out (should equal push_edge_connections)"),
    EDGE_SUBSCRIPTIONS(1226, "push_edge_subscriptions", true,
        "Topic subscriptions held by the fan-out"),
    EDGE_RING_BYTES(1227, "push_edge_ring_bytes", true,
        "Bytes of outbound rings allocated (idle connections hold none)"),
    EDGE_RESUMES(1228, "push_edge_resumes_total", false,
        "Connections that resumed from a sequence and caught up completely"),
    EDGE_RESUME_RESETS(1229, "push_edge_resume_resets_total", false,
        "Resumes from a sequence older than the journal retains (client told to reset)"),
    EDGE_REPLAY_REQUESTS(1230, "push_edge_replay_requests_total", false,
        "Replay requests sent to the engine (resume older than the edge's recent window)"),
    EDGE_EVENTS_RESUMED(1231, "push_edge_events_resumed_total", false,
        "Events delivered to resuming connections from the recent window or a journal replay"),
    EDGE_SNAPSHOTS(1232, "push_edge_snapshots_total", false,
        "Snapshots sent (a client asked for the current value of its topics before live updates)"),
    EDGE_SNAPSHOT_VALUES(1233, "push_edge_snapshot_values_total", false,
        "Topic values sent in snapshots"),
    EDGE_STREAM_GAPS(1234, "push_edge_stream_gaps_total", false,
        "Gaps in the engine's event stream seen by the edge (lost on the transport, or an engine restart)"),
    EDGE_STREAM_GAP_EVENTS_RECOVERED(1235, "push_edge_stream_gap_events_recovered_total", false,
        "Events of stream gaps recovered from the journal through the engine's replay service"),
    EDGE_STREAM_GAP_EVENTS_LOST(1236, "push_edge_stream_gap_events_lost_total", false,
        "Events of stream gaps the journal no longer held (past retention); should stay 0"),
    EDGE_ENGINE_SESSIONS(1237, "push_edge_engine_restarts_total", false,
        "Times the event stream started coming from a new engine session (engine restarted)"),
    EDGE_STREAM_DUPLICATES(1258, "push_edge_stream_duplicates_total", false,
        "Events received again at or below the edge's position (from a cluster member behind the one it left): " +
        "not delivered twice"),
    EDGE_REPLAY_RETRIES(1264, "push_edge_replay_retries_total", false,
        "Replays asked for again because their answer's beginning never reached this edge (its replay stream " +
        "joined while the answer was being sent, e.g. just after it moved to another cluster member)"),
    EDGE_CLUSTER_MEMBER(1259, "push_edge_cluster_member", true,
        "The cluster member whose event stream this edge follows (cluster mode; -1 before the first)"),
    EDGE_CLUSTER_MEMBER_SWITCHES(1260, "push_edge_cluster_member_switches_total", false,
        "Times the edge moved to another cluster member's event stream because its member's stream was lost"),
    EDGE_CLUSTER_SESSIONS(1261, "push_edge_cluster_sessions_total", false,
        "Sessions the edge opened with the cluster's ingress for its publishes (one, plus one per session lost)"),
    EDGE_POLLS(1238, "push_edge_polls_total", false,
        "Long-poll and short-poll requests accepted (GET /poll)"),
    EDGE_POLLS_HELD(1239, "push_edge_polls_held", true,
        "Polls waiting now for data or for their wait to end (no thread is held by any)"),
    EDGE_POLLS_EMPTY(1240, "push_edge_polls_empty_total", false,
        "Polls answered with no events (wait ended, or a short poll with nothing new)"),
    EDGE_POLLS_LAPPED(1266, "push_edge_polls_lapped_total", false,
        "Poll answers sent without their live events because the edge's text log had overwritten them before the " +
        "answer was written (the edge took more events meanwhile than the log holds); the answer's cursor stays " +
        "before them, so the next poll takes them from the journal: nothing is lost"),
    EDGE_STREAM_POSITION(1241, "push_edge_stream_position", true,
        "Global sequence of the last event the edge has taken from the engine's stream, in order"),
    EDGE_ENGINE_POSITION(1242, "push_edge_engine_position", true,
        "The engine's last global sequence as of its last catalog answer: the edge is caught up at or past it"),
    EDGE_DRAIN_CLOSES(1243, "push_edge_disconnects_total", "reason", "drain", false,
        "Connections closed with 1001 (or answered 503) because the edge was draining: they move to a peer"),
    EDGE_AUTH_FAILURES(1244, "push_edge_refusals_total", "reason", "unauthenticated", false,
        "Requests and WebSocket Authenticate messages refused for a missing, invalid or expired token (401, 1008)"),
    EDGE_FORBIDDEN(1245, "push_edge_refusals_total", "reason", "forbidden", false,
        "Subscriptions and publishes refused because the token does not grant the topic (403, Error NOT_AUTHORIZED)"),
    EDGE_ORIGIN_REJECTIONS(1246, "push_edge_refusals_total", "reason", "origin", false,
        "Browser requests refused because their Origin is not allowed (403)"),
    EDGE_LIMIT_REJECTIONS(1247, "push_edge_refusals_total", "reason", "limit", false,
        "Refusals and closes past a limit: connections per edge/address/subject, topics per connection, message rate"),
    EDGE_TOKEN_EXPIRY_CLOSES(1248, "push_edge_disconnects_total", "reason", "token_expired", false,
        "Connections closed with 1008 because their token expired without a refresh (or never authenticated)"),
    EDGE_REQUEST_TIMEOUTS(1249, "push_edge_disconnects_total", "reason", "request_timeout", false,
        "Connections cut off (408) because a request's headers did not all arrive within the handshake timeout " +
        "(slowloris)"),
    EDGE_IO_THREAD_WAKE_UPS(1251, "push_edge_io_thread_wake_ups_total", false,
        "Tasks the fan-out handed to IO threads: one per IO thread per duty cycle that gave its connections work " +
        "(compare with push_edge_frames_out_total)"),
    EDGE_SILENT_CLOSES(1250, "push_edge_disconnects_total", "reason", "silent", false,
        "Connections closed because they sent nothing within the handshake timeout: new ones that never send a " +
        "request (or a browser's unused preconnect), and keep-alive ones idle after a request"),
    EDGE_RECYCLE_CLOSES(1253, "push_edge_disconnects_total", "reason", "recycle", false,
        "Connections closed with 1001 because they reached push.edge.max.connection.age.ms: they reconnect and resume"),
    EDGE_PUBLISH_REJECTED(1252, "push_edge_publish_rejected_total", false,
        "WebSocket Publish messages answered with an Error instead of Published (invalid topic or payload, not " +
        "granted, too many in flight, engine unavailable or refusing)"),
    EDGE_SSE_COMPRESSED_STREAMS(1254, "push_edge_compressed_streams", "transport", "sse", true,
        "Open streams compressed with their own deflater (each holds ~260 KiB of native memory while open), within " +
        "push.edge.compression.max.streams"),
    EDGE_WEBSOCKET_COMPRESSED_STREAMS(1255, "push_edge_compressed_streams", "transport", "websocket", true,
        "Open streams compressed with their own deflater (each holds ~260 KiB of native memory while open), within " +
        "push.edge.compression.max.streams"),
    EDGE_SSE_COMPRESSION_OVER_BUDGET(1256, "push_edge_compression_over_budget_total", "transport", "sse", false,
        "Streams that asked for compression and were served uncompressed because push.edge.compression.max.streams " +
        "were open"),
    EDGE_WEBSOCKET_COMPRESSION_OVER_BUDGET(1257, "push_edge_compression_over_budget_total", "transport", "websocket",
        false, "Streams that asked for compression and were served uncompressed because " +
        "push.edge.compression.max.streams were open");

    private static final Int2ObjectHashMap<CounterType> BY_TYPE_ID = new Int2ObjectHashMap<>();

    static
    {
        for (final CounterType type : values())
        {
            BY_TYPE_ID.put(type.typeId, type);
        }
    }

    private final int typeId;
    private final String metricName;
    private final String labelName;
    private final String labelValue;
    private final boolean gauge;
    private final String help;

    CounterType(final int typeId, final String metricName, final boolean gauge, final String help)
    {
        this(typeId, metricName, null, null, gauge, help);
    }

    /**
     * A counter that is one series of a labelled family: e.g. {@code push_edge_disconnects_total{reason="lag"}}.
     */
    CounterType(
        final int typeId,
        final String metricName,
        final String labelName,
        final String labelValue,
        final boolean gauge,
        final String help)
    {
        this.typeId = typeId;
        this.metricName = metricName;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.gauge = gauge;
        this.help = help;
    }

    public int typeId()
    {
        return typeId;
    }

    public String metricName()
    {
        return metricName;
    }

    /**
     * The label that tells this counter from the others of its family ({@code transport}, {@code reason}), or null
     * when the family has one series per source.
     */
    public String labelName()
    {
        return labelName;
    }

    public String labelValue()
    {
        return labelValue;
    }

    /**
     * The metric's name and its own label, as a query would select it: {@code push_edge_disconnects_total{reason="lag"}}.
     */
    public String selector()
    {
        return null == labelName ? metricName : metricName + "{" + labelName + "=\"" + labelValue + "\"}";
    }

    /**
     * The help of this counter's family: for a labelled family, what its label splits; otherwise {@link #help()}.
     */
    public String familyHelp()
    {
        if (null == labelName)
        {
            return help;
        }
        return switch (metricName)
        {
            case "push_edge_transport_connections" -> "Open client connections by transport (polls: push_edge_polls_held)";
            case "push_edge_disconnects_total" -> "Connections the edge closed, by reason (slow_consumer and lag: " +
                "1013; pong_timeout, idle, silent, request_timeout: dead or unused; token_expired: 1008; drain and " +
                "recycle: 1001, the client moves or reconnects and resumes)";
            case "push_edge_refusals_total" -> "Requests, subscriptions and publishes refused, by reason " +
                "(unauthenticated: 401/1008, forbidden: 403/NOT_AUTHORIZED, origin: 403, limit: a configured limit)";
            default -> help;
        };
    }

    public boolean isGauge()
    {
        return gauge;
    }

    public String help()
    {
        return help;
    }

    /**
     * A counter of this type for {@code source} ({@code engine}, {@code edge:HOST:PORT:PID}): its key holds the
     * source (ASCII, length first), its label is the Prometheus series it is, so AeronStat and {@code stat} show
     * e.g. {@code push_edge_disconnects_total{reason="lag",source="edge:127.0.0.1:8080:4242"}}.
     *
     * @param allocator {@code aeron::addCounter}, or a counters manager's {@code newCounter}.
     */
    public AtomicCounter allocate(final CounterAllocator allocator, final String source)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[CountersReader.MAX_KEY_LENGTH]);
        final int keyLength = key.putStringAscii(0, source.length() <= CountersReader.MAX_KEY_LENGTH - Integer.BYTES ?
            source : source.substring(0, CountersReader.MAX_KEY_LENGTH - Integer.BYTES));
        final String text = metricName + "{" + (null == labelName ? "" : labelName + "=\"" + labelValue + "\",") +
            "source=\"" + source + "\"}";
        final UnsafeBuffer label = new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
        return allocator.allocate(typeId, key, 0, keyLength, label, 0,
            Math.min(label.capacity(), CountersReader.MAX_LABEL_LENGTH));
    }

    /**
     * The source of a counter of ours: from its key ({@link #allocate}), else its whole label (counters allocated
     * by label only, as tests and benchmarks do).
     */
    public static String source(final DirectBuffer keyBuffer, final String label)
    {
        final int length = keyBuffer.capacity() >= Integer.BYTES ? keyBuffer.getInt(0) : 0;
        if (length <= 0 || length > keyBuffer.capacity() - Integer.BYTES)
        {
            return label;
        }
        return keyBuffer.getStringAscii(0);
    }

    /**
     * @return the type for an Aeron counter type id, or null if it is not one of ours.
     */
    public static CounterType get(final int typeId)
    {
        return BY_TYPE_ID.get(typeId);
    }
}
