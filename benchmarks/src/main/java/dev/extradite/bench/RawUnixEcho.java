package dev.extradite.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The floor: a bare blocking {@code java.nio} Unix-socket ping-pong of a 16-byte frame between two
 * JVM processes. {@code main} is the echoing child; {@link #roundTripP50} the measuring host.
 */
public final class RawUnixEcho {
    private static final int FRAME = 16;

    private RawUnixEcho() {}

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

    /** Host: starts the echo child, measures {@code roundTrips} ping-pongs, returns the p50 in µs. */
    public static double roundTripP50(String java, String classpath, int roundTrips) throws Exception {
        Path dir = Files.createTempDirectory("raw-uds");
        Path socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Process child = new ProcessBuilder(java, "-cp", classpath, RawUnixEcho.class.getName(), socket.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (SocketChannel channel = server.accept()) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(FRAME);
                long[] samples = new long[roundTrips];
                for (int i = -roundTrips / 5; i < roundTrips; i++) {
                    long start = System.nanoTime();
                    buffer.clear();
                    buffer.putLong(0, i);
                    while (buffer.hasRemaining()) channel.write(buffer);
                    buffer.clear();
                    while (buffer.hasRemaining()) channel.read(buffer);
                    if (i >= 0) samples[i] = System.nanoTime() - start;
                }
                Arrays.sort(samples);
                return samples[roundTrips / 2] / 1000.0;
            } finally {
                child.destroy();
                child.waitFor();
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
