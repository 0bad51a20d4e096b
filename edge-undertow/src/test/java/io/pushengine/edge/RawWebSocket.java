package io.pushengine.edge;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WebSocket client on a plain socket, for clients that must stop reading (the JDK client always reads): it does
 * the handshake and then reads frames only when asked, through a tiny receive buffer.
 */
final class RawWebSocket
{
    /**
     * A server frame: opcode (1 text, 2 binary, 8 close, 9 ping, 10 pong), payload, whether RSV1 is set (with
     * permessage-deflate: the payload is compressed) and whether FIN is (the last frame of its message).
     */
    record Frame(int opcode, byte[] payload, boolean compressed, boolean fin)
    {
        int closeCode()
        {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String closeReason()
        {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private RawWebSocket()
    {
    }

    /**
     * Upgrade {@code GET /ws?<query>} and return the socket without reading anything more.
     */
    static Socket open(final int port, final String query) throws Exception
    {
        final Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        upgrade(socket, port, query, "");
        return socket;
    }

    /**
     * Send the upgrade request for {@code GET /ws?<query>} on a connected socket, with {@code extraHeaders} (each
     * ending in CRLF), and read the 101 answer.
     *
     * @return the answer's status line and headers.
     */
    static String upgrade(final Socket socket, final int port, final String query, final String extraHeaders)
        throws Exception
    {
        final OutputStream out = socket.getOutputStream();
        out.write(("GET /ws?" + query + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1:" + port + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final StringBuilder response = new StringBuilder();
        while (!response.toString().endsWith("\r\n\r\n"))
        {
            response.append((char)in.read());
        }
        assertTrue(response.toString().startsWith("HTTP/1.1 101"), response.toString());
        return response.toString();
    }

    /**
     * Send one client frame (masked, as RFC 6455 requires of clients; payload under 126 bytes).
     */
    static void writeFrame(final OutputStream out, final int opcode, final byte[] payload) throws Exception
    {
        final byte[] mask = { 0x11, 0x22, 0x33, 0x44 };
        final byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i & 3]);
        }
        out.write(frame);
        out.flush();
    }

    /**
     * Read one (unmasked, unfragmented) server frame.
     */
    static Frame readFrame(final DataInputStream in) throws Exception
    {
        final int b0 = in.readUnsignedByte();
        final int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126)
        {
            length = in.readUnsignedShort();
        }
        else if (length == 127)
        {
            length = in.readLong();
        }
        final byte[] payload = new byte[(int)length];
        in.readFully(payload);
        return new Frame(b0 & 0x0F, payload, 0 != (b0 & 0x40), 0 != (b0 & 0x80));
    }
}
