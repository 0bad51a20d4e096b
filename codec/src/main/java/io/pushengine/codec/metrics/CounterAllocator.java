package io.pushengine.codec.metrics;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Allocates a counter with a key and a label: {@code aeron::addCounter} in a running process (the counter lands in
 * the CnC file), {@code countersManager::newCounter} in a test or a benchmark.
 */
@FunctionalInterface
public interface CounterAllocator
{
    AtomicCounter allocate(
        int typeId,
        DirectBuffer keyBuffer,
        int keyOffset,
        int keyLength,
        DirectBuffer labelBuffer,
        int labelOffset,
        int labelLength);
}
