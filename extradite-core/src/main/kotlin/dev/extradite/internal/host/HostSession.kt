@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeException
import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.RemoteObject
import dev.extradite.TransportPolicy
import dev.extradite.UnsupportedInteractionError
import dev.extradite.SessionStats
import dev.extradite.internal.dispatch.FunctionalInterfaces
import dev.extradite.internal.dispatch.Invoker
import dev.extradite.internal.session.ImportTable
import dev.extradite.internal.session.Peer
import dev.extradite.internal.session.PolicyRules
import dev.extradite.internal.session.Session
import dev.extradite.internal.session.toException
import dev.extradite.internal.transport.SharedMemory
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executor
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * The host's side of one child JVM: the process, the [Session] over its connection, and the
 * host's [Peer]: host objects lent to the child (callbacks), proxies of the child's objects
 * ([RemoteObject]s), and the isolation check on every decoded type.
 *
 * Thread safe. Calls go out through [submit]; their replies are decoded by the caller, so an
 * error is raised on the calling thread with the caller's stack.
 */
internal class HostSession private constructor(
    val config: SessionConfig,
    val name: String,
    private val child: LaunchedChild,
) : Peer(Side.HOST, PolicyRules(config.policy, config.typeRules)) {
    private val closing = AtomicBoolean(false)

    /**
     * What isolation knows for one protected tree: the tree (the union of the trees of every
     * target that joined this shared session), what the value types sent so far can reach, and
     * when the host was last found clean. Replaced whole when the tree grows, so that nothing
     * learnt under a smaller tree is kept.
     */
    private class Isolation(val tree: ProtectedTree) {
        /**
         * Per class loader, weakly (a plugin's loader must stay collectable): what its class
         * files refer to, and what the value types sent so far can reach through them.
         */
        private val references = java.util.Collections.synchronizedMap(java.util.WeakHashMap<ClassLoader, ClassFileReferences>())

        fun referencesOf(loader: ClassLoader): ClassFileReferences = references.getOrPut(loader) { ClassFileReferences(loader, tree, runtimeJarNames) }

        /** The last clean walk: the calling thread's context class loader (weakly), and [LoadedClasses.total] then. */
        @Volatile
        var clean: Pair<java.lang.ref.WeakReference<ClassLoader>?, Long>? = null
    }

    @Volatile
    private var isolation = Isolation(config.protectedTree)

    @Synchronized
    fun protect(tree: ProtectedTree) {
        // Most joiners of a shared session protect what it already does: keep what is known.
        if (isolation.tree.roots.containsAll(tree.roots)) return
        isolation = Isolation(ProtectedTree((isolation.tree.roots + tree.roots).distinct()))
    }

    /**
     * Refuses to send a call once a package of the protected tree has been defined in the host
     * since the session started (`extradite(...)` refused to start with one already defined).
     * The loaders are walked only when the JVM has loaded classes since the last clean walk,
     * made from a thread with the same context class loader (the walk includes that loader);
     * while a leak stands, every call walks again and fails.
     */
    private fun checkIsolation() {
        val state = isolation
        val loaded = LoadedClasses.total()
        val context = Thread.currentThread().contextClassLoader
        val clean = state.clean
        if (loaded != LoadedClasses.UNKNOWN && clean != null && clean.second == loaded && clean.first?.get() === context) return
        state.tree.checkStillNotDefinedInHost(name)
        // Read before the walk: classes the walk itself loaded only cause one more walk.
        state.clean = context?.let { java.lang.ref.WeakReference(it) } to loaded
    }

    /**
     * Host objects serve the child's calls with the host's own classes; nothing is loaded by
     * name. The child is not trusted with more than the object offered: only methods of its
     * public interfaces (and toString, equals, hashCode) may be called, so `getClass()` and
     * reflection from there are out of its reach.
     */
    override val invoker = Invoker(HostSession::class.java.classLoader, offeredMethods = FunctionalInterfaces::offeredMethods)

    private val imports = ImportTable<RemoteObject> { id, count -> session.release(id, count) }

    override val importCount: Int get() = imports.size

    /**
     * The context class loader of the thread that opened the session. The callback pool's threads
     * are shared by every session and keep whatever loader their creator had: a callback the child
     * makes from a thread of its own runs under this one instead, so it decodes values with the
     * opener's classes, as a call from the opener's thread would.
     */
    private val openerLoader: ClassLoader? = Thread.currentThread().contextClassLoader

    private val callbacks = callbackPoolUnder(openerLoader).asCoroutineDispatcher()

    val session: Session = Session(
        Side.HOST,
        child.transport,
        config.maxFrameSize,
        Dispatchers.IO,
        callbacks,
        name,
        MAX_CALLBACKS_AT_ONCE,
        ::describeClose,
    )

    init {
        session.start(this)
    }

    override fun loadTargetClass(name: String): Class<*> = throw UnsupportedInteractionError(
        "the child asked the host to load class $name; the host only serves calls on objects it passed to the child",
    )

    /** Encodes an operation built by [build] and sends it; the future completes with the reply message. */
    fun submit(callPolicy: TransportPolicy?, chain: Long, build: (ValueEncoder) -> Operation): CompletableFuture<Message> {
        checkIsolation()
        val encoder = ValueEncoder(contextFor(callPolicy))
        val op = build(encoder)
        return session.request(op, encoder.attachments, chain)
    }

    /** The value of a reply, or the exception it carries, raised here. */
    fun decode(reply: Message): Any? = when (val envelope = reply.envelope) {
        is Envelope.Response -> ValueDecoder(this, reply.attachments).decode(envelope.value)
        is Envelope.Failure -> throw envelope.error.toException(Side.CHILD)
        else -> throw ExtraditeProtocolError("the child answered a call with a ${envelope::class.simpleName}")
    }

    /** Suspends until the child answers; never blocks a thread (and so starts a call chain of its own). */
    suspend fun call(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): Any? =
        decode(submit(callPolicy, session.newChain(), build).await())

    /** Blocks this thread until the child answers, serving nested calls of the same chain meanwhile. */
    fun callBlocking(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): Any? =
        decode(session.callBlocking { chain -> submit(callPolicy, chain, build) })

    /**
     * Returns at once; the result is decoded, and the caller's continuations run, on the
     * callback pool, never on the session's reader thread (which must stay free to read), with
     * the caller's context class loader, as a blocking call would decode it.
     */
    fun callAsync(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): CompletableFuture<Any?> {
        val reply = submit(callPolicy, session.newChain(), build)
        val result = reply.thenApplyAsync({ decode(it) }, callbackPoolUnder(Thread.currentThread().contextClassLoader))
        // Cancelling the caller's future cancels the request, and with it the remote work.
        result.whenComplete { _, error -> if (error is java.util.concurrent.CancellationException) reply.cancel(false) }
        return result
    }

    val isOpen: Boolean get() = session.isOpen

    // --- the host's half of the value codec ---------------------------------------------------

    override fun referenceOf(value: Any): WireValue.Ref? {
        val remote = TypedProxy.remoteOf(value) ?: return null
        if (remote.hostSession !== this) {
            throw UnsupportedInteractionError(
                "a proxy of session ${remote.hostSession.name} cannot be passed to session $name; each child only knows its own objects",
            )
        }
        remote.checkUsable()
        return WireValue.Ref(Side.CHILD, remote.handle, remote.remoteType)
    }

    override fun import(ref: WireValue.Ref): Any? = when (ref.owner) {
        Side.CHILD -> imports.import(ref.id, ref.type) { handle -> RemoteObject(this, handle) }
        Side.HOST -> exports.get(ref.id)
    }

    override fun loadValueType(name: String): Class<*> {
        // The isolation invariant: a protected type is refused by name, before anything loads it.
        val state = isolation
        val tree = state.tree
        if (tree.containsType(name)) {
            throw ExtraditeModuleLeakError(
                "the child sent a value of type $name, which lies in the protected tree $tree; loading it in the host " +
                    "would leak the target's code into this JVM. Return a value of a non-protected type, or receive it as a handle " +
                    "(TransportPolicy.REFERENCE).",
            )
        }
        // Each dimension of an array type is a class the JVM makes for good: a child naming arrays
        // of 255 dimensions of every JDK class would fill the host's metaspace. An array type
        // arrives here as an array's component type, one dimension short of the array's.
        val dimensions = name.indexOfFirst { it != '[' }.coerceAtLeast(0) + 1
        if (dimensions > MAX_ARRAY_DIMENSIONS) {
            throw UnsupportedInteractionError(
                "the child sent an array of $dimensions dimensions (of $name); arrays of more than $MAX_ARRAY_DIMENSIONS dimensions are not " +
                    "rebuilt in the host. Receive it as a handle (TransportPolicy.REFERENCE), or return a flatter array.",
            )
        }
        val loader = Thread.currentThread().contextClassLoader ?: HostSession::class.java.classLoader
        // Building a value of the type loads more than the type (a record's component types, a
        // serializable class's property serializers, their supertypes...): whatever its class
        // file leads to is checked too, from class files, before anything is loaded.
        val element = ProtectedTree.elementTypeOf(name)
        // An array of a primitive type ("[I") leads nowhere.
        val reference = if (name.startsWith("[") && element.length == 1) "" else state.referencesOf(loader).reachableFrom(element)
        if (reference.isNotEmpty()) {
            throw ExtraditeModuleLeakError(
                "the child sent a value of type $name, whose class leads to $reference in the protected tree $tree; " +
                    "building it in the host would load the target's code into this JVM. Return a value whose type does not refer to " +
                    "protected types, or receive it as a handle (TransportPolicy.REFERENCE).",
            )
        }
        return try {
            Class.forName(name, false, loader)
        } catch (e: LinkageError) {
            throw UnsupportedInteractionError("the child sent a value of type $name, which the host cannot load (${e.message}); receive it as a handle (TransportPolicy.REFERENCE)")
        } catch (e: ClassNotFoundException) {
            throw UnsupportedInteractionError(
                "the child sent a value of type $name, which the host cannot load; put it on the host classpath, " +
                    "or receive it as a handle (TransportPolicy.REFERENCE)",
            )
        }
    }

    /** Handle table sizes on the host and, by asking it, in the child. */
    fun stats(): SessionStats {
        val child = expectReply<Map<*, *>>(callBlocking(null) { Operation.Stats }, "a request for its statistics")
        return SessionStats(
            exports.size,
            imports.size,
            expectReply(child["exports"], "a request for its statistics (exports)"),
            expectReply(child["imports"], "a request for its statistics (imports)"),
        )
    }

    /**
     * [reply], the child's answer to [what], as the [T] the protocol promises for it: anything else
     * means the child's runtime broke the protocol, and is refused before it reaches the caller.
     */
    inline fun <reified T> expectReply(reply: Any?, what: String): T = reply as? T ?: throw ExtraditeProtocolError(
        "the child answered $what with ${reply?.javaClass?.name ?: "null"}, where the protocol promises a ${T::class.java.simpleName}; " +
            "its extradite runtime does not follow the protocol (a different version?). Close the session and start a new one.",
    )

    // --- lifecycle ----------------------------------------------------------------------------

    private fun describeClose(reason: Throwable): ExtraditeException {
        if (closing.get()) return ExtraditeProtocolError("session $name was closed; create a new one with extradite(...)")
        // The connection ended: if the child died, say so with its exit code and stderr.
        if (child.process.waitFor(1, TimeUnit.SECONDS)) {
            val tail = child.stderr.tail(waitMillis = 1_000)
            // The JVM says on stdout that it ends for want of memory (-XX:+ExitOnOutOfMemoryError).
            val outOfMemory = child.stdout?.tail(waitMillis = 1_000)?.lines()?.lastOrNull { it.startsWith("Terminating due to java.lang.OutOfMemoryError") }
            return ExtraditeChildExitedError(
                "the child JVM of session $name exited with code ${child.process.exitValue()}; " +
                    (outOfMemory?.let { "it ran out of memory (\"$it\"): give it more with jvmArgs(...) (-Xmx for the Java heap), then " } ?: "") +
                    "start a new session with extradite(...)" +
                    if (tail.isBlank()) "" else "\nits stderr ended with:\n$tail",
                child.process.exitValue(),
                tail,
            )
        }
        if (reason is ExtraditeException) return reason
        return ExtraditeProtocolError("the connection to the child of session $name was lost: ${reason.message}", reason)
    }

    /** Stops the child: closes the connection (the child exits on its own), then waits, then destroys it. */
    fun close() {
        if (!closing.compareAndSet(false, true)) return
        session.close(ExtraditeProtocolError("closed"))
        val process = child.process
        // Closing its stdin too lets the child's stdin watcher leave native code: a JVM exit
        // waits up to 300 ms for threads still blocked in native reads (measured here).
        runCatching { process.outputStream.close() }
        // A child recording its class-data archive writes it while it exits: give it time.
        val grace = if (child.sharing.isRecording) 15L else 2L
        if (!process.waitFor(grace, TimeUnit.SECONDS)) {
            process.destroy()
            if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly()
        }
        child.sharing.publish()
        child.bulkDirectory?.let(SharedMemory::deleteDirectory)
    }

    companion object {
        private val counter = AtomicInteger()

        /** The most of a child's calls into host objects served or waiting at once; one more closes the session. */
        const val MAX_CALLBACKS_AT_ONCE = 4_096

        /** The most dimensions of an array value the host rebuilds (the JVM allows 255). */
        const val MAX_ARRAY_DIMENSIONS = 8

        /** The file names of extradite's runtime jars, whose classes the isolation search does not follow. */
        private val runtimeJarNames: Set<String> by lazy {
            ChildRuntimeClasspath.entries.map { it.fileName.toString() }.filter { it.endsWith(".jar") }.toSet()
        }
        private val callbackThreads = AtomicInteger()

        /**
         * Where the child's calls into host objects run: callbacks may block (and call the child
         * again), so every one gets a thread; idle threads retire after a minute.
         */
        /** The callback pool, running each task with [loader] as its thread's context class loader; between tasks its threads have none. */
        private fun callbackPoolUnder(loader: ClassLoader?) = Executor { task ->
            callbackExecutor.execute {
                val thread = Thread.currentThread()
                thread.contextClassLoader = loader
                try {
                    task.run()
                } finally {
                    thread.contextClassLoader = null
                }
            }
        }

        private val callbackExecutor = Executors.newCachedThreadPool { task ->
            Thread(task, "extradite-callback-${callbackThreads.incrementAndGet()}").apply {
                isDaemon = true
                // Each task sets its own (see callbackPoolUnder); none is kept between tasks.
                contextClassLoader = null
            }
        }

        /** Starts a child for [config]; blocks until it is connected and authenticated. */
        fun start(config: SessionConfig): HostSession {
            val name = "extradite.session." + (config.shareKey ?: "${config.target.substringAfterLast('.')}-${counter.incrementAndGet()}")
            val child = runBlocking(Dispatchers.IO) { ChildLauncher.launch(config, name) }
            return HostSession(config, name, child)
        }
    }
}
