package dev.extradite.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The floor: a bare blocking {@code java.nio} Unix-socket ping-pong of a 16-byte frame between two
 * JVM processes. {@code main} is the echoing child; an instance is the measuring host's end.
 */
public final class RawUnixEcho implements PeerRoundTrip {
    private static final int FRAME = 16;

    private final Path dir;
    private final Path socket;
    private final Process child;
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(FRAME);
    private long sequence;

    /** Child: connects to the host's socket at args[0] and echoes 16-byte frames until it closes. */
    public static void main(String[] args) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(FRAME);
            while (true) {
                buffer.clear();
                while (buffer.hasRemaining()) if (channel.read(buffer) < 0) return;
                buffer.flip();
                while (buffer.hasRemaining()) channel.write(buffer);
            }
        }
    }

    /** Host: starts the echo child with {@code java} on {@code classpath} and accepts its connection. */
    public RawUnixEcho(String java, String classpath) throws IOException {
        dir = Files.createTempDirectory("raw-uds");
        socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            child = new ProcessBuilder(java, "-cp", classpath, RawUnixEcho.class.getName(), socket.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            channel = server.accept();
        }
    }

    @Override
    public void time(long[] samples, int from, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            buffer.clear();
            buffer.putLong(0, sequence++);
            while (buffer.hasRemaining()) channel.write(buffer);
            buffer.clear();
            while (buffer.hasRemaining()) if (channel.read(buffer) < 0) throw new IOException("the echo child closed its socket");
            samples[from + i] = System.nanoTime() - start;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            channel.close();
            child.destroy();
            child.waitFor();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
