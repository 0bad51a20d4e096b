package io.pushengine.app;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;

/**
 * One agent that drives the agent invokers of several components (the engine's and the edge's, in
 * {@link io.pushengine.codec.AgentThreadingMode#INVOKER} mode) on one thread: the all-in-one role's
 * {@code SHARED} threading. Starts them on its own thread (so their producers' wake-ups reach it); the components
 * close their own invokers.
 */
public final class InvokersAgent implements Agent
{
    private final AgentInvoker[] invokers;
    private final String roleName;

    public InvokersAgent(final String roleName, final AgentInvoker... invokers)
    {
        this.roleName = roleName;
        this.invokers = invokers.clone();
    }

    public void onStart()
    {
        for (final AgentInvoker invoker : invokers)
        {
            invoker.start();
        }
    }

    public int doWork()
    {
        int work = 0;
        for (final AgentInvoker invoker : invokers)
        {
            work += invoker.invoke();
        }
        return work;
    }

    public String roleName()
    {
        return roleName;
    }
}
