package io.pushengine.bench.idle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process of {@link IdleConnectionsBench}: opens N WebSocket connections (plain blocking handshakes over
 * NIO sockets, spread over 127.0.0.x source addresses), prints {@code READY n}, then holds them, reading nothing
 * more (so it never answers pings: the parent turns them off), until its standard input closes.
 * <pre>
 *   IdleClients host port count topicsQuery
 * </pre>
 */
public final class IdleClients
{
    private IdleClients()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String host = args[0];
        final int port = Integer.parseInt(args[1]);
        final int count = Integer.parseInt(args[2]);
        final String topics = args[3];
        final List<SocketChannel> channels = new ArrayList<>(count);
        final ByteBuffer response = ByteBuffer.allocate(1024);
        for (int i = 0; i < count; i++)
        {
            final SocketChannel channel = SocketChannel.open();
            channel.bind(new InetSocketAddress("127.0.0." + (2 + (i % 50)), 0));
            channel.connect(new InetSocketAddress(host, port));
            channel.write(ByteBuffer.wrap(("GET /ws?topics=" + topics + " HTTP/1.1\r\n" +
                "Host: " + host + ":" + port + "\r\n" +
                "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
            response.clear();
            while (!containsBlankLine(response))
            {
                if (channel.read(response) < 0)
                {
                    throw new IOException("connection " + i + " closed during the handshake");
                }
            }
            if (!new String(response.array(), 0, 12, StandardCharsets.US_ASCII).equals("HTTP/1.1 101"))
            {
                throw new IOException("connection " + i + " refused: " +
                    new String(response.array(), 0, response.position(), StandardCharsets.US_ASCII));
            }
            channels.add(channel);
            if ((i + 1) % 1000 == 0)
            {
                System.err.println("idle-clients: " + (i + 1) + " open");
            }
        }
        System.out.println("READY " + channels.size());
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // hold the connections until the parent closes our stdin
        }
        for (final SocketChannel channel : channels)
        {
            channel.close();
        }
    }

    /**
     * The end of the response headers; frames the server sends at once may follow in the same read.
     */
    private static boolean containsBlankLine(final ByteBuffer buffer)
    {
        for (int p = 3, end = buffer.position(); p < end; p++)
        {
            if (buffer.get(p - 3) == '\r' && buffer.get(p - 2) == '\n' &&
                buffer.get(p - 1) == '\r' && buffer.get(p) == '\n')
            {
                return true;
            }
        }
        return false;
    }
}
