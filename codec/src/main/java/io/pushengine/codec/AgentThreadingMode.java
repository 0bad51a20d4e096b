package io.pushengine.codec;

/**
 * How a component runs its agents, as Aeron's {@code ThreadingMode} does for the media driver's. Property
 * {@value #PROP_NAME}, read by the engine's and the edge's contexts when none is set on them.
 * <ul>
 *     <li>{@link #DEDICATED} (default): a thread per agent (the engine's sequencer and replay service on two threads,
 *     the edge's fan-out on one). Lowest latency when the box has a core per agent to spare.</li>
 *     <li>{@link #SHARED}: all of a component's agents on one thread (one for the engine, one for the edge; the
 *     all-in-one {@code embedded} role runs engine and edge together on one). Fewest wake-ups: for small boxes.</li>
 *     <li>{@link #INVOKER}: no thread; the embedder drives the agents with the component's
 *     {@link org.agrona.concurrent.AgentInvoker}, started on the thread that invokes it.</li>
 * </ul>
 */
public enum AgentThreadingMode
{
    DEDICATED,
    SHARED,
    INVOKER;

    public static final String PROP_NAME = "push.threading.mode";

    /**
     * @throws IllegalArgumentException naming the property and the values it takes.
     */
    public static AgentThreadingMode fromSystemProperties()
    {
        return parse(System.getProperty(PROP_NAME, "dedicated"));
    }

    /**
     * @throws IllegalArgumentException naming the property and the values it takes.
     */
    public static AgentThreadingMode parse(final String value)
    {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT))
        {
            case "dedicated":
                return DEDICATED;
            case "shared":
                return SHARED;
            case "invoker":
                return INVOKER;
            default:
                throw new IllegalArgumentException(
                    PROP_NAME + " must be one of dedicated, shared, invoker: got '" + value + "'");
        }
    }
}
