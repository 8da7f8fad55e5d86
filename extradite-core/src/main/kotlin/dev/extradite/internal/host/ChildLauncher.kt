@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.ChildOutputMode
import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeException
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.transport.Endpoint
import dev.extradite.internal.transport.FrameTransport
import dev.extradite.internal.transport.Handshake
import dev.extradite.internal.transport.SharedMemory
import dev.extradite.internal.transport.KtorFrameTransport
import dev.extradite.internal.transport.SocketChannelTransport
import dev.extradite.internal.transport.SpinWait
import dev.extradite.internal.transport.TransportKind
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import dev.extradite.internal.transport.TransportClosedException
import java.util.concurrent.atomic.AtomicBoolean
import dev.extradite.internal.wire.Envelope
import io.ktor.network.sockets.InetSocketAddress
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.asDeferred
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withTimeout
import org.slf4j.LoggerFactory
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.util.concurrent.TimeUnit

/** A started, authenticated child: its process, its connection and where its output goes. */
internal class LaunchedChild(
    val process: Process,
    val transport: FrameTransport,
    val stderr: ChildOutput,
    /** Its stdout, unless inherited (then this host does not read it): the JVM reports running out of memory there. */
    val stdout: ChildOutput?,
    val command: List<String>,
    /** Class-data sharing for this child: publish its archive once it has exited. */
    val sharing: ClassDataSharing.Plan,
    /** The session's shared-memory directory for large attachments, deleted with the session. */
    val bulkDirectory: Path?,
)

/**
 * Starts the child JVM for a [SessionConfig] and authenticates its connection.
 *
 * The host listens on a Unix domain socket in a fresh 0700 directory (TCP on loopback where
 * Unix sockets are missing), starts `java` with an argument list (never a shell), writes the
 * token to the child's stdin and waits, up to the startup timeout, for the child to connect and
 * prove itself. A child that exits or times out first is reported with its command line and the
 * tail of its stderr.
 */
internal object ChildLauncher {
    private val deadlines = java.util.concurrent.Executors.newSingleThreadScheduledExecutor { task ->
        Thread(task, "extradite-startup-deadline").apply { isDaemon = true }
    }

    suspend fun launch(config: SessionConfig, sessionName: String): LaunchedChild {
        // Settings first: a bad one fails here, before anything is created that would need cleaning up.
        val kind = TransportKind.fromHostSettings()
        val spinNanos = SpinWait.nanosFromHostSettings()
        // Only the socket-channel transport uses shared memory.
        val bulkThreshold = SharedMemory.thresholdFromHostSettings().takeIf { kind == TransportKind.SOCKET_CHANNEL } ?: 0
        val directory = if (Endpoint.isUnixSupported) {
            Files.createTempDirectory("extradite-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
        } else {
            null
        }
        val unix = directory?.let { Endpoint.Unix(it.resolve("s").toString()) }
        val endpoint: Endpoint
        val accept: suspend () -> FrameTransport
        val closeServer: () -> Unit
        when (kind) {
            TransportKind.KTOR -> {
                val server = Endpoint.listen(unix ?: Endpoint.Tcp("127.0.0.1", 0))
                endpoint = unix ?: Endpoint.Tcp("127.0.0.1", (server.localAddress as InetSocketAddress).port)
                accept = { KtorFrameTransport(server.accept(), config.maxFrameSize) }
                closeServer = { server.close() }
            }
            TransportKind.SOCKET_CHANNEL -> {
                val server = Endpoint.listenBlocking(unix ?: Endpoint.Tcp("127.0.0.1", 0))
                endpoint = unix ?: Endpoint.Tcp("127.0.0.1", (server.localAddress as java.net.InetSocketAddress).port)
                // Interruptible, so that the startup timeout or the child's exit can abandon a
                // pending accept. The interrupt closes the channel, and the accept throws
                // ClosedByInterruptException: that is the cancellation, not a failure of its own
                // (as one, it raced the real reason, "exited with code 1", and sometimes won).
                accept = {
                    try {
                        runInterruptible(Dispatchers.IO) { SocketChannelTransport(server.accept(), config.maxFrameSize, spinNanos) }
                    } catch (e: java.nio.channels.ClosedByInterruptException) {
                        throw CancellationException("the wait for the child's connection was abandoned").apply { initCause(e) }
                    }
                }
                closeServer = { server.close() }
            }
        }
        val sharing = ClassDataSharing.planFor(config.javaHome, ChildRuntimeClasspath.entries, config.jvmArgs, config.env)
        val bulkDirectory = if (bulkThreshold > 0) SharedMemory.createDirectory() else null
        /** Undoes the above, for a start that fails before there is a child process. */
        fun abandon() {
            closeServer()
            directory?.let(SharedMemory::deleteDirectory)
            bulkDirectory?.let(SharedMemory::deleteDirectory)
        }
        val command = try {
            commandFor(config, endpoint, kind, sharing, spinNanos)
        } catch (e: Throwable) {
            abandon()
            throw e
        }
        val process = try {
            ProcessBuilder(command).apply {
                config.workingDirectory?.let { directory(it.toFile()) }
                environment().putAll(config.env)
                when (config.output) {
                    ChildOutputMode.FORWARD -> Unit
                    ChildOutputMode.INHERIT -> redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT)
                    // Both streams are read (and dropped) here: their tails serve error messages.
                    ChildOutputMode.DISCARD -> Unit
                }
            }.start()
        } catch (e: java.io.IOException) {
            abandon()
            throw ExtraditeChildExitedError(
                "cannot start the child JVM for ${config.target}: ${e.message}; check javaHome(...) and workingDirectory(...).\ncommand: ${command.joinToString(" ")}",
                null,
                "",
            )
        }
        // The token first: the child reads it before anything else, while this thread sets up the rest.
        val token = Handshake.newToken()
        try {
            process.outputStream.write("$token\n".toByteArray())
            process.outputStream.flush()
        } catch (_: java.io.IOException) {
            // The child is already gone; the wait below reports it with its stderr.
        }
        val logger = LoggerFactory.getLogger(sessionName)
        val forward = config.output == ChildOutputMode.FORWARD
        val stdout = when (config.output) {
            ChildOutputMode.FORWARD -> {
                val toLogger = ChildOutput.forwardTo(logger, error = false)
                ChildOutput(process.inputStream, { line -> if (!sharing.isJvmReport(line)) toLogger(line) }, "$sessionName-stdout")
            }
            ChildOutputMode.DISCARD -> ChildOutput(process.inputStream, { _ -> }, "$sessionName-stdout")
            ChildOutputMode.INHERIT -> null
        }
        // With INHERIT the stream is empty; with DISCARD its lines are only kept for error messages.
        val stderr = ChildOutput(process.errorStream, if (forward) ChildOutput.forwardTo(logger, error = true) else { _ -> }, "$sessionName-stderr")
        val started = System.nanoTime()
        val timedOut = AtomicBoolean(false)
        try {
            val transport = withTimeout(config.startupTimeout.toMillis()) {
                coroutineScope {
                    val exit = process.onExit().asDeferred()
                    val accepted = async { accept() }
                    val socket = select {
                        accepted.onAwait { it }
                        exit.onAwait { null }
                    }
                    if (socket == null) {
                        accepted.cancel()
                        throw startupFailure(config, command, process, stderr, "exited with code ${process.exitValue()} during startup")
                    }
                    exit.cancel()
                    val transport = socket
                    // A blocking transport does not notice cancellation while it reads: a
                    // connected child that never says hello is cut off by closing it, from a
                    // timer outside this scope (the timeout's cancellation cannot stop it).
                    val remaining = config.startupTimeout.toNanos() - (System.nanoTime() - started)
                    val deadline = deadlines.schedule({
                        timedOut.set(true)
                        transport.close()
                    }, remaining.coerceAtLeast(1), TimeUnit.NANOSECONDS)
                    try {
                        val welcome = Envelope.Welcome(
                            config.classpath.map { it.toString() },
                            config.maxFrameSize,
                            config.policy,
                            config.typeRules.mapKeys { (type, _) -> type.name },
                            bulkDirectory?.toString(),
                            bulkThreshold,
                        )
                        Handshake.accept(transport, token, welcome)
                        SharedMemory.share(transport, bulkDirectory, bulkThreshold, SharedMemory.HOST_RING, SharedMemory.CHILD_RING)
                    } catch (e: Throwable) {
                        transport.close()
                        throw e
                    } finally {
                        deadline.cancel(false)
                    }
                    transport
                }
            }
            return LaunchedChild(process, transport, stderr, stdout, command, sharing, bulkDirectory)
        } catch (e: Throwable) {
            process.destroyForcibly()
            runCatching { process.outputStream.close() }
            process.waitFor(5, TimeUnit.SECONDS)
            bulkDirectory?.let(SharedMemory::deleteDirectory)
            throw when {
                e is ExtraditeException -> e
                e is TimeoutCancellationException || timedOut.get() ||
                    System.nanoTime() - started >= config.startupTimeout.toNanos() -> startupFailure(
                    config, command, process, stderr,
                    "did not connect within ${config.startupTimeout.toMillis()} ms (startupTimeout); it was stopped",
                )
                e is TransportClosedException -> startupFailure(config, command, process, stderr, "closed its connection during the handshake")
                else -> startupFailure(config, command, process, stderr, "failed during startup: $e")
            }
        } finally {
            closeServer()
            // Connected or not, the socket's file is of no more use: gone now, it cannot be left
            // behind by a host that is killed later.
            directory?.let(SharedMemory::deleteDirectory)
        }
    }

    private fun startupFailure(config: SessionConfig, command: List<String>, process: Process, stderr: ChildOutput, what: String): ExtraditeChildExitedError {
        val tail = stderr.tail(waitMillis = 2_000)
        val code = if (process.isAlive) null else process.exitValue()
        return ExtraditeChildExitedError(
            "the child JVM for ${config.target} $what.\ncommand: ${command.joinToString(" ")}\n" +
                (if (tail.isBlank()) "its stderr was empty" else "its stderr ended with:\n$tail"),
            code,
            tail,
        )
    }

    /** The `java` launcher of the JDK at [javaHome]. */
    fun javaLauncher(javaHome: Path): String = javaHome.resolve("bin").resolve(if (File.separatorChar == '\\') "java.exe" else "java").toString()

    private fun commandFor(config: SessionConfig, endpoint: Endpoint, kind: TransportKind, sharing: ClassDataSharing.Plan, spinNanos: Long): List<String> = buildList {
        add(javaLauncher(config.javaHome))
        // Before the user's jvmArgs, so that theirs win.
        addAll(sharing.jvmArgs)
        // A target that exhausts the heap leaves a child that cannot serve (its readers die
        // allocating) and will not end; one that ends is reported, with its stderr. Transient
        // exhaustion ends it too: -XX:-ExitOnOutOfMemoryError in jvmArgs keeps it alive.
        add("-XX:+ExitOnOutOfMemoryError")
        addAll(config.jvmArgs)
        add("-cp")
        add(ChildRuntimeClasspath.entries.joinToString(File.pathSeparator))
        add(ChildRuntimeClasspath.MAIN_CLASS)
        add(endpoint.toString())
        add(config.maxFrameSize.toString())
        add(kind.name)
        add((spinNanos / 1_000).toString())
    }
}
