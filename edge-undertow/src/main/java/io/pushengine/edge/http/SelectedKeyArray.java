package io.pushengine.edge.http;

import org.xnio.XnioIoThread;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The set an IO thread's selector puts the keys it found ready in: an array, filled in order and emptied by XNIO
 * after every poll, with an identity table beside it, in place of the JDK's {@code HashSet}. Netty's
 * {@code SelectedSelectionKeySet} is an array too, for its own event loops.
 * <p>
 * Why: the JDK's set allocates a {@code HashMap} node for every ready key, and XNIO copies it ({@code toArray}) and
 * clears it after every poll, both of which walk the whole table, which never shrinks: after a burst of a thousand
 * ready sockets every poll paid for a table that size. Here adding is a store in the array and one in an identity
 * table beside it, copying is an {@code arraycopy} of the keys there are, and clearing nulls only those.
 * <p>
 * A key is held once, as in any set. Netty's array answers {@link #contains} false without looking, since its loop
 * empties the set after every poll; XNIO does not always: when it cancels a key on its own thread it calls
 * {@code selectNow()} and leaves what that found for its next poll, which adds the same keys again. An array that
 * took them twice grew to 124,751 keys for 1,000 sockets after a close storm, and XNIO then cleared an array that
 * long after every poll (a third of a core at 10 events/s). The identity table (open addressing, linear probing, at
 * most half full) answers {@link #contains} in a probe or two; {@link #remove}, which the JDK calls when a key is
 * cancelled, is rare and rebuilds it.
 * <p>
 * It also keeps how many keys it held when last emptied ({@link #sizeAtLastClear}): XNIO empties it after each poll and
 * before it runs the handlers, so a handler learns whether its poll found anything else ready ({@link AfterPollTasks}).
 * <p>
 * It reaches into the JDK ({@code sun.nio.ch.SelectorImpl}'s {@code selectedKeys} and {@code publicSelectedKeys}, which
 * needs {@code --add-opens java.base/sun.nio.ch}: the runnable jar's manifest and
 * the tests give it, for Agrona) and into XNIO ({@code WorkerThread}'s selector). Where either is not there it logs
 * once and the JDK's set stays. Single-threaded: only the IO thread polls and empties it.
 */
public final class SelectedKeyArray extends AbstractSet<SelectionKey>
{
    /**
     * Whether IO threads' selectors get one; {@code false} keeps the JDK's set.
     */
    public static final String ENABLED_PROP_NAME = "push.edge.io.selected.keys.array";

    static final int INITIAL_CAPACITY = 256;

    private static final System.Logger LOGGER = System.getLogger(SelectedKeyArray.class.getName());
    private static final Field WORKER_THREAD_SELECTOR;
    private static final Field SELECTED_KEYS;
    private static final Field PUBLIC_SELECTED_KEYS;
    private static final Method UNGROWABLE_SET;
    private static final String UNAVAILABLE;

    static
    {
        Field selector = null;
        Field selectedKeys = null;
        Field publicSelectedKeys = null;
        Method ungrowableSet = null;
        String unavailable = null;
        try
        {
            selector = Class.forName("org.xnio.nio.WorkerThread").getDeclaredField("selector");
            selector.setAccessible(true);
            final Class<?> selectorImpl = Class.forName("sun.nio.ch.SelectorImpl");
            selectedKeys = selectorImpl.getDeclaredField("selectedKeys");
            selectedKeys.setAccessible(true);
            publicSelectedKeys = selectorImpl.getDeclaredField("publicSelectedKeys");
            publicSelectedKeys.setAccessible(true);
            ungrowableSet = Class.forName("sun.nio.ch.Util").getDeclaredMethod("ungrowableSet", Set.class);
            ungrowableSet.setAccessible(true);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            unavailable = ex.toString();
        }
        WORKER_THREAD_SELECTOR = selector;
        SELECTED_KEYS = selectedKeys;
        PUBLIC_SELECTED_KEYS = publicSelectedKeys;
        UNGROWABLE_SET = ungrowableSet;
        UNAVAILABLE = unavailable;
    }

    private SelectionKey[] keys;
    private int size;
    private int sizeAtLastClear; // XNIO clears after copying, before it runs the ready keys' handlers
    private SelectionKey[] table; // the same keys by identity hash: twice as long as keys, a power of two
    private int tableMask;

    SelectedKeyArray(final int initialCapacity)
    {
        if (initialCapacity < 1 || Integer.bitCount(initialCapacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + initialCapacity);
        }
        keys = new SelectionKey[initialCapacity];
        table = new SelectionKey[initialCapacity << 1];
        tableMask = table.length - 1;
    }

    /**
     * Give {@code ioThread}'s selector one unless {@link #ENABLED_PROP_NAME} is false; warns once per thread when it
     * cannot. On {@code ioThread}, between its polls ({@link EdgeIoThread#openOnItself}).
     *
     * @return the array its selector now fills, or null if it keeps the JDK's set.
     */
    static SelectedKeyArray installIfEnabled(final XnioIoThread ioThread)
    {
        if (!Boolean.parseBoolean(System.getProperty(ENABLED_PROP_NAME, "true")))
        {
            return null;
        }
        if (null != UNAVAILABLE)
        {
            LOGGER.log(System.Logger.Level.WARNING, ioThread.getName() + " keeps the JDK's selected-key set (a node " +
                "allocated per ready socket, each poll walks a table the size of the largest burst): " + UNAVAILABLE);
            return null;
        }
        return install(ioThread);
    }

    /**
     * Put one in {@code ioThread}'s selector, if its set is empty (between polls it is: XNIO empties it after each).
     * IO thread.
     *
     * @return the one put there, or null if none was.
     */
    static SelectedKeyArray install(final XnioIoThread ioThread)
    {
        if (null != UNAVAILABLE || Thread.currentThread() != ioThread)
        {
            return null;
        }
        try
        {
            final Selector selector = (Selector)WORKER_THREAD_SELECTOR.get(ioThread);
            if (!selector.isOpen() || !selector.selectedKeys().isEmpty())
            {
                return null;
            }
            final SelectedKeyArray array = new SelectedKeyArray(INITIAL_CAPACITY);
            SELECTED_KEYS.set(selector, array);
            PUBLIC_SELECTED_KEYS.set(selector, UNGROWABLE_SET.invoke(null, array));
            return array;
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "cannot give " + ioThread.getName() + " a selected-key array", ex);
            return null;
        }
    }

    /**
     * The selector of {@code ioThread}, for tests.
     */
    static Object selectorOf(final XnioIoThread ioThread) throws ReflectiveOperationException
    {
        return WORKER_THREAD_SELECTOR.get(ioThread);
    }

    /**
     * The set the selector of {@code ioThread} fills, for tests; null if it cannot be reached.
     */
    @SuppressWarnings("unchecked")
    static Set<SelectionKey> selectedKeySet(final XnioIoThread ioThread)
    {
        try
        {
            return null == UNAVAILABLE ? (Set<SelectionKey>)SELECTED_KEYS.get(WORKER_THREAD_SELECTOR.get(ioThread)) :
                null;
        }
        catch (final ReflectiveOperationException ex)
        {
            return null;
        }
    }

    public boolean add(final SelectionKey key)
    {
        if (null == key)
        {
            return false;
        }
        int slot = System.identityHashCode(key) & tableMask;
        SelectionKey held;
        while (null != (held = table[slot]))
        {
            if (held == key)
            {
                return false;
            }
            slot = (slot + 1) & tableMask;
        }
        if (size == keys.length)
        {
            keys = Arrays.copyOf(keys, size << 1);
            table = new SelectionKey[keys.length << 1];
            tableMask = table.length - 1;
            rebuildTable();
            slot = freeSlot(key);
        }
        keys[size++] = key;
        table[slot] = key;
        return true;
    }

    public boolean contains(final Object key)
    {
        if (0 == size || null == key)
        {
            return false;
        }
        int slot = System.identityHashCode(key) & tableMask;
        SelectionKey held;
        while (null != (held = table[slot]))
        {
            if (held == key)
            {
                return true;
            }
            slot = (slot + 1) & tableMask;
        }
        return false;
    }

    public boolean remove(final Object key)
    {
        if (!contains(key))
        {
            return false;
        }
        clearTable(size);
        for (int i = 0; i < size; i++)
        {
            if (keys[i] == key)
            {
                System.arraycopy(keys, i + 1, keys, i, size - i - 1);
                keys[--size] = null;
                break;
            }
        }
        rebuildTable();
        return true;
    }

    public int size()
    {
        return size;
    }

    /**
     * How many keys the set held when last emptied: XNIO empties it after each poll, before it runs the handlers of
     * what that poll found, so a handler sees how many keys its own poll found. IO thread.
     */
    int sizeAtLastClear()
    {
        return sizeAtLastClear;
    }

    public void clear()
    {
        sizeAtLastClear = size;
        clearTable(size);
        Arrays.fill(keys, 0, size, null);
        size = 0;
    }

    /**
     * Null the table's slots of {@code keys[0, count)}, and only those: the table stays as long as the most keys
     * ever held, but emptying it costs what it holds.
     */
    private void clearTable(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            int slot = System.identityHashCode(keys[i]) & tableMask;
            while (null != table[slot])
            {
                table[slot] = null; // the whole run: every key in the table is being cleared
                slot = (slot + 1) & tableMask;
            }
        }
    }

    private void rebuildTable()
    {
        for (int i = 0; i < size; i++)
        {
            table[freeSlot(keys[i])] = keys[i];
        }
    }

    private int freeSlot(final SelectionKey key)
    {
        int slot = System.identityHashCode(key) & tableMask;
        while (null != table[slot])
        {
            slot = (slot + 1) & tableMask;
        }
        return slot;
    }

    /**
     * The keys into {@code into} when they fit (XNIO's array, kept from poll to poll), followed by a null if there is
     * room; otherwise into a new array of their size.
     */
    @SuppressWarnings("unchecked")
    public <T> T[] toArray(final T[] into)
    {
        final T[] array = into.length >= size ?
            into : (T[])java.lang.reflect.Array.newInstance(into.getClass().getComponentType(), size);
        System.arraycopy(keys, 0, array, 0, size);
        if (array.length > size)
        {
            array[size] = null;
        }
        return array;
    }

    public Object[] toArray()
    {
        return Arrays.copyOf(keys, size, Object[].class);
    }

    public Iterator<SelectionKey> iterator()
    {
        return new Iterator<>()
        {
            int next;

            public boolean hasNext()
            {
                return next < size;
            }

            public SelectionKey next()
            {
                if (next >= size)
                {
                    throw new NoSuchElementException();
                }
                return keys[next++];
            }
        };
    }
}
