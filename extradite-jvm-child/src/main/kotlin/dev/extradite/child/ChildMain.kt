@file:OptIn(InternalExtraditeApi::class)
@file:JvmName("ChildMain")

package dev.extradite.child

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.session.PolicyRules
import dev.extradite.internal.session.Session
import dev.extradite.internal.wire.Side
import dev.extradite.internal.transport.Endpoint
import dev.extradite.internal.transport.Handshake
import dev.extradite.internal.transport.SharedMemory
import dev.extradite.internal.transport.SpinWait
import dev.extradite.internal.transport.TransportClosedException
import dev.extradite.internal.transport.TransportKind
import dev.extradite.internal.transport.runHere
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runBlocking
import java.io.FileDescriptor
import java.io.FileInputStream
import java.io.InputStream
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.system.exitProcess

/**
 * The child JVM's entry point: `ChildMain <endpoint> <maxFrameSize> <transport> <spinMicros>`,
 * with the host's token on stdin. Connects back, authenticates, serves the host's requests, and
 * exits when the connection or its stdin closes (the host is gone).
 */
public fun main(args: Array<String>) {
    val usage = "expected <endpoint> <maxFrameSize> <transport> <spinMicros>, got ${args.toList()}; it is started by the extradite host, not by hand"
    if (args.size != 4) {
        System.err.println("extradite child: $usage")
        exitProcess(2)
    }
    val (endpoint, maxFrameSize, kind, spinNanos) = try {
        Arguments(Endpoint.parse(args[0]), args[1].toInt(), TransportKind.valueOf(args[2]), SpinWait.microsToNanos(args[3]))
    } catch (e: IllegalArgumentException) {
        // NumberFormatException included. A host and child of different versions end up here.
        System.err.println("extradite child: ${e.message}; $usage")
        exitProcess(2)
    }
    StartupWarmup.start()
    // The child's stdin is extradite's: the token, then nothing until the host goes. Target code
    // reading System.in gets an empty stream instead of waiting on it (or on the watcher's lock).
    val stdin = FileInputStream(FileDescriptor.`in`).bufferedReader()
    System.setIn(InputStream.nullInputStream())
    val token = stdin.readLine()
    if (token.isNullOrBlank()) {
        System.err.println("extradite child: no token on stdin; it is started by the extradite host, not by hand")
        exitProcess(2)
    }
    val code = serve(endpoint, maxFrameSize, kind, spinNanos, token, stdin)
    // Target code can keep a JVM from ending: a lock held on System.out, a shutdown hook that
    // never returns. The child ends anyway, with no host left to end it.
    Thread({
        Thread.sleep(EXIT_GRACE_MILLIS)
        Runtime.getRuntime().halt(code)
    }, "extradite-exit").apply { isDaemon = true }.start()
    System.out.flush()
    System.err.flush()
    exitProcess(code)
}

/**
 * How long the child's exit may take (its shutdown hooks, its output's flushing) before it halts:
 * time for hooks that do real work (a coverage agent's file, a JFR recording), and an end for
 * those that never return. A class-data archive being written at exit is not cut short: the
 * halt waits for it.
 */
private const val EXIT_GRACE_MILLIS = 10_000L

private data class Arguments(val endpoint: Endpoint, val maxFrameSize: Int, val kind: TransportKind, val spinNanos: Long)

/**
 * Connects, introduces itself and serves until the session ends. On the socket transport nothing
 * here needs a coroutine: a `runBlocking` before connecting cost a young child milliseconds of
 * class initialisation (its event loop, and the default dispatcher it looks up) on the way to
 * its first request.
 */
private fun serve(endpoint: Endpoint, maxFrameSize: Int, kind: TransportKind, spinNanos: Long, token: String, stdin: java.io.BufferedReader): Int {
    val transport = when (kind) {
        TransportKind.SOCKET_CHANNEL -> Endpoint.connectBlocking(endpoint, maxFrameSize, spinNanos)
        TransportKind.KTOR -> runBlocking { Endpoint.connect(endpoint, maxFrameSize) }
    }
    val welcome = try {
        transport.runHere { Handshake.introduce(transport, token) }
    } catch (e: ExtraditeProtocolError) {
        System.err.println("extradite child: ${e.message}")
        return 3
    } catch (e: TransportClosedException) {
        System.err.println("extradite child: the host closed the connection during the handshake")
        return 3
    }
    val bulkDirectory = welcome.bulkDirectory?.let { java.nio.file.Paths.get(it) }
    SharedMemory.share(transport, bulkDirectory, welcome.bulkThreshold, SharedMemory.CHILD_RING, SharedMemory.HOST_RING)
    val loader = TargetClassLoader(welcome.classpath, ChildPeer::class.java.classLoader)
    val threads = AtomicInteger()
    // Target code may block for as long as it likes, and nested calls need fresh threads: an
    // unbounded pool of daemon threads serves the host's requests, in the target's class loader.
    val calls = Executors.newCachedThreadPool { task ->
        Thread(task, "extradite-call-${threads.incrementAndGet()}").apply {
            isDaemon = true
            contextClassLoader = loader
        }
    }.asCoroutineDispatcher()
    val session = Session(Side.CHILD, transport, maxFrameSize, Dispatchers.IO, calls, "extradite-child") { reason ->
        reason as? ExtraditeProtocolError ?: ExtraditeProtocolError("the connection to the host ended: ${reason.message}", reason)
    }
    // Type rules name their types; a rule whose type the target cannot load matches nothing here.
    val rules = welcome.typeRules.mapNotNull { (name, policy) ->
        runCatching { Class.forName(name, false, loader) }.getOrNull()?.let { it to policy }
    }.toMap()
    val peer = ChildPeer(loader, PolicyRules(welcome.policy, rules))
    peer.session = session
    // A target that exits the JVM (System.exit) runs the shutdown hooks, its own among them, which
    // may take long: the host learns at once that the child is going, from the closed connection.
    // (Before the session starts: once a target may run, the JVM may be shutting down.)
    Runtime.getRuntime().addShutdownHook(Thread({ session.close(TransportClosedException("the child JVM is shutting down")) }, "extradite-shutdown"))
    session.start(peer)
    watchStdin(stdin, session)
    val cause = session.closed.get()
    // A host that died cannot clean up its shared-memory directory: the child does.
    bulkDirectory?.let(SharedMemory::deleteDirectory)
    if (cause.cause !is TransportClosedException) System.err.println("extradite child: session ended: ${cause.message}")
    return 0
}

/** The host holds our stdin open for its whole life; end of stdin means the host is gone. */
private fun watchStdin(stdin: java.io.BufferedReader, session: Session) {
    Thread({
        try {
            while (stdin.readLine() != null) {
                // Nothing else is sent on stdin; keep reading until it ends.
            }
        } catch (_: java.io.IOException) {
            // Treated as the end of stdin.
        }
        session.close(TransportClosedException("the host closed the child's stdin"))
    }, "extradite-stdin-watch").apply { isDaemon = true }.start()
}
