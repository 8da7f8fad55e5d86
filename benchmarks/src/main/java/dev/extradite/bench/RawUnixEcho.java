package dev.extradite.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The floor: a bare {@code java.nio} Unix-socket ping-pong of a 16-byte frame between two JVM
 * processes. {@code main} is the echoing child; an instance is the measuring host's end. Blocking
 * (each side sleeps in its read until the kernel wakes it), or, with {@code spin}, both sides in
 * non-blocking mode reading in a busy loop: the floor for a reader that spins, as extradite's does
 * before it sleeps.
 */
public final class RawUnixEcho implements PeerRoundTrip {
    private static final int FRAME = 16;

    private final Path dir;
    private final Path socket;
    private final Process child;
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(FRAME);
    private final boolean spin;
    private long sequence;

    /** Child: connects to the host's socket at args[0] and echoes 16-byte frames until it closes; args[1] "spin" spins. */
    public static void main(String[] args) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
            boolean spin = args.length > 1 && args[1].equals("spin");
            channel.configureBlocking(!spin);
            Selector idle = spin ? Selector.open() : null;
            if (spin) channel.register(idle, SelectionKey.OP_READ);
            ByteBuffer buffer = ByteBuffer.allocateDirect(FRAME);
            while (true) {
                buffer.clear();
                if (!readFrame(channel, buffer, idle)) return;
                buffer.flip();
                while (buffer.hasRemaining()) channel.write(buffer);
            }
        }
    }

    /**
     * Fills {@code buffer}; a non-blocking channel is read in a busy loop. With {@code idle}, a
     * loop that has spun for 100 µs sleeps in that selector instead: the echo child spins only
     * while it is being measured, hardly into the other peers' turns. False at the end of the
     * stream.
     */
    private static boolean readFrame(SocketChannel channel, ByteBuffer buffer, Selector idle) throws IOException {
        long spinUntil = System.nanoTime() + 100_000;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) return false;
            if (n > 0) continue;
            if (idle != null && System.nanoTime() - spinUntil > 0) {
                idle.select();
                idle.selectedKeys().clear();
            } else {
                Thread.onSpinWait();
            }
        }
        return true;
    }

    /** Host: starts the echo child with {@code java} on {@code classpath} and accepts its connection. */
    public RawUnixEcho(String java, String classpath) throws IOException {
        this(java, classpath, false);
    }

    /** As {@link #RawUnixEcho(String, String)}; with {@code spin}, both sides read in a busy loop instead of sleeping. */
    public RawUnixEcho(String java, String classpath, boolean spin) throws IOException {
        this.spin = spin;
        dir = Files.createTempDirectory("raw-uds");
        socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            child = new ProcessBuilder(java, "-cp", classpath, RawUnixEcho.class.getName(), socket.toString(), spin ? "spin" : "block")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            channel = server.accept();
            channel.configureBlocking(!spin);
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
            if (!readFrame(channel, buffer, null)) throw new IOException("the echo child closed its socket");
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
