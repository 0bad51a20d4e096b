package io.pushengine.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FanOutBenchmark sets up and delivers an event to every subscriber, by each delivery and policy: so a change to the fan-out's
 * constructor or counters that breaks the benchmark fails the build, not the next person who runs JMH.
 */
class FanOutBenchmarkSmokeTest
{
    @Test
    void everySubscriberIsSignalledOncePerEventByEachDelivery()
    {
        for (final String delivery : new String[]{ "ring", "shared-log" })
        {
            for (final String policy : new String[]{ "disconnect", "conflate", "drop" })
            {
                final FanOutBenchmark benchmark = new FanOutBenchmark();
                benchmark.subscribers = 100;
                benchmark.ringCapacity = 4096;
                benchmark.delivery = delivery;
                benchmark.policy = policy;
                benchmark.setup();
                final String what = delivery + ", " + policy;
                assertEquals(100, benchmark.fanOutOneEvent(), what + ": connections flushed for one event");
                assertEquals(100, benchmark.fanOutOneEvent(), what + ": and again for the next");
            }
        }
    }
}
