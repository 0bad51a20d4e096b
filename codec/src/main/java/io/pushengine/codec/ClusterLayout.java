package io.pushengine.codec;

import java.util.List;

/**
 * Where the members of a replicated sequencer listen, derived from the members' host list (member id order) and a
 * base port, so that members, publishers and edges agree on it from the same two settings. Member {@code i} uses
 * {@code portBase + 100 i +}:
 * <ol>
 *     <li>archive control,</li>
 *     <li>client ingress (Aeron Cluster),</li>
 *     <li>consensus,</li>
 *     <li>log,</li>
 *     <li>catch-up,</li>
 *     <li>edge events: the control port of the member's event stream (multi-destination-cast, dynamic), which
 *         carries its committed events, catalog answers and replay answers to every edge attached to it,</li>
 *     <li>edge requests: where the member takes edges' catalog and replay requests.</li>
 * </ol>
 */
public final class ClusterLayout
{
    public static final int PORTS_PER_MEMBER = 100;
    public static final int ARCHIVE_CONTROL_PORT_OFFSET = 1;
    public static final int INGRESS_PORT_OFFSET = 2;
    public static final int CONSENSUS_PORT_OFFSET = 3;
    public static final int LOG_PORT_OFFSET = 4;
    public static final int CATCHUP_PORT_OFFSET = 5;
    public static final int EDGE_EVENTS_PORT_OFFSET = 6;
    public static final int EDGE_REQUESTS_PORT_OFFSET = 7;
    /**
     * The highest offset in use: ports above it, up to the next member's, are free.
     */
    public static final int LAST_PORT_OFFSET = EDGE_REQUESTS_PORT_OFFSET;

    private final List<String> hosts;
    private final int portBase;

    /**
     * @param hosts    the members' hosts in member id order (id 0 first).
     * @param portBase the first port of member 0's block.
     */
    public ClusterLayout(final List<String> hosts, final int portBase)
    {
        this.hosts = List.copyOf(hosts);
        this.portBase = portBase;
    }

    /**
     * @param list comma separated hosts, e.g. {@code host0, host1, host2}.
     */
    public static List<String> hostsOf(final String list)
    {
        return List.of(list.trim().split("\\s*,\\s*"));
    }

    public List<String> hosts()
    {
        return hosts;
    }

    public int memberCount()
    {
        return hosts.size();
    }

    public int portBase()
    {
        return portBase;
    }

    public int port(final int memberId, final int offset)
    {
        return portBase + memberId * PORTS_PER_MEMBER + offset;
    }

    /**
     * @return {@code host:port} of a member's port.
     */
    public String endpoint(final int memberId, final int offset)
    {
        return hosts.get(memberId) + ":" + port(memberId, offset);
    }

    /**
     * What a publisher needs to find the cluster: {@code 0=host:port,1=host:port,...}.
     */
    public String ingressEndpoints()
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int id = 0; id < hosts.size(); id++)
        {
            endpoints.append(id).append('=').append(endpoint(id, INGRESS_PORT_OFFSET)).append(',');
        }
        endpoints.setLength(endpoints.length() - 1);
        return endpoints.toString();
    }

    /**
     * The channel a member publishes its event stream on (events, catalog answers, replay answers): edges add
     * themselves by subscribing with {@link #edgeEventsSubscriptionChannel}.
     */
    public String edgeEventsPublicationChannel(final int memberId)
    {
        return "aeron:udp?control=" + endpoint(memberId, EDGE_EVENTS_PORT_OFFSET) + "|control-mode=dynamic";
    }

    /**
     * The channel an edge subscribes to a member's event stream on.
     *
     * @param localHost an address of the edge's host the member can reach (it sends there).
     */
    public String edgeEventsSubscriptionChannel(final int memberId, final String localHost)
    {
        return "aeron:udp?endpoint=" + localHost + ":0|control=" + endpoint(memberId, EDGE_EVENTS_PORT_OFFSET) +
            "|control-mode=dynamic";
    }

    /**
     * The channel of a member's edge requests (catalog and replay requests): members subscribe, edges publish.
     */
    public String edgeRequestsChannel(final int memberId)
    {
        return "aeron:udp?endpoint=" + endpoint(memberId, EDGE_REQUESTS_PORT_OFFSET);
    }
}
