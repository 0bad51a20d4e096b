package io.pushengine.engine.sequencer;

import org.agrona.collections.Object2IntHashMap;

import java.util.ArrayList;
import java.util.List;

/**
 * The sequencer's view of topics: name to number, and the last sequence of each topic. Numbers are dense, start at
 * 1 and never change once assigned (they are stored in the topic registry). Sequencer thread only.
 */
final class TopicTable
{
    private static final int MISSING = 0;

    private final Object2IntHashMap<String> numberByName = new Object2IntHashMap<>(MISSING);
    private final List<String> nameByNumber = new ArrayList<>();
    private long[] lastTopicSequence = new long[64];

    TopicTable()
    {
        nameByNumber.add(null);
    }

    int number(final String name)
    {
        return numberByName.getValue(name);
    }

    String name(final int number)
    {
        return number > 0 && number < nameByNumber.size() ? nameByNumber.get(number) : null;
    }

    boolean isDeclared(final int number)
    {
        return number > 0 && number < nameByNumber.size();
    }

    /**
     * Record a topic with a known number (recovery), or the next number (declaration).
     */
    void put(final int number, final String name)
    {
        if (number != nameByNumber.size())
        {
            throw new IllegalStateException("topic numbers must be dense: expected " + nameByNumber.size() +
                " for " + name + " but got " + number);
        }
        nameByNumber.add(name);
        numberByName.put(name, number);
        if (number >= lastTopicSequence.length)
        {
            final long[] grown = new long[Math.max(number + 1, lastTopicSequence.length * 2)];
            System.arraycopy(lastTopicSequence, 0, grown, 0, lastTopicSequence.length);
            lastTopicSequence = grown;
        }
    }

    int nextNumber()
    {
        return nameByNumber.size();
    }

    int size()
    {
        return nameByNumber.size() - 1;
    }

    long nextTopicSequence(final int number)
    {
        return ++lastTopicSequence[number];
    }

    long lastTopicSequence(final int number)
    {
        return lastTopicSequence[number];
    }

    void lastTopicSequence(final int number, final long sequence)
    {
        lastTopicSequence[number] = sequence;
    }
}
